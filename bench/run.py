"""Load benchmark of the public pages against the server's own ceiling (`make bench`).

    make bench                       # or: .venv/bin/python bench/run.py

What it does, on loopback only:

1. installs Debian's ``wrk`` if it is missing (the load generator);
2. builds, or reuses when its marker matches, one PostgreSQL database per size
   (``smartcities_bench_10k``, ``smartcities_bench_100k``): migrations, reference data,
   ``seed_demo``; the marker (a comment on the database) holds the project count and a
   fingerprint of the migrations and of the demo generator, so a change rebuilds it;
3. serves each database with gunicorn (2 workers) and production settings, loads every page
   with ``wrk -t2 -c16`` (warm: the same URL; cold: a distinct query string per request), and
   the trivial view ``/ping`` as the ceiling; medians of several runs;
4. runs ``bench/pdf_bench.py`` and ``bench/import_bench.py`` against scratch databases;
5. prints one table (targets from issue 7) and writes it to ``bench/output/latest.md``.

Environment: ``BENCH_SECONDS`` (5) and ``BENCH_RUNS`` (3) per measure, ``BENCH_WARMUP`` (1 s),
``BENCH_SKIP`` (comma-separated among ``100k``, ``pdf``, ``import``), ``BENCH_REBUILD=1`` to
rebuild the databases. PostgreSQL must listen on 127.0.0.1:5432 (user ``postgres``).
"""

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HOST, Gunicorn, ServerError, app_env, http_get, stop_group  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "bench" / "output"
PYTHON = sys.executable

PG_SERVER = f"postgres://postgres:postgres@{HOST}:5432"
PROTECTED_DATABASES = {"postgres", "root", "test", "template0", "template1"}
DATABASE_PREFIX = "smartcities_bench_"
SIZES = {"10k": 10_000, "100k": 100_000}
SCRATCH_DATABASES = {"pdf": "smartcities_bench_pdf", "import": "smartcities_bench_import"}
SCRIPT_TIMEOUT_S = 900  # for bench/pdf_bench.py and bench/import_bench.py
REDIS_PORT = 6379
REDIS_DB = 5  # a dedicated number, flushed before each server starts

THREADS = 2
CONNECTIONS = 16
WRK_TIMEOUT_S = 10  # a request slower than this counts as a timeout, not as a latency
IDLE_PING_S = 0.05  # the server is idle again when /ping answers this fast
NOISY_SPREAD = 0.25  # ceiling runs further apart than this share: the machine was busy
DRAIN_S = 3.0  # longer to drain the requests a run left queued: restart gunicorn instead

COLD_SCRIPT = """\
-- Cold requests: a distinct query string per request, so that no cache can answer.
local counter = 0
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  run_token = args[1] or "run"
  separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
end

function request()
  counter = counter + 1
  local path = wrk.path .. separator .. "_=" .. run_token .. "." .. thread_id .. "." .. counter
  return wrk.format(nil, path)
end
"""


class BenchError(Exception):
    """A failure that stops the benchmark with a message (no traceback)."""


