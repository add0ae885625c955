"""Crafted URLs: what a link can make the portal show or where it can send the reader."""

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db

CRAFTED_TITLE = "Avis officiel : envoyez vos coordonnées bancaires à evil.example"
EVIL_BACKS = [
    "//evil.example/x",
    "/\\evil.example/x",
    "https://evil.example/x",
    "javascript:alert(1)",
    "/fr/catalogue/?governorate=gabes",  # even a page of the portal: not from the URL
]


@pytest.fixture
def database_tasks(settings):
    """Dossiers queued in the database and left waiting (no worker runs in the tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DOSSIER_SYNC_MAX_PROJECTS = 1


def back_links(html: str) -> list[str]:
    """The targets of the page's "Back to the selection" links."""
    return [
        unescape(href)
        for href in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>[^<]*Back to the selection', html)
    ]


def heading(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]))


@pytest.mark.parametrize(
    "dossier_url, title, back",
    [
        (
            "/en/catalogue/dossier.pdf?governorate=gabes&sort=title&utm=%2F%2Fevil.example",
            "Catalogue of PPP projects: a selection",
            "/en/catalogue/?governorate=gabes&sort=title",
        ),
        ("/en/governorates/gabes/dossier.pdf", "Governorate of Gabès", None),
        ("/en/municipalities/gabes/dossier.pdf", "Municipality of Gabès", None),
    ],
)
def test_the_dossier_waiting_page_builds_its_heading_and_back_link_from_the_stored_selection(
    client, database_tasks, dossier_url, title, back
):
    response = client.get(dossier_url)
    assert response.status_code == 302
    status_url = response["Location"]
    assert "?" not in status_url  # nothing for a crafted link to imitate or change

    page = client.get(status_url)
    assert page.status_code == 202
    assert heading(page.text) == f"Your dossier: {title}"
    expected_back = back_links(page.text)
    assert len(expected_back) == 1 and expected_back[0].startswith("/en/catalogue/")
    if back:
        assert expected_back == [back]

    for evil in EVIL_BACKS:
        crafted = client.get(status_url, {"title": CRAFTED_TITLE, "back": evil}, follow=True)
        # The query string is dropped (the page would echo it in its language links).
        assert crafted.redirect_chain == [(status_url, 302)]
        assert crafted.status_code == 202
        assert CRAFTED_TITLE not in unescape(crafted.text)
        assert "evil.example" not in crafted.text
        assert heading(crafted.text) == f"Your dossier: {title}"
        assert back_links(crafted.text) == expected_back


def test_a_dossier_key_is_only_what_the_portal_makes(client):
    for key in ("A" * 32, "é" * 32, "0" * 31, "0" * 33, "../" + "0" * 29):
        assert client.get(f"/en/catalogue/dossiers/{key}/").status_code == 404


def test_a_refused_dossier_links_back_to_its_valid_filters_only(client, settings):
    settings.DOSSIER_MAX_PROJECTS = 1
    response = client.get(
        "/en/catalogue/dossier.pdf", {"stage": "bogus", "next": "//evil.example/x"}
    )
    assert response.status_code == 400
    assert back_links(response.text) == ["/en/catalogue/"]


# The admin's "view on site" shortcut -----------------------------------------------------


def shortcut_url(obj) -> str:
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_the_view_on_site_shortcut_keeps_a_focal_point_to_their_municipality(client, team):
    from municipalities.models import Municipality
    from tests.factories import ProjectFactory

    own = ProjectFactory(reference="GAB-2025-101")
    other = ProjectFactory(
        reference="SFA-2025-102", municipality=Municipality.objects.get(code="3411")
    )
    client.force_login(team["focal"])
    response = client.get(shortcut_url(own))
    assert response.status_code == 302 and response["Location"].endswith("/GAB-2025-101/")
    # Another municipality's draft: not found, as everywhere in the admin, and its
    # reference is not revealed.
    response = client.get(shortcut_url(other))
    assert response.status_code == 404
    assert "SFA-2025-102" not in response.text and "Location" not in response
    # Ministry staff see every project.
    client.force_login(team["editor"])
    assert client.get(shortcut_url(other)).status_code == 302


