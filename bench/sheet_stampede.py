"""PDF sheet stampede: 20 simultaneous first downloads of a sheet, against a real server.

    python bench/sheet_stampede.py                      # runserver, as `make run` serves
    python bench/sheet_stampede.py --server gunicorn    # gunicorn, production settings
    DATABASE_URL=postgres://... python bench/sheet_stampede.py

A scratch database (SQLite in a temporary folder unless DATABASE_URL is set) gets the
reference data; the server renders one sheet first (WeasyPrint and the fonts load).
Then, for each round, a published project is changed (its title: a new sheet, not cached
yet) and 20 threads, released together, download its sheet at once. Each answer must
be a 200 holding a complete PDF that pypdf reads, and the media storage must end up with
exactly one sheet file for that project and language (no duplicate, no temporary file).
Prints, per round, how many complete PDFs came back out of 20, the time from the release
to the last byte, and the cache files; exits with 1 if any round fell short.
"""

import argparse
import contextlib
import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HOST, Gunicorn, Runserver, ServerError, app_env  # noqa: E402
from harness import http_get as harness_get  # noqa: E402


def http_get(port: int, path: str, timeout: float = 120) -> tuple[int, bytes]:
    return harness_get(port, path, timeout)


def server_env(scratch: Path, server: str) -> dict[str, str]:
    env = app_env(
        DATABASE_URL=os.environ.get("DATABASE_URL", f"sqlite:///{scratch / 'stampede.sqlite3'}"),
        MEDIA_ROOT=str(scratch / "media"),
        SHARED_CACHE_DIR=str(scratch / "shared-cache"),
        STATIC_ROOT=str(scratch / "static"),
        ALLOWED_HOSTS=f"{HOST},localhost",
        LOG_LEVEL="WARNING",
    )
    if server == "gunicorn":
        env.update(
            DEPLOYMENT="production", SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="0"
        )
    else:
        env.update(DEBUG="1")  # as `make run`
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


@contextlib.contextmanager
def serving(env: dict[str, str], server: str, log: Path):
    """The server's port, the server started in a process group of its own and stopped on
    the way out."""
    if server == "gunicorn":
        app = Gunicorn("stampede", env, log, workers=2, threads=10)
    else:
        app = Runserver("stampede", env, log)
    app.start()
    try:
        try:
            app.wait_ready()
        except ServerError as error:
            raise SystemExit(str(error)) from None
        yield app.port
    finally:
        app.stop()


def complete_pdf(body: bytes) -> bool:
    from pypdf import PdfReader

    if not body.startswith(b"%PDF-") or b"%%EOF" not in body[-1024:]:
        return False
    try:
        return len(PdfReader(io.BytesIO(body), strict=True).pages) > 0
    except Exception:  # noqa: BLE001 -- any parse error means an incomplete PDF
        return False


def stampede(port: int, path: str, requests: int) -> tuple[list, float]:
    """``requests`` simultaneous GETs of ``path``: their (status, body, seconds), and the
    seconds from their release to the last byte."""
    barrier = threading.Barrier(requests + 1)
    answers: list = [None] * requests

    def one(index):
        barrier.wait()
        started = time.perf_counter()
        try:
            status, body = http_get(port, path)
        except OSError as error:
            status, body = 0, str(error).encode()
        answers[index] = (status, body, time.perf_counter() - started)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(requests)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", choices=["runserver", "gunicorn"], default="runserver")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="sheet-stampede-"))
    try:
        env = server_env(scratch, options.server)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_reference_data", "-v0")
        if options.server == "gunicorn":
            manage(env, "collectstatic", "--no-input", "-v0")
        # This process changes the project between rounds, on the same database.
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "smartcities.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from catalogue.models import Project

        projects = list(Project.objects.public().order_by("reference")[:2])
        warm, target = projects[0], projects[-1]
        sheets = scratch / "media" / "pdf-cache" / "sheets"
        log = scratch / "server.log"
        print(
            f"server: {options.server}; database: {env['DATABASE_URL'].split('@')[-1]}; "
            f"{options.requests} simultaneous requests per round"
        )
        failed = False
        with serving(env, options.server, log) as port:
            http_get(port, f"/fr/catalogue/{warm.reference}/sheet.pdf")  # loads WeasyPrint
            times = []
            for round_ in range(1, options.rounds + 1):
                Project.objects.filter(pk=target.pk).update(
                    title_fr=f"{target.title_fr} (modifié {round_})"
                )
                answers, seconds = stampede(
                    port, f"/fr/catalogue/{target.reference}/sheet.pdf", options.requests
                )
                times.append(seconds)
                latencies = sorted(latency for _status, _body, latency in answers)
                answers = [(status, body) for status, body, _latency in answers]
                complete = sum(status == 200 and complete_pdf(body) for status, body in answers)
                statuses = sorted({status for status, _body in answers})
                files = sorted(
                    p.name for p in sheets.iterdir() if p.name.startswith(f"{target.reference}-")
                )
                # Each round's change makes a new key: this round's is the newest file.
                print(
                    f"round {round_}: {complete}/{options.requests} complete PDFs in "
                    f"{seconds:.2f} s (each request {latencies[0]:.2f}–{latencies[-1]:.2f} s, "
                    f"median {statistics.median(latencies):.2f}); statuses {statuses}; sizes "
                    f"{sorted({len(body) for _status, body in answers})}; "
                    f"sheet files of the project: {len(files)} after {round_} change(s)"
                )
                if complete != options.requests or len(files) != round_:
                    failed = True
                    for name in files:
                        print(f"    {name}")
        print(
            f"median time from release to last byte: {statistics.median(times):.2f} s; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        errors = [line for line in log.read_text().splitlines() if '"ERROR"' in line]
        if errors:
            print(f"server log: {len(errors)} error line(s), the first:\n    {errors[0][:500]}")
        sys.exit(1 if failed else 0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