def env_int(name: str, default: int) -> int:
    """An integer from the environment, or the default."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


SECONDS = env_int("BENCH_SECONDS", 5)
RUNS = env_int("BENCH_RUNS", 3)
WARMUP = env_int("BENCH_WARMUP", 1)
CEILING_SECONDS = min(SECONDS, 2)  # one /ping run before every page and after the last
SKIP = {part.strip() for part in os.environ.get("BENCH_SKIP", "").split(",") if part.strip()}
REBUILD = os.environ.get("BENCH_REBUILD", "") not in ("", "0")


# --- Pages and targets ---------------------------------------------------------------------

VARIANTS = (("cold", "10k"), ("cold", "100k"), ("warm", "10k"))
TWO_FILTERS = "governorate=sfax&stage=planning"


@dataclass(frozen=True)
class Page:
    """A public page, its URL path and its targets in % of the ceiling (cold 10k, 100k, warm).

    ``path`` may hold ``{reference}``: a published project of the database under test.
    """

    label: str
    path: str
    targets: tuple[float, float, float] | None  # None: a reference row, without target

    def target(self, temperature: str, size: str) -> float | None:
        """The target share of the ceiling for one variant."""
        return self.targets[VARIANTS.index((temperature, size))] if self.targets else None


def pages() -> list[Page]:
    """The pages of issue 7 (the Arabic word is common in the demo titles: "station")."""
    arabic = quote("محطة")
    return [
        Page("home", "/fr/", (10, 5, 50)),
        Page("catalogue", "/fr/catalogue/", (5, 2.5, 50)),
        Page("catalogue, 2 filters", f"/fr/catalogue/?{TWO_FILTERS}", (5, 2.5, 50)),
        Page("search fr «solaire»", "/fr/catalogue/?q=solaire", (3, 1.5, 50)),
        Page("search ar «محطة»", f"/ar/catalogue/?q={arabic}", (3, 1.5, 50)),
        Page("project page", "/fr/catalogue/{reference}/", (20, 15, 50)),
        Page("municipality page", "/fr/municipalities/sfax/", (20, 15, 50)),
        # Statistics (issue 17): reference rows, the issue sets no target.
        Page("statistics", "/fr/statistics/", None),
        Page("statistics, 2 filters", f"/fr/statistics/?{TWO_FILTERS}", None),
        # Open data of a selection (streamed): reference rows, issue 7 sets no target. The
        # whole catalogue's files (a minute or more at 100k) would only time wrk out.
        Page("CSV export, 2 filters", f"/fr/catalogue/export.csv?{TWO_FILTERS}", None),
        Page("OC4IDS package, 2 filters", f"/api/oc4ids/projects.json?{TWO_FILTERS}", None),
        # The smallest page of the portal (one edition, one query, the base template): what
        # any page costs at least, for comparison.
        Page("smallest page (caravan)", "/fr/caravan/", None),
    ]


# --- Measures --------------------------------------------------------------------------------


@dataclass
class Run:
    """One wrk run: throughput, latency percentiles and failures."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_status: int
    timeouts: int
    socket_errors: int


@dataclass
class Series:
    """Several runs of one URL, summarised by medians; ``failure`` when it could not run."""

    runs: list[Run] = field(default_factory=list)
    failure: str = ""

    def median(self, attribute: str) -> float:
        """The median of one measure over the runs."""
        values = [getattr(run, attribute) for run in self.runs]
        return statistics.median(values) if values else float("nan")

    @property
    def bad_status(self) -> int:
        """Responses outside 2xx/3xx, over all runs."""
        return sum(run.bad_status for run in self.runs)

    @property
    def timeouts(self) -> int:
        """Requests wrk gave up on, over all runs."""
        return sum(run.timeouts for run in self.runs)

    @property
    def socket_errors(self) -> int:
        """Connect, read and write errors, over all runs."""
        return sum(run.socket_errors for run in self.runs)

    @property
    def problems(self) -> str:
        """What makes the figures untrustworthy, in words; empty when nothing does."""
        if self.failure:
            return self.failure
        found = []
        if self.bad_status:
            found.append(f"{self.bad_status} non-2xx/3xx")
        if self.timeouts:
            found.append(f"{self.timeouts} timeouts")
        if self.socket_errors:
            found.append(f"{self.socket_errors} socket errors")
        if any(run.requests == 0 for run in self.runs):
            found.append("no response within a run")
        return ", ".join(found)


TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text: str) -> float:
    """wrk's "812.00us", "12.5ms", "1.02s" or "1.50m" in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * TIME_UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Run:
    """The figures of one ``wrk --latency`` report."""

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, output, re.MULTILINE)
        return float(match.group(1)) if match else default

    requests = int(number(r"^\s+(\d+) requests in"))

    def percentile(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+(\S+)\s*$", output, re.MULTILINE)
        if not match or not requests:  # wrk prints 0.00us when nothing came back
            return float("nan")
        return parse_duration_ms(match.group(1))

    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    connect, read, write, timeouts = (int(n) for n in sockets.groups()) if sockets else (0,) * 4
    return Run(
        rps=number(r"^Requests/sec:\s+([\d.]+)"),
        p50_ms=percentile("50"),
        p99_ms=percentile("99"),
        requests=requests,
        bad_status=int(number(r"Non-2xx or 3xx responses: (\d+)")),
        timeouts=timeouts,
        socket_errors=connect + read + write,
    )


def run_wrk(url: str, seconds: int, script: Path | None = None) -> Run:
    """Load one URL with wrk for ``seconds``; with ``script``, every request is distinct."""
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT_S}s",
        "--latency",
    ]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script:
        command += ["--", secrets.token_hex(4)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + WRK_TIMEOUT_S + 60
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def wait_idle(port: int, limit_s: float) -> bool:
    """Whether the requests queued by the last run are served within ``limit_s``."""
    deadline = time.monotonic() + limit_s
    fast = 0
    while fast < 2:  # /ping answers fast twice in a row
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        started = time.monotonic()
        try:
            http_get(port, "/ping", timeout=remaining)
        except OSError:
            fast = 0
            time.sleep(0.1)
            continue
        fast = fast + 1 if time.monotonic() - started < IDLE_PING_S else 0
    return True


def measure(server: "Server", path: str, cold_script: Path | None = None) -> Series:
    """Warm-up, then ``RUNS`` runs of ``SECONDS`` on one URL, the server idle before each."""
    url = server.url(path)
    series = Series()
    server.settle()
    run_wrk(url, WARMUP, cold_script)
    for _ in range(RUNS):
        server.settle()
        series.runs.append(run_wrk(url, SECONDS, cold_script))
    return series


def preflight(port: int, path: str) -> str:
    """Why the page must not be loaded (not a 200, filter ignored), or an empty string."""
    probes = [path, path + ("&" if "?" in path else "?") + "_=preflight"]
    for probe in probes:
        try:
            status, body = http_get(port, probe)
        except OSError as error:
            return f"{probe}: {error}"
        if status != 200:
            return f"HTTP {status} on {probe}"
    names = re.findall(r"[?&]([^=&]+)=", path)
    ignored = [name for name in names if f"<code>{name}</code>".encode() in body]
    return f"parameters ignored by the page: {', '.join(ignored)}" if ignored else ""


# --- Tools and services ----------------------------------------------------------------------


def as_root(command: list[str]) -> list[str]:
    """The command, through sudo when not running as root."""
    if os.geteuid() != 0 and shutil.which("sudo"):
        return ["sudo", *command]
    return command


def ensure_wrk() -> None:
    """Install Debian's wrk when it is missing (apt-get update only if the install fails)."""
    if shutil.which("wrk"):
        return
    print("Installing wrk (Debian package)…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "capture_output": True, "text": True}
    install = as_root(["apt-get", "install", "-y", "-qq", "wrk"])
    done = subprocess.run(install, **quiet)
    if done.returncode != 0:
        subprocess.run(as_root(["apt-get", "update", "-qq"]), **quiet)
        done = subprocess.run(install, **quiet)
    if not shutil.which("wrk"):
        raise BenchError(f"wrk is missing and could not be installed:\n{done.stderr.strip()}")


def admin_connection() -> psycopg.Connection:
    """An autocommit connection to the server's maintenance database (for CREATE/DROP)."""
    try:
        return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise BenchError(
            f"No PostgreSQL server answers on {HOST}:5432 as user postgres ({error}).\n"
            "Start one, e.g. `pg_ctlcluster <version> main start` (see .ci/run), and retry."
        ) from error


def database_url(name: str) -> str:
    """The URL of one of the benchmark's databases."""
    return f"{PG_SERVER}/{name}"


def check_name(name: str) -> None:
    """Refuse to create or drop any database but the benchmark's own."""
    if name in PROTECTED_DATABASES or not name.startswith(DATABASE_PREFIX):
        raise BenchError(f"Refusing to touch the database {name!r}.")


def recreate_database(name: str) -> None:
    """Drop (with its connections) and create an empty database."""
    check_name(name)
    with admin_connection() as connection:
        identifier = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))


def drop_database(name: str) -> None:
    """Drop one of the benchmark's scratch databases."""
    check_name(name)
    with admin_connection() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def redis_url() -> str:
    """A flushed Redis database for the cache when Redis and its client are there, else ""."""
    if importlib.util.find_spec("redis") is None:
        return ""
    try:
        with socket.create_connection((HOST, REDIS_PORT), timeout=2) as connection:
            command = f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n"
            connection.sendall(command.encode() + b"*1\r\n$7\r\nFLUSHDB\r\n")
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = connection.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return ""
    if reply != b"+OK\r\n+OK\r\n":
        return ""
    return f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}"


