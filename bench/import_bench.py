"""Benchmark of the project import: 10,000 projects from CSV, dry run and real import.

Run it from the repository's root:

    .venv/bin/python bench/import_bench.py                 # SQLite, in a scratch file
    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/scratch .venv/bin/python bench/import_bench.py

Without DATABASE_URL it uses a new SQLite file in the temporary folder (never the
portal's own database). With DATABASE_URL it migrates that database and loads the
reference data into it, so give it a scratch database and drop it afterwards. The rows are
realistic synthetic projects (``catalogue.demo``), flagged as demo data.

It prints one line per step: the dry run (check only), the real import (10,000 new
drafts), the same file again (nothing changes) and the file with every row edited
(10,000 updates), with their time and rows per second.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcities.settings")
if not os.environ.get("DATABASE_URL"):
    SCRATCH = Path(tempfile.mkdtemp(prefix="import-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from caravan.models import Dimension, Ministry, Stop  # noqa: E402
from catalogue.demo import DemoGenerator  # noqa: E402
from catalogue.exports import COLUMN_NAMES, project_values, row_cells  # noqa: E402
from catalogue.imports import import_projects  # noqa: E402
from catalogue.models import Project, Sector  # noqa: E402
from municipalities.models import Municipality  # noqa: E402
from smartcities.spreadsheets import csv_lines  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
PROTECTED_DATABASES = {"postgres", "root", "test", "template0", "template1"}
BENCH_REFERENCE = r"-[0-9]{4}-1[0-9]{2,}$"  # the bench's references count from 101


class Row:
    """Just enough of a project for ``project_values``."""

    def __init__(self, **values):
        self.__dict__.update(values)


def generate_csv(count: int, seed: int = 6, *, descriptions: bool = True) -> bytes:
    """``count`` realistic projects as an import file. With ``descriptions=False`` the three
    long descriptions are left empty, as in a first spreadsheet from the caravan."""
    generator = DemoGenerator(seed)
    municipalities = Municipality.objects.in_bulk()
    sectors = Sector.objects.in_bulk()
    stops = {stop.pk: stop for stop in Stop.objects.select_related("edition")}
    dimensions = dict(Dimension.objects.values_list("id", "code"))
    ministries = dict(Ministry.objects.values_list("id", "acronym"))
    sequences = {}
    rows = []
    for _ in range(count):
        draft = generator.draw()
        project = draft.project
        key = (draft.prefix, draft.created_at.year)
        sequences[key] = sequences.get(key, 100) + 1
        project.reference = f"{draft.prefix}-{draft.created_at.year}-{sequences[key]:03d}"
        project.municipality = municipalities[project.municipality_id]
        project.sector = sectors.get(project.sector_id)
        project.stop = stops.get(project.stop_id)
        project.updated_at = draft.updated_at
        project.lock_version = None
        values = project_values(
            Row(
                **{f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields},
                municipality=project.municipality,
                sector=project.sector,
                stop=project.stop,
                dimensions=Row(
                    all=lambda ids=draft.dimension_ids: [Row(code=dimensions[i]) for i in ids]
                ),
                ministries=Row(
                    all=lambda ids=draft.ministry_ids: [Row(acronym=ministries[i]) for i in ids]
                ),
            )
        )
        values["is_demo"] = True
        if not descriptions:
            for lang in ("fr", "ar", "en"):
                values[f"description_{lang}"] = ""
        values["edit_version"] = None
        rows.append(row_cells(values))
    return "".join(csv_lines(COLUMN_NAMES, rows)).encode()


def measure(label, data, *, dry_run):
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = import_projects(data, user=None, dry_run=dry_run, name="bench.csv")
    seconds = time.perf_counter() - started
    if not result.ok:
        for error in result.errors[:10]:
            print("  ", error)
        raise SystemExit(f"{label}: the import failed")
    counts = f"{result.created} new, {result.updated} updated, {result.skipped} unchanged"
    return (label, result.total_rows, seconds, result.total_rows / seconds, len(queries), counts)


def run(label, data):
    """Dry run, real import (all new), same file again, every row edited (dry run, import)."""
    Project.objects.filter(is_demo=True, reference__regex=BENCH_REFERENCE).delete()
    edited = data.replace(b"[D\xc3\xa9mo] ", b"[D\xc3\xa9mo 2] ")
    results = [
        measure(f"{label}: dry run", data, dry_run=True),
        measure(f"{label}: import, all new", data, dry_run=False),
        measure(f"{label}: same file again", data, dry_run=False),
        measure(f"{label}: all edited, dry run", edited, dry_run=True),
        measure(f"{label}: all edited, import", edited, dry_run=False),
    ]
    Project.objects.filter(is_demo=True, reference__regex=BENCH_REFERENCE).delete()
    return results


def main():
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql") and database["NAME"] in PROTECTED_DATABASES:
        raise SystemExit(f"Refusing to write into the database {database['NAME']!r}.")
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    print(f"Database: {connection.vendor} {database['NAME']}")
    results = []
    for label, descriptions in (("full rows", True), ("short rows", False)):
        started = time.perf_counter()
        data = generate_csv(ROWS, descriptions=descriptions)
        elapsed = time.perf_counter() - started
        size = len(data) / 1e6
        print(f"{label}: {ROWS:,} projects, {size:.1f} MB (generated in {elapsed:.1f} s)")
        results += run(label, data)
    print()
    header = ("step", "rows", "seconds", "rows/s", "queries", "result")
    print("| {:<32} | {:>6} | {:>7} | {:>7} | {:>7} | {}".format(*header))
    print(f"|{'-' * 34}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 42}|")
    for label, rows, seconds, rate, queries, counts in results:
        print(
            f"| {label:<32} | {rows:>6,} | {seconds:>7.2f} | {rate:>7,.0f} | {queries:>7,} "
            f"| {counts} |"
        )


if __name__ == "__main__":
    main()
