"""Each hand-written engine against its plain alternative, in the same run, interleaved.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartcities_bench_eng \\
        .venv/bin/python bench/engines.py [pdf] [pool] [cache] [facets] [copy]

The database must be PostgreSQL with the demo catalogue (``seed_demo --projects 10000``,
as ``make bench`` builds ``smartcities_bench_10k``); the import comparison writes 10,000
projects (``BENCH_ROWS``) and rolls them back. PDFs go to a temporary media folder.

The machine is shared: every comparison runs its variants in turns (A, B, then B, A, …)
and quotes medians, so that other work slows both alike. Prints one table per engine.
The figures and what was decided are in bench/README.md ("Engines and their plain
alternatives").

- ``pdf``: a sheet, a 5- and a 50-project dossier, cold (no sheet cached): the assembly
  engine (sheet pages cached apart, furniture rendered on the side, pages laid under it
  with pypdf) against one WeasyPrint document (``catalogue/pdf/document.html``: the page
  numbers from ``counter(pages)`` and ``target-counter()``), rendered in this process;
- ``pool``: the same one-document sheet and 5-project dossier rendered through the
  process pool against in this process (what a request or the task worker would do);
- ``cache``: a warm catalogue page through the test client with Redis as the page cache,
  the process's own copy of recent pages in front of it against Redis alone;
- ``facets``: the catalogue's facet counts (10k projects; no filter, and two filters),
  one ``GROUPING SETS`` query against one ORM aggregate per facet column;
- ``copy``: the import of new projects, streamed with ``COPY`` against ``bulk_create``
  (and ``bulk_update`` for the edited file).
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


# --- PDF --------------------------------------------------------------------------------


def _projects(count: int) -> list:
    from catalogue.outputs import pdf

    return list(pdf.sheets_queryset().order_by("pk")[:count])


def _clear_pdf_cache() -> None:
    from django.core.files.storage import default_storage

    for folder in ("pdf-cache/sheets", "pdf-cache/sheet-pages", "pdf-cache/dossiers"):
        if default_storage.exists(folder):
            for name in default_storage.listdir(folder)[1]:
                default_storage.delete(f"{folder}/{name}")


def _plain_html(projects: list, dossier: bool) -> str:
    """One document: a sheet, or a dossier's front matter and its sheets."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from catalogue.outputs import pdf

    facts = [pdf.facts_for(project, "http://testserver") for project in projects]
    context = {
        "title": "Banc d'essai",
        "projects": [pdf._with_images(f) for f in facts],
        "generated_on": pdf._generated_on(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    if dossier:
        holder = pdf.Dossier(title="Banc d'essai", criteria=["banc"], facts=facts, key="")
        context.update(pdf._front_matter(holder, [0] * len(facts)))
    return render_to_string("catalogue/pdf/document.html", context)


def _in_process(html: str, *args) -> bytes:
    """WeasyPrint called plainly in this process (with the renderer's URL fetcher, fonts
    and parsed stylesheet, without its pauses of the garbage collector)."""
    from catalogue.outputs import pdf_renderer

    return getattr(pdf_renderer.render, "__wrapped__", pdf_renderer.render)(html, *args)


def _plain_pdf(projects: list, dossier: bool) -> bytes:
    from catalogue.outputs import pdf

    return _in_process(_plain_html(projects, dossier), *pdf._render_settings())


def _engine_pdf(projects: list, dossier: bool) -> None:
    from catalogue.outputs import pdf

    _clear_pdf_cache()
    if not dossier:
        assert pdf.project_sheet(projects[0], "http://testserver").created
        return
    holder = pdf.dossier_for(projects, title="Banc d'essai", criteria=["banc"], site_url="x")
    assert pdf.render_dossier(holder).created


def bench_pdf() -> None:
    from catalogue.outputs import pdf

    pdf._run([pdf._render_call("<p>warm</p>")])  # the pool started and warm, as on a server
    _plain_pdf(_projects(1), False)  # and this process's fonts loaded
    rows = []
    for count in (1, 5, 50):
        projects = _projects(count)
        dossier = count > 1
        medians = interleaved(
            {
                "engine": lambda p=projects, d=dossier: _engine_pdf(p, d),
                "plain": lambda p=projects, d=dossier: _plain_pdf(p, d),
            }
        )
        case = "sheet" if count == 1 else f"dossier of {count}"
        rows.append((f"{case}, cold", medians["engine"], medians["plain"]))
    table("PDF: assembly engine vs one WeasyPrint document (in this process)", rows)


def bench_pool() -> None:
    from catalogue.outputs import pdf, pdf_renderer

    pdf._run([pdf._render_call("<p>warm</p>")])
    rows = []
    for count in (1, 5):
        html = _plain_html(_projects(count), count > 1)
        args = (html, *pdf._render_settings())
        _in_process(*args)
        medians = interleaved(
            {
                "engine": lambda a=args: pdf._run([(pdf_renderer.render, a)]),
                "plain": lambda a=args: _in_process(*a),
            }
        )
        case = "sheet" if count == 1 else f"dossier of {count}"
        rows.append((f"{case}, one document", medians["engine"], medians["plain"]))
    table("Rendering: process pool vs in this process", rows)


# --- Page cache -----------------------------------------------------------------------------


def bench_cache() -> None:
    from django.core.cache import cache
    from django.test import Client

    from catalogue.public import caching

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
    from catalogue.public import filters

    grouped = filters._grouped_counts
    rows = []
    for query in ("", "governorate=sfax&stage=planning", "q=solaire"):
        filterset = filters.ProjectFilterSet(QueryDict(query), queryset=Project.objects.public())
        active = filterset.active
        expected = filterset._compute_counts(active)

        def engine(filterset=filterset, active=active):
            filters._grouped_counts = grouped
            return filterset._compute_counts(active)

        def plain(filterset=filterset, active=active):
            filters._grouped_counts = _orm_counts
            try:
                return filterset._compute_counts(active)
            finally:
                filters._grouped_counts = grouped

        assert plain() == expected
        medians = interleaved({"engine": engine, "plain": plain}, rounds=ROUNDS * 3)
        rows.append(
            (f"facet counts, `{query or 'no filter'}`", medians["engine"], medians["plain"])
        )
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
    "pdf": bench_pdf,
    "pool": bench_pool,
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