def manage(*args: str, database: str, quiet: bool = False) -> str:
    """Run ``manage.py`` on one database (development settings); return its output."""
    env = app_env(DATABASE_URL=database_url(database), LOG_LEVEL="WARNING")
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed on {database}:\n{done.stderr}")
    if not quiet and done.stdout.strip():
        print("   ", done.stdout.strip().replace("\n", "\n    "), flush=True)
    return done.stdout


# --- Databases -------------------------------------------------------------------------------


def schema_fingerprint() -> str:
    """A hash of every migration and of the demo generator: when it changes, rebuild."""
    digest = hashlib.sha256()
    migrations = [*ROOT.glob("*/migrations/*.py"), *ROOT.glob("catalogue/*/migrations/*.py")]
    files = sorted(migrations) + [
        ROOT / "catalogue" / "intake" / "demo.py",
        ROOT / "fixtures" / "demo" / "kinds.json",
        ROOT / "catalogue" / "management" / "commands" / "seed_demo.py",
    ]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_marker(name: str) -> dict:
    """The marker left on a finished database (its comment), or {}."""
    with admin_connection() as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if not row or not row[0]:
        return {}
    with contextlib.suppress(ValueError):
        return json.loads(row[0])
    return {}


def demo_project_count(name: str) -> int:
    """How many demo projects the database holds (-1 when it cannot say)."""
    try:
        with psycopg.connect(database_url(name), connect_timeout=5) as connection:
            return connection.execute(
                "SELECT count(*) FROM catalogue_project WHERE is_demo"
            ).fetchone()[0]
    except psycopg.Error:
        return -1


def build_database(name: str, projects: int, fingerprint: str) -> None:
    """Create, migrate, load and seed a database, then mark it as finished."""
    started = time.monotonic()
    print(f"  building {name}: {projects:,} demo projects…", flush=True)
    recreate_database(name)
    manage("migrate", "--no-input", database=name, quiet=True)
    manage("load_reference_data", database=name)
    manage("seed_demo", "--projects", str(projects), database=name)
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")  # as autovacuum would have: visibility map, stats
    marker = {"projects": projects, "schema": fingerprint, "built": datetime.now().isoformat()}
    with admin_connection() as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(marker))
            )
        )
    print(f"  built {name} in {time.monotonic() - started:.0f} s", flush=True)


def ensure_database(name: str, projects: int) -> None:
    """Reuse the database when its marker and content match; otherwise build it."""
    fingerprint = schema_fingerprint()
    marker = read_marker(name)
    if (
        not REBUILD
        and marker.get("projects") == projects
        and marker.get("schema") == fingerprint
        and demo_project_count(name) == projects
    ):
        print(f"  reusing {name} ({projects:,} demo projects, schema {fingerprint})", flush=True)
        return
    build_database(name, projects, fingerprint)


def pick_project_reference(name: str) -> str:
    """A published demo project's reference, the same on every run of a database."""
    code = (
        "from catalogue.models import Project; "
        "qs = Project.objects.public().filter(is_demo=True).order_by('pk'); "
        "print(qs.values_list('reference', flat=True)[min(500, qs.count() - 1)])"
    )
    return manage("shell", "-c", code, database=name, quiet=True).strip().splitlines()[-1]


# --- Server ----------------------------------------------------------------------------------


def production_env(name: str, workdir: Path, cache_url: str) -> dict[str, str]:
    """The settings of a production app server, on loopback and without TLS."""
    env = app_env(
        DEPLOYMENT="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url(name),
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
    )
    if cache_url:
        env["REDIS_URL"] = cache_url
    return env


def collect_static(workdir: Path) -> None:
    """Gather the static files once (WhiteNoise's manifest storage needs them)."""
    env = production_env(f"{DATABASE_PREFIX}10k", workdir, "")
    done = subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"collectstatic failed:\n{done.stderr}")


def terminate_backends(name: str) -> None:
    """End the queries a killed server left running on one of the benchmark's databases."""
    check_name(name)
    with admin_connection() as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


