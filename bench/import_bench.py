"""Benchmark of the project import: 10,000 projects from CSV, on SQLite and PostgreSQL.

Run it from the repository's root:

    .venv/bin/python bench/import_bench.py

It measures both databases, each in a process of its own:

- SQLite: a new file in the temporary folder (never the portal's own database);
- PostgreSQL: the database named by ``DATABASE_URL`` when that is a PostgreSQL URL (as
  ``make bench`` does: a scratch database it creates and drops); otherwise a scratch
  database ``import_bench_<pid>`` created on ``BENCH_POSTGRES_SERVER`` (default
  ``postgres://postgres:postgres@127.0.0.1:5432``) and dropped afterwards. If no server
  answers, the PostgreSQL lines say so and the script exits with status 1.

Each database is migrated and gets the reference data. The rows are realistic synthetic
projects (``catalogue.intake.demo``, flagged as demo data), once with their three long
descriptions ("full rows", the case of the target) and once without ("short rows"). For
each, five steps: the check of the file (dry run, 10,000 new projects), the real import
(10,000 new drafts), the same file again (nothing changes), and the file with every
title edited, checked then imported (10,000 updates, with their history records). Each
step prints its rows, seconds, rows per second and the number of SQL statements (COPY
streams included).

Settings: ``BENCH_ROWS`` (default 10000), ``BENCH_RUNS`` (default 1: with more, each
step's median time is printed, with the fastest and slowest run),
``BENCH_DATABASES`` (default ``sqlite,postgresql``). Timings depend on what else runs on
the machine: the load average is printed before and after.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "1")))
DATABASES = [
    name.strip()
    for name in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]
POSTGRES_SERVER = os.environ.get(
    "BENCH_POSTGRES_SERVER", "postgres://postgres:postgres@127.0.0.1:5432"
)
PROTECTED_DATABASES = {"postgres", "root", "test", "template0", "template1"}
BENCH_REFERENCE = r"-[0-9]{4}-1[0-9]{2,}$"  # the bench's references count from 101
TARGET = 2_000  # rows/s, real import of new projects (full rows) on PostgreSQL (issue 6)
RESULT_PREFIX = "IMPORT-BENCH-RESULT "


# --- Measuring, in a process set up for one database ----------------------------------


class Row:
    """Just enough of a project for ``project_values``."""

    def __init__(self, **values):
        self.__dict__.update(values)


def generate_csv(count: int, seed: int = 6, *, descriptions: bool = True) -> bytes:
    """``count`` realistic projects as an import file. With ``descriptions=False`` the three
    long descriptions are left empty, as in a first spreadsheet from the caravan."""
    from caravan.models import Dimension, Ministry, Stop
    from catalogue.intake.demo import DemoGenerator
    from catalogue.models import Project, Sector
    from catalogue.outputs.exports import COLUMN_NAMES, project_values, row_cells
    from catalogue.outputs.exports_children import CHILD_COLUMNS
    from municipalities.models import Municipality
    from smartcities.core.spreadsheets import csv_lines

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
                sources=Row(all=list),  # export-only columns: ignored by the import
                policy_goals=Row(all=list),  # the pipeline's columns, left empty
                **{column.related_name: Row(all=list) for column in CHILD_COLUMNS.values()},
                verification_due=False,
            )
        )
        values["is_demo"] = True
        if not descriptions:
            for lang in ("fr", "ar", "en"):
                values[f"description_{lang}"] = ""
        values["edit_version"] = None
        rows.append(row_cells(values))
    return "".join(csv_lines(COLUMN_NAMES, rows)).encode()


def measure(data, *, dry_run) -> dict:
    """One import of ``data``: seconds, rows, statements (COPY streams included)."""
    import psycopg
    from django.db import connection

    from catalogue.intake.imports import import_projects

    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    original_copy = psycopg.Cursor.copy

    def counted_copy(cursor, *args, **kwargs):
        statements[0] += 1
        return original_copy(cursor, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy
    try:
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            result = import_projects(data, user=None, dry_run=dry_run, name="bench.csv")
        seconds = time.perf_counter() - started
    finally:
        psycopg.Cursor.copy = original_copy
    if not result.ok:
        for error in result.errors[:10]:
            print("  ", error, file=sys.stderr)
        raise SystemExit("the import failed")
    return {
        "rows": result.total_rows,
        "seconds": seconds,
        "statements": statements[0],
        "result": f"{result.created} new, {result.updated} updated, {result.skipped} unchanged",
    }


STEPS = (
    ("dry run", "file", True),
    ("import, all new", "file", False),
    ("same file again", "file", False),
    ("all edited, dry run", "edited", True),
    ("all edited, import", "edited", False),
)


def measure_database() -> None:
    """Set up Django on DATABASE_URL, run every step ``RUNS`` times, print the results."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcities.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from catalogue.models import Project

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql") and database["NAME"] in PROTECTED_DATABASES:
        raise SystemExit(f"Refusing to write into the database {database['NAME']!r}.")
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    bench_rows = Project.objects.filter(is_demo=True, reference__regex=BENCH_REFERENCE)
    results = []
    for kind, descriptions in (("full rows", True), ("short rows", False)):
        data = generate_csv(ROWS, descriptions=descriptions)
        files = {"file": data, "edited": data.replace(b"[D\xc3\xa9mo] ", b"[D\xc3\xa9mo 2] ")}
        runs = []
        for _run in range(RUNS):
            bench_rows.delete()
            runs.append([measure(files[file], dry_run=dry) for _label, file, dry in STEPS])
        bench_rows.delete()
        for index, (label, _file, _dry) in enumerate(STEPS):
            measures = [run[index] for run in runs]
            times = [m["seconds"] for m in measures]
            results.append(
                {
                    **measures[0],
                    "kind": kind,
                    "step": label,
                    "size_mb": len(files["file"]) / 1e6,
                    "seconds": statistics.median(times),
                    "fastest": min(times),
                    "slowest": max(times),
                }
            )
    description = f"{connection.vendor} {database['NAME']}"
    print(RESULT_PREFIX + json.dumps({"database": description, "results": results}))