def test_the_view_on_site_shortcut_refuses_what_the_admin_does_not_show(client, team):
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from tests.factories import ProjectFactory

    project = ProjectFactory(reference="GAB-2025-103")
    url = shortcut_url(project)
    # Not signed in, or signed in without staff status: sent to the admin's login page.
    for user in (None, get_user_model().objects.create_user("citizen", "c@x.tn", "x" * 16)):
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    # Staff: an unknown content type, a model without an admin, an object id that is
    # not one: not found.
    client.force_login(team["editor"])
    session = ContentType.objects.get(app_label="sessions", model="session")
    for bad in ("/admin/r/999999/1/", f"/admin/r/{session.pk}/x/", "/admin/r/abc/1/"):
        assert client.get(bad).status_code == 404, bad
    assert client.get(url.replace(f"/{project.pk}/", "/nope/")).status_code == 404


# Static files --------------------------------------------------------------------------

TRAVERSALS = [
    "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/../../etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc/passwd",
    "/static/..%5c..%5cetc/passwd",
    "/static/css/../../../../etc/passwd",
]


def runserver_handler():
    """The WSGI handler ``manage.py runserver`` serves (``make run``), with its defaults."""
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["runserver"], "runserver")
    options = vars(command.create_parser("manage.py", "runserver").parse_args([]))
    return command.get_handler(**options)


def wsgi_get(handler, path: str) -> tuple[int, bytes]:
    """A GET of ``path`` as the server received it (percent-decoded, as WSGI gives it)."""
    from io import BytesIO
    from urllib.parse import unquote
    from wsgiref.util import setup_testing_defaults

    environ = {"PATH_INFO": unquote(path), "HTTP_HOST": "localhost", "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    answer = []

    def start_response(status, headers, exc_info=None):
        answer.append(int(status.split()[0]))

    try:
        body = b"".join(handler(environ, start_response))
    except Exception:  # noqa: BLE001 -- what runserver turns into a 500
        return 500, b""
    return answer[0], body


@pytest.mark.parametrize("debug", [True, False], ids=["make-run", "production"])
def test_a_path_out_of_the_static_files_is_a_404_in_every_mode(settings, debug):
    settings.DEBUG = debug
    handler = runserver_handler()
    for path in TRAVERSALS:
        status, body = wsgi_get(handler, path)
        assert status == 404, path
        assert b"root:" not in body
    if debug:  # the static files themselves are still served
        assert wsgi_get(handler, "/static/css/portal.css")[0] == 200


def test_make_runs_server_answers_404_to_a_path_out_of_the_static_files(tmp_path):
    """The development server as ``make run`` starts it (DEBUG=1), over HTTP."""
    import http.client
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SHARED_CACHE_DIR": str(tmp_path / "cache"),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def get(path):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body = get("/static/css/portal.css")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert status == 200
        for path in TRAVERSALS:
            status, body = get(path)
            assert status == 404, path
            assert b"root:" not in body
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=15)
    assert b"Traceback" not in errors, errors.decode()[-3000:]


# What a hostile request leaves in the log ------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs, logger",
    [
        ({"path": "/fr/", "HTTP_HOST": "evil.example.org"}, "django.security.DisallowedHost"),
        (
            {"path": "/fr/catalogue/?" + "&".join(f"q{n}=x" for n in range(1_100))},
            "django.security.TooManyFieldsSent",
        ),
    ],
    ids=["refused-host", "too-many-fields"],
)
def test_a_request_refused_as_suspicious_is_one_warning_line_without_a_traceback(
    client, caplog, request_kwargs, logger
):
    path = request_kwargs.pop("path")
    response = client.get(path, **request_kwargs)
    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.name == logger]
    assert record.levelname == "WARNING"
    assert record.exc_info is None and record.exc_text is None
    assert record.request_id == response["X-Request-ID"]
