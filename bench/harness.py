"""App servers on loopback, for the benchmarks and the multi-server test.

``Gunicorn`` starts ``gunicorn smartcities.wsgi`` (``Runserver``: ``manage.py runserver``,
as ``make run`` serves) on a free port of 127.0.0.1, in a process group of its own (the
server and its workers are stopped as one), with an
environment made by ``app_env``: the caller's, without any of the portal's settings that
the caller's shell might leak, plus the ones given. ``bench/run.py`` (``make bench``),
``bench/sheet_stampede.py`` and ``tests/smartcities/test_multiserver.py`` use it; it
imports nothing of the portal. ``task_worker`` starts one of the portal's task workers
(``manage.py db_worker``) the same way, for ``bench/pdf_bench.py`` and
``tests/catalogue/outputs/test_dossier_workers.py``.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess  # nosec B404: starts this project's own gunicorn, with a fixed command
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
APP_SETTINGS = (  # the portal's environment variables (smartcities/settings.py)
    "DEBUG",
    "DEPLOYMENT",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SHARED_CACHE_DIR",
    "LOG_LEVEL",
    "CONN_MAX_AGE",
    "SECURE_SSL_REDIRECT",
    "TASKS_BACKEND",
    "CACHE_PUBLIC_PAGES",
    "PROXY_COUNT",
)


DB_TASKS = "django_tasks_db.DatabaseBackend"  # the portal's task backend (settings.TASKS)


def task_worker(env: dict, *, interval: str = "1", worker_id: str = "", log=None):
    """A task worker, ``manage.py db_worker``, in a process group of its own (stop it with
    ``stop_group``), looking at the queue every ``interval`` seconds when idle (as
    ``make run``'s by default); its output goes to ``log`` (a file), or is dropped."""
    command = [sys.executable, "manage.py", "db_worker", "--interval", interval]
    command += ["--no-startup-delay", "--no-reload", "--verbosity", "0"]
    if worker_id:
        command += ["--worker-id", worker_id]
    return subprocess.Popen(  # nosec B603: this project's own manage.py, a fixed command
        command,
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )


class ServerError(Exception):
    """A server did not start (the message ends with the tail of its log)."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def app_env(**settings: str) -> dict[str, str]:
    """The caller's environment without the portal's settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if key not in APP_SETTINGS}
    env["DJANGO_SETTINGS_MODULE"] = "smartcities.settings"
    env.update(settings)
    return env


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    """One GET on the loopback server: status and body (redirects are not followed)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stop_group(process: subprocess.Popen, *, force: bool = False) -> None:
    """Stop a process and everything in its process group (gunicorn and its workers)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if force else signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


class AppServer:
    """One app server of the portal on a free loopback port (``command`` says which)."""

    def __init__(self, name: str, env: dict[str, str], log: Path):
        self.name = name
        self.env = env
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        """Start the server in a process group of its own (``wait_ready`` waits for it)."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # nosec B603: fixed command, no shell
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, limit_s: float = 60) -> None:
        """Wait for ``/healthz`` to answer 200; ``ServerError`` if it never does."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_get(self.port, "/healthz", timeout=5)[0] == 200:
                    return
            time.sleep(0.1)
        raise ServerError(
            f"server {self.name} did not become healthy on port {self.port}:\n{self.log_tail()}"
        )

    def stop(self, *, force: bool = False) -> None:
        """Stop the server and its workers (at once with ``force``)."""
        if self.process is not None:
            stop_group(self.process, force=force)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Gunicorn(AppServer):
    """``gunicorn smartcities.wsgi`` with ``workers`` processes of ``threads`` threads."""

    def __init__(self, name, env, log, *, workers: int = 2, threads: int = 1):
        super().__init__(name, env, log)
        self.workers = workers
        self.threads = threads

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "gunicorn", "smartcities.wsgi"]
        command += ["--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]
        # Its default path is shared by every gunicorn of the user.
        return [*command, "--no-control-socket"]


class Runserver(AppServer):
    """``manage.py runserver`` without the reloader, as ``make run`` serves."""

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "runserver", f"{HOST}:{self.port}", "--noreload"]