class Server(Gunicorn):
    """gunicorn (2 sync workers) serving one database on a fixed loopback port."""

    def __init__(self, name: str, env: dict[str, str], log: Path):
        super().__init__(name, env, log, workers=2)
        self.restarts = 0

    def start(self) -> None:
        """Start gunicorn; wait until /healthz answers and every worker has loaded."""
        super().start()
        try:
            self.wait_ready()
        except ServerError as error:
            raise BenchError(str(error)) from None
        run_wrk(self.url("/ping"), 1)  # every worker loads the URLconf (and WeasyPrint) now

    def restart(self) -> None:
        """Drop what a slow run left queued: kill the server, end its queries, start again."""
        self.stop(force=True)
        terminate_backends(self.name)
        self.start()
        self.restarts += 1

    def settle(self) -> None:
        """Make sure nothing is queued before a run: wait a little, else restart."""
        if not wait_idle(self.port, DRAIN_S):
            self.restart()


@contextlib.contextmanager
def serve(name: str, workdir: Path, log: Path, cache_url: str):
    """A started ``Server`` for one database, stopped on the way out whatever happens."""
    server = Server(name, production_env(name, workdir, cache_url), log)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def log_findings(log: Path) -> list[str]:
    """Errors, warnings and worker timeouts in a server log, counted by message."""
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        message = ""
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                    message = f"{record['level']} {record.get('logger', '')}: "
                    message += str(record.get("message", ""))[:120]
        elif re.search(r"\[(ERROR|CRITICAL)\]|WORKER TIMEOUT|Traceback", line):
            message = re.sub(r"^\[[^]]*\] \[\d+\] ", "", line)[:140]
        if message:
            counts[message] = counts.get(message, 0) + 1
    return [f"{count} × {message}" for message, count in counts.items()]


# --- One database under load -----------------------------------------------------------------


@dataclass
class SizeResult:
    """The measures on one database: the ceiling and each (page label, temperature) series."""

    size: str
    ceiling: Series
    series: dict[tuple[str, str], Series]
    cache: str
    restarts: int
    seconds: float
    log_findings: list[str]


def describe(series: Series) -> str:
    """One progress line for a series: median req/s and latencies, problems."""
    if series.failure:
        return f"FAILED: {series.failure}"
    text = (
        f"{series.median('rps'):8.1f} req/s  p50 {fmt_ms(series.median('p50_ms')):>8}"
        f"  p99 {fmt_ms(series.median('p99_ms')):>8}"
    )
    return text + (f"  !! {series.problems}" if series.problems else "")


def bench_size(size: str, workdir: Path, cold_script: Path) -> SizeResult:
    """Serve one database; measure every page cold (and warm at 10k) and the ceiling."""
    started = time.monotonic()
    name = f"{DATABASE_PREFIX}{size}"
    reference = pick_project_reference(name)
    cache_url = redis_url()
    log = workdir / f"gunicorn-{size}.log"
    temperatures = ("cold", "warm") if size == "10k" else ("cold",)
    print(f"\n{name}: gunicorn, 2 workers, cache {cache_url or 'local memory'}", flush=True)
    page_list = pages()
    ceiling = Series()
    series = {}
    with serve(name, workdir, log, cache_url) as server:
        run_wrk(server.url("/ping"), WARMUP)
        # The ceiling runs are spread over the session (before every page and after the
        # last) so that they see the same background load as the pages.
        for page in [*page_list, None]:
            server.settle()
            run = run_wrk(server.url("/ping"), CEILING_SECONDS)
            ceiling.runs.append(run)
            print(f"  {'ceiling /ping':<30} {describe(Series([run]))}", flush=True)
            if page is None:
                break
            path = page.path.format(reference=quote(reference))
            server.settle()
            problem = preflight(server.port, path)
            for temperature in temperatures:
                if problem:
                    result = Series(failure=problem)
                else:
                    script = cold_script if temperature == "cold" else None
                    result = measure(server, path, script)
                series[page.label, temperature] = result
                label = f"{page.label} ({temperature})"
                print(f"  {label:<30} {describe(result)}", flush=True)
        restarts = server.restarts
    if not ceiling.median("rps") > 0:
        raise BenchError(f"/ping served nothing on {name}: {ceiling.problems}")
    print(f"  {'ceiling /ping (median)':<30} {describe(ceiling)}", flush=True)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(log, OUTPUT_DIR / log.name)
    return SizeResult(
        size=size,
        ceiling=ceiling,
        series=series,
        cache=cache_url or "local memory",
        restarts=restarts,
        seconds=time.monotonic() - started,
        log_findings=log_findings(log),
    )


