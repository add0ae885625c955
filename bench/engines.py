"""Each hand-written engine against its plain alternative, in the same run, interleaved.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartcities_bench_eng \\
        .venv/bin/python bench/engines.py [cache] [facets] [copy]

The database must be PostgreSQL with the demo catalogue (``seed_demo --projects 10000``,
as ``make bench`` builds ``smartcities_bench_10k``); the import comparison writes 10,000
projects (``BENCH_ROWS``) and rolls them back.

The machine is shared: every comparison runs its variants in turns (A, B, then B, A, …)
and quotes medians, so that other work slows both alike. Prints one table per engine.
The figures and what was decided are in bench/README.md ("Engines and their plain
alternatives").

- ``cache``: a warm catalogue page through the test client with Redis as the page cache,
  the process's own copy of recent pages in front of it against Redis alone;
- ``facets``: the catalogue's facet counts (10k projects; no filter, and two filters),
  one ``GROUPING SETS`` query against one ORM aggregate per facet column;
- ``copy``: the import of new projects, streamed with ``COPY`` against ``bulk_create``
  (and ``bulk_update`` for the edited file).

The PDF assembly engine and the pool of rendering processes lost to the plain way and
were removed; their comparisons (``pdf``, ``pool``) are in this script as of commit
cd610fc (``git show cd610fc:bench/engines.py``), with the engine they measure.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
REDIS_CACHE = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")


def setup() -> Path:
    sys.path.insert(0, str(ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="engines-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcities.settings")
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["SHARED_CACHE_DIR"] = str(scratch / "shared-cache")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if "cache" in sys.argv[1:] or len(sys.argv) == 1:
        os.environ["REDIS_URL"] = REDIS_CACHE
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    # Plain static files (no collectstatic manifest), as the test suite serves them.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()

    if connection.vendor != "postgresql":
        raise SystemExit("bench/engines.py needs DATABASE_URL=postgres://… (see its docstring)")
    return scratch


def interleaved(variants: dict, rounds: int = ROUNDS) -> dict[str, float]:
    """Median seconds of each variant (a callable), run in turns, the order reversed
    every other round."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def table(title: str, rows: list[tuple], unit: str = "s") -> None:
    """Rows of (case, engine, plain): medians, and the plain way's figure against the
    engine's (above 1: the plain way takes longer)."""
    print(f"\n{title} (medians of {ROUNDS}, interleaved)")
    print("| case | engine | plain | plain / engine |\n|---|---|---|---|")
    for case, engine, plain in rows:
        print(f"| {case} | {engine:.3f} {unit} | {plain:.3f} {unit} | {plain / engine:.2f} |")
    sys.stdout.flush()


# --- Page cache -----------------------------------------------------------------------------


def bench_cache() -> None:
    from django.core.cache import cache
    from django.test import Client

    from catalogue import caching

    cache.clear()
    client = Client()
    requests = 300
    rows = []
    for url in ("/fr/catalogue/", "/fr/"):
        assert client.get(url).status_code == 200

        def load(url=url):
            for _ in range(requests):
                client.get(url)

        def two_level():
            caching.RECENT_PAGES = 200
            load()

        def cache_alone():
            caching.RECENT_PAGES = 0
            caching._recent_pages.clear()
            load()

        medians = interleaved({"engine": two_level, "plain": cache_alone}, rounds=ROUNDS * 2 - 1)
        rows.append(
            (f"{url} warm, requests/s", requests / medians["engine"], requests / medians["plain"])
        )
    caching.RECENT_PAGES = 200
    print(f"\nPage cache: process memory + Redis vs Redis alone (medians of {ROUNDS * 2 - 1})")
    print("| case | engine | plain | plain / engine |\n|---|---|---|---|")
    for case, engine, plain in rows:
        print(f"| {case} | {engine:.0f} | {plain:.0f} | {plain / engine:.2f} |")


# --- Facets ---------------------------------------------------------------------------------


def _orm_counts(projects, columns: list[str]) -> tuple[dict[str, dict], int]:
    """The plain way: one aggregate per column, and a count."""
    from django.db.models import Count

    result = {}
    for column in columns:
        rows = projects.order_by().values_list(column).annotate(n=Count("*"))
        result[column] = dict(rows)
    return result, projects.count()


