"""Production readiness: security headers, error pages, health, login protection, uploads."""

import io
import os
import subprocess
import sys
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalogue.models import ProjectDocument, ProjectImage
from smartcities.core.uploads import ImageUploadValidator, PdfUploadValidator
from tests.factories import ProjectFactory, image_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response):
    for header, expected in SECURITY_HEADERS.items():
        assert expected in response.get(header, ""), (header, response.get(header))
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "url",
    [
        "/fr/",
        "/ar/catalogue/?q=gabes",
        "/fr/catalogue/GAB-2020-001/",
        "/fr/catalogue/GAB-2020-001/sheet.pdf",
        "/fr/page-qui-n-existe-pas/",
        "/admin/login/",
        "/healthz",
        "/maps/tunisia.svg",
    ],
)
def test_security_headers_on_every_kind_of_page(client, url):
    assert_security_headers(client.get(url))


def test_security_headers_on_admin_pages(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.tn", "x" * 16))
    assert_security_headers(client.get(reverse("admin:catalogue_project_changelist")))


def test_every_response_carries_a_request_id(client):
    response = client.get("/fr/", HTTP_X_REQUEST_ID="proxy-given-id-1234")
    assert response["X-Request-ID"] == "proxy-given-id-1234"
    odd = client.get("/fr/", HTTP_X_REQUEST_ID="bad id\n")
    assert len(odd["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    "language, text",
    [("fr", "Cette page n"), ("ar", "غير موجودة"), ("en", "This page does not exist")],
)
def test_the_404_page_is_in_the_portals_look_and_language(client, language, text):
    response = client.get(f"/{language}/nulle-part/")
    assert response.status_code == 404
    assert 'class="site-header"' in response.text
    assert f'lang="{language}"' in response.text


@pytest.fixture
def failing_view(settings):
    """``/boom/`` raises an error (or the exception given to the fixture's result)."""
    from django.urls import path

    import smartcities.urls as root

    failure = {"exception": RuntimeError("secret database password in a traceback")}

    def boom(request):
        raise failure["exception"]

    settings.ROOT_URLCONF = type(
        "Urls",
        (),
        {
            "urlpatterns": [path("boom/", boom), *root.urlpatterns],
            **{f"handler{code}": getattr(root, f"handler{code}") for code in (400, 403, 404, 500)},
        },
    )
    return failure


@pytest.fixture
def json_log_lines():
    """The JSON lines that the configured console handler writes during the test."""
    import json
    import logging

    from smartcities.core.logs import JsonFormatter

    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)


@pytest.mark.logs_errors("a server error is logged with its traceback, on purpose")
def test_a_server_error_shows_no_technical_detail_and_a_reference(client, failing_view, caplog):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "secret database password" not in response.text
    assert "Traceback" not in response.text
    assert response["X-Request-ID"] in response.text
    assert_security_headers(response)
    assert any(getattr(r, "request_id", None) == response["X-Request-ID"] for r in caplog.records)


@pytest.mark.logs_errors("a server error is logged with its traceback, on purpose")
def test_the_logged_traceback_of_a_server_error_carries_the_request_id(
    client, failing_view, json_log_lines
):
    client.raise_request_exception = False
    response = client.get("/boom/", HTTP_X_REQUEST_ID="proxy-id-0123456789")
    assert response.status_code == 500 and "proxy-id-0123456789" in response.text
    traces = [line for line in json_log_lines() if "Traceback" in line.get("exception", "")]
    assert traces, json_log_lines()
    assert {line["logger"] for line in traces} == {"django.request"}
    for line in traces:
        assert "RuntimeError" in line["exception"]
        assert line["request_id"] == response["X-Request-ID"] == "proxy-id-0123456789"


def test_a_refused_host_header_is_a_400(client):
    response = client.get("/fr/", HTTP_HOST="evil.example.org")
    assert response.status_code == 400


@pytest.mark.logs_errors("the database being down is logged with its traceback, on purpose")
def test_health_answers_200_with_the_database_and_503_without(client, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "up"
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "down"


@pytest.fixture
def production_like(settings):
    """The production settings that matter to a probe: HTTPS redirect, HSTS, strict hosts."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.ALLOWED_HOSTS = ["catalogue.example.tn"]
    return settings


@pytest.mark.logs_errors("the database being down is logged with its traceback, on purpose")
def test_a_load_balancer_probe_over_plain_http_to_the_servers_address_is_answered(
    client, production_like, monkeypatch
):
    # Any other request is redirected to HTTPS, or refused for its Host header.
    assert client.get("/fr/", HTTP_HOST="catalogue.example.tn").status_code == 301
    assert client.get("/ping", HTTP_HOST="10.0.0.11:8000").status_code == 400
    response = client.get("/healthz", HTTP_HOST="10.0.0.11:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "up"}
    assert "no-cache" in response["Cache-Control"]
    assert_security_headers(response)
    assert client.head("/healthz", HTTP_HOST="10.0.0.11").status_code == 200
    assert client.get("/healthz").status_code == 200  # no Host header at all: "testserver"

    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz", HTTP_HOST="10.0.0.11:8000")
    assert response.status_code == 503 and response.json()["database"] == "down"


def test_only_the_exact_health_request_skips_the_host_check_and_the_redirect(
    client, production_like
):
    for path in ("/healthz/", "/healthz?x=1/../admin/", "/fr/healthz", "/healthzx"):
        assert client.get(path, HTTP_HOST="10.0.0.11").status_code == (
            200 if path.startswith("/healthz?") else 400
        ), path
    assert client.post("/healthz", HTTP_HOST="10.0.0.11").status_code == 400


def test_the_admin_locks_out_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_superuser("root", "r@x.tn", "correct-horse-battery")
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url, {"username": "root", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_passwords_must_be_strong():
    from django.contrib.auth.password_validation import validate_password

    for weak in ("password", "12345678901234", "tunis2020"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("oasis-intelligente-42-Gabes")


def test_deploy_checks_are_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEPLOYMENT": "production",
        "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "catalogue.example.tn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for themselves
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DEPLOYMENT": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


# --- Uploads -------------------------------------------------------------------------


def png_bytes(size=(64, 48), fmt="PNG", **save):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, fmt, **save)
    return buffer.getvalue()


def refused(validator, name, content):
    with pytest.raises(ValidationError) as error:
        validator(SimpleUploadedFile(name, content))
    return " ".join(error.value.messages)


def test_a_tiny_png_of_20000_by_20000_pixels_is_refused_cheaply():
    # A 1-bit PNG of 400 megapixels compresses to a few kilobytes.
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 200_000
    assert "megapixels" in refused(ImageUploadValidator(), "bomb.png", buffer.getvalue())


def test_a_120_megapixel_image_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (12_000, 10_000)).save(buffer, "PNG")
    assert "megapixels" in refused(ImageUploadValidator(), "large.png", buffer.getvalue())


def test_a_truncated_jpeg_is_refused():
    noise = Image.effect_noise((400, 300), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    content = buffer.getvalue()
    cut = content[: len(content) // 2]
    assert "truncated" in refused(ImageUploadValidator(), "cut.jpg", cut)


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_html_or_svg_renamed_png_is_refused(name, content):
    assert "not a readable image" in refused(ImageUploadValidator(), name, content)


def test_an_image_whose_content_does_not_match_its_extension_is_refused():
    assert "contains a JPEG image" in refused(
        ImageUploadValidator(), "photo.png", png_bytes(fmt="JPEG")
    )
    assert "Only JPEG, PNG or WebP" in refused(ImageUploadValidator(), "photo.gif", png_bytes())


def test_an_oversized_image_file_is_refused(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1000
    assert "limit" in refused(
        ImageUploadValidator(), "big.png", png_bytes((300, 300)) + b"\0" * 2000
    )


def test_a_pdf_that_is_really_a_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not a PDF" in refused(PdfUploadValidator(), "study.pdf", buffer.getvalue())
    assert "not a PDF" in refused(
        PdfUploadValidator(),
        "study.pdf",
        b"%PDF-1.7\n" + buffer.getvalue()[:0] + b"PK\x03\x04" + buffer.getvalue(),
    )
    assert "Only PDF" in refused(PdfUploadValidator(), "study.docx", b"%PDF-1.7")


@pytest.mark.parametrize(
    "name", ["../../settings.py.png", "photo\u202egnp.exe.png", "..\\..\\x.png"]
)
def test_stored_names_are_generated_whatever_the_uploaded_name(name):
    project = ProjectFactory()
    image = ProjectImage(project=project, image=SimpleUploadedFile(name, png_bytes()))
    image.full_clean()
    image.save()
    stored = image.image.name
    assert stored.startswith("projects/images/") and stored.endswith(".png")
    assert ".." not in stored and "\u202e" not in stored and "settings" not in stored


def test_photos_are_stored_upright_and_without_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[0x010F] = "Camera maker"
    exif[0x0110] = "Phone with GPS"
    content = png_bytes((80, 40), "JPEG", exif=exif.tobytes())
    project = ProjectFactory()
    photo = ProjectImage(project=project, image=SimpleUploadedFile("p.jpg", content))
    photo.full_clean()
    photo.save()
    with Image.open(photo.image.path) as stored:
        assert stored.size == (40, 80), "rotated upright"
        assert not stored.getexif(), "no EXIF left"


def test_the_admin_refuses_a_fake_image_with_a_message(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.tn", "x" * 16))
    project = ProjectFactory()
    response = client.post(
        reverse("admin:catalogue_projectimage_add"),
        {
            "project": project.pk,
            "position": 0,
            "image": SimpleUploadedFile("x.png", b"<html>not an image</html>"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "not a readable image" in " ".join(response.context["adminform"].form.errors["image"])
    assert not ProjectImage.objects.filter(project=project).exists()


def test_documents_must_be_pdfs():
    project = ProjectFactory()
    document = ProjectDocument(
        project=project, title_fr="Étude", file=SimpleUploadedFile("a.pdf", b"MZ\x90\x00 binary")
    )
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "file" in error.value.message_dict
    good = ProjectDocument(
        project=project, title_fr="Étude", file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")
    )
    good.full_clean()
    assert image_file  # the factory helper stays available for other tests


def test_each_request_is_logged_as_one_json_line_with_status_and_duration(client, caplog):
    import json
    import logging

    from smartcities.core.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="smartcities.requests"):
        response = client.get("/fr/catalogue/?q=gabes")
    records = [r for r in caplog.records if r.name == "smartcities.requests"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["path"] == "/fr/catalogue/" and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]


def test_the_403_page_is_in_the_portals_look():
    from django.test import RequestFactory

    from smartcities.core.views import permission_denied

    request = RequestFactory().get("/fr/")
    request.id = "abc123abc123"
    response = permission_denied(request)
    assert response.status_code == 403
    assert b"site-header" in response.content and b"abc123abc123" in response.content


@pytest.mark.parametrize(
    "language, direction, title",
    [("fr", "ltr", "Accès refusé"), ("ar", "rtl", "النفاذ مرفوض"), ("en", "ltr", "Access refused")],
)
def test_a_form_refused_for_csrf_shows_the_portals_403_page(language, direction, title, caplog):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/",
        {"username": "root", "password": "x"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 403
    assert 'class="site-header"' in response.text
    assert f'lang="{language}" dir="{direction}"' in response.text
    assert "CSRF" not in response.text and "Forbidden" not in response.text
    assert response["X-Request-ID"] in response.text
    assert_security_headers(response)
    assert f"<title>{title} ·" in response.text
    if language == "en":
        assert "This form could not be accepted" in response.text
    refusals = [r for r in caplog.records if r.name == "django.security.csrf"]
    assert refusals and refusals[0].status_code == 403


# --- Production settings, as the settings module gives them ------------------------------

PRODUCTION_NAMES = [
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
    "STORAGES",
]


@pytest.fixture(scope="module")
def production_values(tmp_path_factory):
    """The settings module's values with DEPLOYMENT=production (read in a fresh process)."""
    import json

    folder = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        "DEPLOYMENT": "production",
        "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "catalogue.example.tn",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
    }
    env.pop("DEBUG", None)
    script = (
        "import json, smartcities.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {PRODUCTION_NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_values):
    """This process under the production values (and the site's address)."""
    for name, value in production_values.items():
        if name != "STORAGES":
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    settings.ALLOWED_HOSTS = ["catalogue.example.tn"]
    return settings


HTTPS = {"HTTP_HOST": "catalogue.example.tn", "HTTP_X_FORWARDED_PROTO": "https"}


def test_production_sends_hsts_for_a_year_with_subdomains(client, production, production_values):
    assert production_values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    response = client.get("/fr/", **HTTPS)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    plain = client.get("/fr/", HTTP_HOST="catalogue.example.tn")
    assert plain.status_code == 301 and plain["Location"] == "https://catalogue.example.tn/fr/"


def test_production_cookies_are_secure_httponly_and_samesite(
    client, production, production_values, django_user_model
):
    for kind in ("SESSION", "CSRF", "LANGUAGE"):
        assert production_values[f"{kind}_COOKIE_SECURE"] is True, kind
        assert production_values[f"{kind}_COOKIE_HTTPONLY"] is True, kind
        assert production_values[f"{kind}_COOKIE_SAMESITE"] == "Lax", kind
    django_user_model.objects.create_superuser("root", "r@x.tn", "correct-horse-battery")
    client.get("/admin/login/", **HTTPS)
    client.post("/admin/login/", {"username": "root", "password": "correct-horse-battery"}, **HTTPS)
    client.post("/i18n/setlang/", {"language": "ar", "next": "/ar/"}, **HTTPS)
    for name in ("sessionid", "csrftoken", "django_language"):
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def test_production_static_files_are_compressed_and_cached_for_ever(
    production, production_values, settings, tmp_path
):
    from django.core.management import call_command
    from django.test import Client
    from whitenoise.compress import Compressor

    settings.STORAGES = production_values["STORAGES"]
    settings.STATIC_ROOT = tmp_path / "static"
    # The portal's own files only, fonts left uncompressed: a fraction of a second.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "ttf"]
    call_command("collectstatic", "--no-input", verbosity=0)

    client = Client()  # its middleware (WhiteNoise) starts now, on the collected files
    page = client.get("/fr/", **HTTPS).text
    stylesheet = page.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/css/portal.") and stylesheet != "/static/css/portal.css"
    for encoding in ("gzip", "br"):
        response = client.get(stylesheet, HTTP_ACCEPT_ENCODING=encoding, **HTTPS)
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert response["Cache-Control"] == "max-age=315360000, public, immutable"
        assert "Accept-Encoding" in response["Vary"]
    unhashed = client.get("/static/css/portal.css", HTTP_ACCEPT_ENCODING="gzip", **HTTPS)
    assert "immutable" not in unhashed["Cache-Control"]


# --- Login protection, uploads, error pages, data safety ---------------------------------


def test_an_admin_lockout_is_logged(client, django_user_model, json_log_lines):
    django_user_model.objects.create_superuser("root", "r@x.tn", "correct-horse-battery")
    for _ in range(6):
        client.post(
            reverse("admin:login"),
            {"username": "root", "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
    lockouts = [
        line
        for line in json_log_lines()
        if line["logger"].startswith("axes") and "Locking out" in line["message"]
    ]
    assert lockouts, [line["message"] for line in json_log_lines()]
    assert lockouts[0]["level"] == "WARNING"
    assert "/admin/login/" in lockouts[0]["message"]


def test_a_document_over_the_size_limit_is_refused_with_the_limit(settings):
    settings.MAX_DOCUMENT_UPLOAD_BYTES = 2000
    at_the_limit = b"%PDF-1.4\n" + b"0" * (2000 - 15) + b"\n%%EOF"
    assert len(at_the_limit) == 2000
    PdfUploadValidator()(SimpleUploadedFile("study.pdf", at_the_limit))
    message = refused(PdfUploadValidator(), "study.pdf", at_the_limit + b"\n")
    assert "weighs 2.0\xa0KB; the limit is 2.0\xa0KB" in message


def test_the_admin_refuses_an_oversized_document_with_a_message(client, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.MAX_DOCUMENT_UPLOAD_BYTES = 1000
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.tn", "x" * 16))
    project = ProjectFactory()
    response = client.post(
        reverse("admin:catalogue_projectdocument_add"),
        {
            "project": project.pk,
            "title_fr": "Étude",
            "document_type": "feasibilityStudy",
            "position": 0,
            "file": SimpleUploadedFile("study.pdf", b"%PDF-1.4\n" + b"0" * 2000),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["file"])
    assert "the limit is 1000" in errors
    assert not ProjectDocument.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    "language, direction, title",
    [("fr", "ltr", "Requête incorrecte"), ("ar", "rtl", "طلب غير صالح")],
)
def test_the_400_page_is_in_the_portals_look_and_language(client, language, direction, title):
    # More query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: refused with a 400.
    query = "&".join(f"q{n}=x" for n in range(1_100))
    response = client.get(f"/{language}/catalogue/?{query}")
    assert response.status_code == 400
    assert 'class="site-header"' in response.text
    assert f'lang="{language}" dir="{direction}"' in response.text
    assert f"<title>{title} ·" in response.text
    assert "TooManyFields" not in response.text
    assert response["X-Request-ID"] in response.text
    assert_security_headers(response)


def test_a_refused_host_gets_the_portals_400_page(client):
    response = client.get("/fr/", HTTP_HOST="evil.example.org", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert 'class="site-header"' in response.text and "Requête incorrecte" in response.text
    assert "evil.example.org" not in response.text


@pytest.mark.parametrize(
    "exception, status, title",
    [
        ("permission", 403, "النفاذ مرفوض"),
        pytest.param(
            "error",
            500,
            "خطأ في الخادم",
            marks=pytest.mark.logs_errors("a server error is logged with its traceback"),
        ),
    ],
)
def test_the_403_and_500_pages_in_arabic_are_right_to_left(
    client, failing_view, exception, status, title
):
    from django.core.exceptions import PermissionDenied

    if exception == "permission":
        failing_view["exception"] = PermissionDenied("internal reason")
    client.raise_request_exception = False
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == status
    assert '<html lang="ar" dir="rtl">' in response.text
    assert f"<title>{title} ·" in response.text
    assert 'class="site-header"' in response.text
    assert "internal reason" not in response.text and "secret database" not in response.text
    assert_security_headers(response)


def test_bulk_delete_of_a_published_project_is_refused_to_a_non_superuser(client, team):
    from catalogue.models import Project

    published = ProjectFactory(published=True)
    draft = ProjectFactory()
    client.force_login(team["editor"])
    url = reverse("admin:catalogue_project_changelist")
    selection = {"action": "delete_selected", "_selected_action": [published.pk, draft.pk]}
    confirm = client.post(url, selection)
    assert confirm.status_code == 200 and confirm.context["perms_lacking"]
    response = client.post(url, {**selection, "post": "yes"})
    assert response.status_code == 403
    assert Project.objects.filter(pk__in=[published.pk, draft.pk]).count() == 2
    client.force_login(team["root"])  # a superuser may
    client.post(url, {**selection, "post": "yes"})
    assert not Project.objects.filter(pk__in=[published.pk, draft.pk]).exists()


def test_the_import_page_has_no_inline_style_for_the_csp_to_block(client, django_user_model):
    from django.contrib.staticfiles import finders

    client.force_login(django_user_model.objects.create_superuser("root", "r@x.tn", "x" * 16))
    response = client.get("/admin/catalogue/project/import/")
    assert response.status_code == 200
    assert "<style" not in response.text and " style=" not in response.text
    assert 'href="/static/catalogue/admin/import.css"' in response.text
    with open(finders.find("catalogue/admin/import.css")) as stylesheet:
        assert ".import-summary--error" in stylesheet.read()
    assert "style-src 'self'" in response["Content-Security-Policy"]