# --- Orchestration: one process per database, one table -------------------------------


def postgres_database():
    """(URL, scratch name to drop afterwards or None), or (None, reason)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        return given, None
    import psycopg
    from psycopg import sql

    name = f"import_bench_{os.getpid()}"
    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        return None, f"no PostgreSQL server at {POSTGRES_SERVER} ({error})".strip()
    return f"{POSTGRES_SERVER}/{name}", name


def drop_postgres_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run_child(database_url: str) -> dict:
    environment = {**os.environ, "DATABASE_URL": database_url, "BENCH_CHILD": "1"}
    process = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in process.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    error = "\n".join(process.stderr.strip().splitlines()[-10:])
    raise RuntimeError(f"exit {process.returncode}: {error}")


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    print(
        f"Import benchmark: {ROWS:,} projects per file, {RUNS} run(s) per step"
        f"{' (median time; fastest–slowest)' if RUNS > 1 else ''}; "
        f"{os.cpu_count()} CPU(s), load average {load()}",
        flush=True,
    )
    header = ("database", "rows", "step", "rows", "seconds", "rows/s", "SQL", "result")
    table = [
        "| {:<10} | {:<10} | {:<19} | {:>6} | {:>18} | {:>6} | {:>5} | {}".format(*header),
        f"|{'-' * 12}|{'-' * 12}|{'-' * 21}|{'-' * 8}|{'-' * 20}|{'-' * 8}|{'-' * 7}|{'-' * 40}",
    ]
    target = None
    failed = False
    for vendor in DATABASES:
        scratch = None
        if vendor == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        elif vendor == "postgresql":
            url, scratch = postgres_database()
            if url is None:
                table.append(f"| postgresql | not measured: {scratch}")
                failed = True
                continue
        else:
            raise SystemExit(f"Unknown database {vendor!r} in BENCH_DATABASES.")
        started = time.perf_counter()
        try:
            output = run_child(url)
        except RuntimeError as error:
            table.append(f"| {vendor:<10} | FAILED: {error}")
            failed = True
            continue
        finally:
            if vendor == "postgresql" and scratch:
                drop_postgres_database(scratch)
        print(
            f"{output['database']}: measured in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        for result in output["results"]:
            rate = result["rows"] / result["seconds"]
            seconds = f"{result['seconds']:.2f}"
            if RUNS > 1:
                seconds += f" ({result['fastest']:.2f}–{result['slowest']:.2f})"
            table.append(
                f"| {vendor:<10} | {result['kind']:<10} | {result['step']:<19} "
                f"| {result['rows']:>6,} | {seconds:>18} | {rate:>6,.0f} "
                f"| {result['statements']:>5,} | {result['result']}"
            )
            if (vendor, result["kind"], result["step"]) == (
                "postgresql",
                "full rows",
                "import, all new",
            ):
                target = rate
    print()
    print("\n".join(table))
    print()
    if target is not None:
        mark = "met" if target >= TARGET else "NOT met"
        print(
            f"Target (issue 6): real import of new projects (full rows) on PostgreSQL "
            f"≥ {TARGET:,} rows/s: {target:,.0f} rows/s, {mark}."
        )
    print(f"Load average after: {load()}")
    return 1 if failed else 0


if __name__ == "__main__":
    if os.environ.get("BENCH_CHILD"):
        measure_database()
    else:
        sys.exit(main())