# --- PDF and import benchmarks ---------------------------------------------------------------


def run_script_bench(kind: str, script: Path) -> str:
    """Run bench/<kind>_bench.py on a scratch database of its own; its table or its error."""
    if not script.exists():
        return f"({script.name} not found)"
    name = SCRATCH_DATABASES[kind]
    print(f"\n{script.name} on {name}…", flush=True)
    started = time.monotonic()
    recreate_database(name)
    # Its own TMPDIR, removed afterwards: the scripts' scratch folders (media, SQLite) go there.
    with tempfile.TemporaryDirectory(prefix="smartcities-bench-") as tmp:
        process = subprocess.Popen(
            [PYTHON, str(script)],
            cwd=ROOT,
            env=app_env(DATABASE_URL=database_url(name), LOG_LEVEL="WARNING", TMPDIR=tmp),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # with its rendering processes, stopped as a whole
        )
        try:
            stdout, stderr = process.communicate(timeout=SCRIPT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return f"{script.name} did not finish within {SCRIPT_TIMEOUT_S} s"
        finally:
            stop_group(process, force=True)
            drop_database(name)
    lines = [line for line in stdout.splitlines() if not line.startswith('{"time"')]
    text = "\n".join(lines).strip()
    if process.returncode != 0:
        error = "\n".join(stderr.strip().splitlines()[-15:])
        text = f"{text}\n{script.name} FAILED (exit {process.returncode}):\n{error}".strip()
    text += f"\n({script.name}: {time.monotonic() - started:.0f} s)"
    print(text, flush=True)
    return text


# --- Report ----------------------------------------------------------------------------------


def fmt_ms(value: float) -> str:
    """A latency for people: 0.85 ms, 12.3 ms, 240 ms, 1.25 s."""
    if value != value:  # NaN
        return "–"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def page_rows(results: dict[str, SizeResult]) -> list[list[str]]:
    """One row per page and variant: measures, share of the ceiling, target, verdict."""
    rows = []
    for page in pages():
        for temperature, size in VARIANTS:
            result = results.get(size)
            series = result.series.get((page.label, temperature)) if result else None
            target = page.target(temperature, size)
            wanted = f"≥ {target:g} %" if target is not None else "–"
            variant = f"{temperature} {size}"
            if series is None or series.failure:
                verdict = f"✗ {series.failure}" if series else "skipped"
                rows.append([page.label, variant, *["–"] * 4, wanted, verdict])
                continue
            rps = series.median("rps")
            share = 100 * rps / result.ceiling.median("rps")
            if target is None:
                verdict = "reference"
            else:
                verdict = "✓" if share >= target else "✗"
            if series.problems:
                verdict = f"✗ {series.problems}"
            rows.append(
                [
                    page.label,
                    variant,
                    f"{rps:,.1f}",
                    f"{share:.2f} %",
                    fmt_ms(series.median("p50_ms")),
                    fmt_ms(series.median("p99_ms")),
                    wanted,
                    verdict,
                ]
            )
    return rows


def markdown_table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    """A Markdown table padded to line up in a terminal too."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths)
    )
    return "\n".join([line(header), rule + "|", *(line(row) for row in rows)])


def report(
    results: dict[str, SizeResult],
    extras: dict[str, str],
    timings: dict[str, float],
    started: float,
    load_before: str,
) -> str:
    """The whole report in Markdown: settings, ceilings, the page table, PDF and import."""
    cache = next(iter(results.values())).cache if results else "–"
    lines = [
        f"# Benchmark of the public pages — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {os.cpu_count()} CPUs, load average before the run {load_before}, "
        f"after {load_average()}. Server: gunicorn, 2 sync workers, production settings, "
        f"PostgreSQL on {HOST}, cache {cache}. Load: `wrk -t{THREADS} -c{CONNECTIONS}`, "
        f"{RUNS} runs × {SECONDS} s after a {WARMUP} s warm-up, medians. *Cold*: a distinct "
        "query string per request; *warm*: the same URL. Share = page req/s ÷ /ping req/s "
        "on the same server in the same run (median of runs spread over the session).",
        "",
        "## Ceiling (/ping)",
        "",
    ]
    ceiling_rows = [
        [
            f"{size} server",
            f"{r.ceiling.median('rps'):,.0f}",
            fmt_ms(r.ceiling.median("p50_ms")),
            fmt_ms(r.ceiling.median("p99_ms")),
            ceiling_spread(r.ceiling),
            r.ceiling.problems or "ok",
        ]
        for size, r in results.items()
    ]
    header = ["server", "req/s", "p50", "p99", "runs: min–max", "errors"]
    lines += [
        markdown_table(header, ceiling_rows, {1, 2, 3}),
        "",
        "## Pages",
        "",
        markdown_table(
            ["page", "variant", "req/s", "% ceiling", "p50", "p99", "target", "ok"],
            page_rows(results),
            {2, 3, 4, 5},
        ),
    ]
    for size, result in results.items():
        if result.restarts:
            lines += [
                "",
                f"{size}: gunicorn was restarted {result.restarts} times between runs to drop "
                f"the requests a slow page left queued (more than {DRAIN_S:g} s of work).",
            ]
        if result.log_findings:
            lines += ["", f"Server log ({size}, bench/output/gunicorn-{size}.log):", ""]
            lines += [f"- {finding}" for finding in result.log_findings[:10]]
    for title, text in extras.items():
        lines += ["", f"## {title}", "", "```", text, "```"]
    phases = ", ".join(f"{label} {seconds:.0f} s" for label, seconds in timings.items())
    lines += ["", f"Total time: {time.monotonic() - started:.0f} s ({phases})."]
    return "\n".join(lines) + "\n"


def ceiling_spread(ceiling: Series) -> str:
    """The range of the ceiling's runs, with a warning when it is wide (a busy machine)."""
    values = [run.rps for run in ceiling.runs]
    text = f"{min(values):,.0f}–{max(values):,.0f} ({len(values)} runs)"
    if (max(values) - min(values)) > NOISY_SPREAD * ceiling.median("rps"):
        text += " ⚠ other work on the machine: noisy"
    return text


def load_average() -> str:
    """The 1-minute load average (other work on the machine skews the figures)."""
    with contextlib.suppress(OSError):
        return f"{os.getloadavg()[0]:.2f}"
    return "?"


# --- Main ------------------------------------------------------------------------------------


def raise_on_signals() -> None:
    """Turn SIGTERM and SIGINT into exceptions so that the servers are stopped on the way out."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background


def main() -> int:
    """Build, serve, load, report; return the exit status."""
    started = time.monotonic()
    load_before = load_average()
    raise_on_signals()
    sizes = [size for size in SIZES if size not in SKIP]
    print(f"Benchmark: {RUNS} runs × {SECONDS} s (warm-up {WARMUP} s), sizes {sizes}", flush=True)
    ensure_wrk()
    admin_connection().close()
    timings = {}
    phase = time.monotonic()
    print("Databases:", flush=True)
    for size in sizes:
        ensure_database(f"{DATABASE_PREFIX}{size}", SIZES[size])
    timings["databases"] = time.monotonic() - phase
    results: dict[str, SizeResult] = {}
    with tempfile.TemporaryDirectory(prefix="smartcities-bench-") as tmp:
        workdir = Path(tmp)
        cold_script = workdir / "cold.lua"
        cold_script.write_text(COLD_SCRIPT)
        collect_static(workdir)
        for size in sizes:
            results[size] = bench_size(size, workdir, cold_script)
            timings[f"pages {size}"] = results[size].seconds
    extras = {}
    for kind in ("pdf", "import"):
        if kind not in SKIP:
            phase = time.monotonic()
            script = ROOT / "bench" / f"{kind}_bench.py"
            extras[f"{kind.upper()} (bench/{script.name})"] = run_script_bench(kind, script)
            timings[kind] = time.monotonic() - phase
    text = report(results, extras, timings, started, load_before)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "latest.md").write_text(text)
    print("\n" + text)
    print(f"Written to {(OUTPUT_DIR / 'latest.md').relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\nbench: interrupted; servers stopped.", file=sys.stderr)
        sys.exit(130)
