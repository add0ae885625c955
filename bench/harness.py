"""App servers on loopback, for the benchmarks and the multi-server test.

``Gunicorn`` starts ``gunicorn smartcities.wsgi`` on a free port of 127.0.0.1, in a
process group of its own (gunicorn and its workers are stopped as one), with an
environment made by ``app_env``: the caller's, without any of the portal's settings that
the caller's shell might leak, plus the ones given. ``bench/run.py`` (``make bench``) and
``tests/smartcities/test_multiserver.py`` both use it; it imports nothing of the portal.
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
    "LOG_LEVEL",
    "CONN_MAX_AGE",
    "SECURE_SSL_REDIRECT",
    "TASKS_BACKEND",
    "CACHE_PUBLIC_PAGES",
    "PROXY_COUNT",
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


class Gunicorn:
    """One gunicorn app server of the portal on a free loopback port."""

    def __init__(self, name: str, env: dict[str, str], log: Path, *, workers: int = 2):
        self.name = name
        self.env = env
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        """Start gunicorn in a process group of its own (``wait_ready`` waits for it)."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "smartcities.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--no-control-socket",  # its default path is shared by every gunicorn of the user
        ]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # nosec B603: fixed command, no shell
                command,
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
            f"gunicorn {self.name} did not become healthy on port {self.port}:\n{self.log_tail()}"
        )

    def stop(self, *, force: bool = False) -> None:
        """Stop gunicorn and its workers (at once with ``force``)."""
        if self.process is not None:
            stop_group(self.process, force=force)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
