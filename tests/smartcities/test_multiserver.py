"""Two app servers, one PostgreSQL, one Redis: a change made through one is seen through the other.

The deployment the README describes: several identical gunicorn servers behind a load
balancer, keeping nothing of their own. Here two of them run on loopback with production
settings against the test database and a shared Redis cache (public pages cached). A staff
member signs in on server A and publishes a project there; server B, whose cached catalogue
page did not show it, shows it at once. The same session, carried to server B (no sticky
sessions), withdraws the project, and server A stops showing it at once.

Needs PostgreSQL (``DATABASE_URL``) and Redis on 127.0.0.1:6379 (``.ci/run`` starts both for
its PostgreSQL leg); skipped otherwise. Redis databases 10 to 13 belong to this test: it
claims a free one (so that runs side by side do not share cached pages), empties it and
empties it again afterwards.
"""

import http.client
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from bench.harness import HOST, Gunicorn, ServerError, app_env
from catalogue.register import reviews, services
from catalogue.register.choices import Decision, Status
from tests.factories import ProjectFactory
from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT = 6379
REDIS_DATABASES = range(10, 14)  # this test's own (make bench uses 5)
CLAIM_KEY = "smartcities-multiserver-test"
CLAIM_SECONDS = 600
START_TIMEOUT_S = 60
TITLE = "Réseau de chaleur urbain multiserveur"
PASSWORD = "un mot de passe de test assez long"  # a throw-away account


# --- Requirements --------------------------------------------------------------------------


def redis_client(db: int):
    import redis

    return redis.Redis(host=HOST, port=REDIS_PORT, db=db, socket_timeout=2)