def bench_facets() -> None:
    from django.http import QueryDict

    from catalogue.models import Project
    from catalogue.selection.filters import ProjectFilterSet

    try:
        from catalogue.selection import facets as engine_module

        def compute(filterset):
            return engine_module.count_facets(filterset)
    except ImportError:  # before filters.py was split
        from catalogue.selection import filters as engine_module

        def compute(filterset):
            return filterset._compute_counts(filterset.active)

    grouped = engine_module._grouped_counts
    rows = []
    for query in ("", "governorate=sfax&stage=planning", "q=solaire"):
        filterset = ProjectFilterSet(QueryDict(query), queryset=Project.objects.public())
        expected = compute(filterset)

        def engine(filterset=filterset):
            return compute(filterset)

        def plain(filterset=filterset):
            engine_module._grouped_counts = _orm_counts
            try:
                return compute(filterset)
            finally:
                engine_module._grouped_counts = grouped

        assert plain() == expected
        medians = interleaved({"engine": engine, "plain": plain}, rounds=ROUNDS * 3)
        case = f"facet counts, `{query or 'no filter'}`"
        rows.append((case, medians["engine"], medians["plain"]))
    table("Facets: GROUPING SETS vs one ORM aggregate per column (10k projects)", rows)


# --- Import ---------------------------------------------------------------------------------


def bench_copy() -> None:
    from django.db import transaction

    sys.path.insert(0, str(ROOT / "bench"))
    from import_bench import generate_csv

    try:
        from catalogue.intake import import_write
    except ImportError:  # before the import module was split
        from catalogue.intake import imports as import_write
    from catalogue.intake.imports import import_projects
    from catalogue.models import Project

    data = generate_csv(ROWS)
    edited = data.replace(b"[D\xc3\xa9mo] ", b"[D\xc3\xa9mo 2] ")
    importer = import_write.ProjectImporter
    streamed = importer.import_rows
    insert, update = import_write._insert, import_write._update_rows

    def plain_rows(self, table, result, *, reason):
        """The rows checked, then written with ``bulk_create`` and ``bulk_update``."""
        self.validate(table, result, lock=True)
        if result.ok:
            self.write(reason=reason)
        if not result.ok:
            transaction.set_rollback(True)

    def use(plain: bool):
        importer.import_rows = plain_rows if plain else streamed
        import_write._insert = (
            (lambda model, objects: model.objects.bulk_create(objects, batch_size=1000))
            if plain
            else insert
        )
        import_write._update_rows = (
            (lambda objects, names: Project.objects.bulk_update(objects, names, batch_size=1000))
            if plain
            else update
        )

    def run(plain: bool, *files):
        use(plain)
        try:
            with transaction.atomic():
                for file in files[:-1]:  # what must be there first
                    assert import_projects(file, user=None, dry_run=False, name="b.csv").ok
                started = time.perf_counter()
                result = import_projects(files[-1], user=None, dry_run=False, name="b.csv")
                seconds = time.perf_counter() - started
                assert result.ok, result.errors[:3]
                transaction.set_rollback(True)
        finally:
            use(False)
        return seconds

    rows = []
    for case, files in ((f"{ROWS} new projects", (data,)), (f"{ROWS} edited", (data, edited))):
        times = {"engine": [], "plain": []}
        for number in range(ROUNDS):
            for name in ("engine", "plain") if number % 2 == 0 else ("plain", "engine"):
                times[name].append(run(name == "plain", *files))
        medians = {name: statistics.median(values) for name, values in times.items()}
        rows.append((case, medians["engine"], medians["plain"]))
    table("Import: COPY stream vs bulk_create / bulk_update (PostgreSQL)", rows)


BENCHES = {
    "cache": bench_cache,
    "facets": bench_facets,
    "copy": bench_copy,
}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHES)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    from django.utils import translation

    translation.activate("fr")
    for name in chosen:
        BENCHES[name]()
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    # Only here: the rendering workers are spawned processes that import this module again.
    scratch = setup()
    try:
        main()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