@pytest.fixture
def redis_db():
    """A Redis database of this test's own, empty; skips the test when Redis does not answer."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "two app servers need a database server: set DATABASE_URL=postgres://… "
            "(the test database on SQLite lives in this process's memory)"
        )
    import redis

    token = secrets.token_hex(8)
    try:
        redis_client(0).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis answers on {HOST}:{REDIS_PORT} ({error}); .ci/run starts one")
    for db in REDIS_DATABASES:
        client = redis_client(db)
        if client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS):
            with client.pipeline(transaction=True) as pipe:  # empty it, keeping the claim
                pipe.flushdb().set(CLAIM_KEY, token, ex=CLAIM_SECONDS).execute()
            break
    else:
        pytest.fail(f"Redis databases {list(REDIS_DATABASES)} are all in use by other runs")
    try:
        yield db
    finally:
        if client.get(CLAIM_KEY) == token.encode():
            client.flushdb()
        client.close()


# --- Servers -------------------------------------------------------------------------------


def collect_static(static_root: Path) -> None:
    """The static files and their manifest, which WhiteNoise's storage needs in production.

    Done in this process with Django's plain manifest storage: the same ``staticfiles.json``
    and hashed names as the production storage, without its compressed copies (0.3 s
    instead of about 20 s); WhiteNoise serves the files uncompressed.
    """
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=static_root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)


class Server(Gunicorn):
    """One gunicorn app server with one worker; a test fails if it does not start."""

    def __init__(self, name: str, env: dict, log: Path):
        super().__init__(name, env, log, workers=1)

    def wait_ready(self) -> None:
        try:
            super().wait_ready(START_TIMEOUT_S)
        except ServerError as error:
            pytest.fail(str(error))


@pytest.fixture
def servers(redis_db, transactional_db, tmp_path):
    """Servers A and B: production settings, one database, one Redis, one media folder.

    Started, not yet ready: the test prepares its data meanwhile, then waits for them.
    ``transactional_db``: what the test writes is committed, so the servers see it.
    """
    collect_static(tmp_path / "static")
    env = app_env(
        DEPLOYMENT="production",
        SECRET_KEY=secrets.token_urlsafe(50),  # the same on every server
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",  # no TLS on loopback; the client says https like a proxy
        DATABASE_URL=database_url(),
        REDIS_URL=f"redis://{HOST}:{REDIS_PORT}/{redis_db}",
        CACHE_PUBLIC_PAGES="true",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),  # a volume both servers mount
        LOG_LEVEL="WARNING",
    )
    pair = [Server(name, env, tmp_path / f"gunicorn-{name}.log") for name in ("A", "B")]
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.stop()


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str


class Browser:
    """A visitor's cookies, sent to whichever server the request goes to (as behind a load
    balancer). Requests say ``X-Forwarded-Proto: https``, as the TLS-terminating proxy does."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server: Server, method: str, path: str, form=None) -> Response:
        headers = {"X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{server.port}"
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            text = reply.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return Response(reply.status, reply.headers, text)

    def get(self, server: Server, path: str) -> Response:
        return self.request(server, "GET", path)

    def post(self, server: Server, path: str, form: dict) -> Response:
        return self.request(server, "POST", path, form)


def page(server: Server, path: str, status: int = 200) -> str:
    """An anonymous visitor's page (served from the shared cache when it is there)."""
    response = Browser().get(server, path)
    assert response.status == status, (path, response.status, server.log_tail())
    return response.text


# --- The test ------------------------------------------------------------------------------


@pytest.fixture
def reference_data(transactional_db):
    """The shipped reference data: a transactional test starts from an empty database when
    other transactional tests ran before it (each flushes the tables when it ends)."""
    call_command("load_reference_data", verbosity=0)


def eligible_project(team):
    """A project through the workflow up to its eligible decision (prepared, not published)."""
    project = ProjectFactory(title_fr=TITLE)
    services.project_submit(project=project, user=team["focal"])
    review = reviews.review_open(project=project, user=team["committee"])
    review.gates.update(passed=True, comment="ok")
    review.scores.update(score=4)
    review.public_summary_fr = "Éligible."
    review.save()
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    return project


def sign_in(browser: Browser, server: Server, user) -> None:
    # A cheap hash for the servers to check (the suite's MD5 hasher is not theirs).
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    browser.get(server, "/admin/login/")
    response = browser.post(
        server,
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status == 302, ("sign-in refused", response.status, server.log_tail())


def project_action(browser: Browser, server: Server, project, action: str, **extra) -> None:
    """Confirm a workflow action of the project list in the admin (what the button posts)."""
    response = browser.post(
        server,
        "/admin/catalogue/project/",
        {"action": action, "_selected_action": project.pk, "confirm": "yes", **extra},
    )
    assert response.status == 302, (action, response.status, server.log_tail())


def test_a_change_through_one_server_is_seen_at_once_through_the_other(
    servers, redis_db, reference_data, team
):
    server_a, server_b = servers
    project = eligible_project(team)
    detail = f"/fr/catalogue/{project.reference}/"
    for server in servers:
        server.wait_ready()
    shared = redis_client(redis_db)

    # B caches the catalogue without the project, in the shared cache.
    assert TITLE not in page(server_b, "/fr/catalogue/")
    assert shared.keys("*:page:*"), "server B cached the catalogue page in Redis"
    assert TITLE not in page(server_a, "/fr/catalogue/")
    page(server_b, detail, status=404)
    version = int(shared.get(":1:catalogue:version"))

    # Published through A's admin...
    staff = Browser()
    sign_in(staff, server_a, team["editor"])
    project_action(staff, server_a, project, "publish_projects")
    project.refresh_from_db()
    assert project.status == Status.PUBLISHED
    assert int(shared.get(":1:catalogue:version")) > version

    # ...seen at once through B, and its page cached there.
    assert TITLE in page(server_b, "/fr/catalogue/")
    assert TITLE in page(server_b, detail)
    assert TITLE in page(server_a, detail)

    # The session opened on A works on B: withdrawn through B, gone at once from A.
    project_action(
        staff, server_b, project, "withdraw_projects", reason="Essai de retrait multiserveur"
    )
    project.refresh_from_db()
    assert project.status == Status.WITHDRAWN
    page(server_a, detail, status=404)
    assert TITLE not in page(server_a, "/fr/catalogue/")
    assert TITLE not in page(server_b, "/fr/catalogue/")
