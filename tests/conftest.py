import logging

import pytest
from django.core.management import call_command

# Loggers that record a server error's traceback: the root logger, and Django's request
# and development-server loggers (the latter does not propagate to the root).
ERROR_LOGGERS = ("", "django.request", "django.server")


class _TracebackRecords(logging.Handler):
    """Keeps the ERROR (or worse) records that carry an exception."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = {}

    def emit(self, record):
        if record.exc_info or record.exc_text:
            self.records[id(record)] = record


@pytest.fixture(autouse=True)
def _no_unexpected_traceback(request):
    """Fail a test during which anything (a view, a thread it started, a server it runs)
    logged an error with a traceback: the server log of the suite must stay clean.

    A test that provokes a logged error on purpose says so with
    ``@pytest.mark.logs_errors("why")``.
    """
    handler = _TracebackRecords()
    loggers = [logging.getLogger(name) for name in ERROR_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("logs_errors") is None:
        logged = "\n\n".join(
            f"{record.name}: {record.getMessage()}\n"
            + (record.exc_text or logging.Formatter().formatException(record.exc_info))
            for record in handler.records.values()
        )
        pytest.fail(
            "An error with a traceback was logged (mark the test with "
            f"@pytest.mark.logs_errors(reason) if it is intended):\n{logged}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def _shared_cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(autouse=True)
def _own_shared_cache(settings, _shared_cache_dir):
    """This run's own folder for the cache shared between processes (not var/)."""
    if settings.CACHES["shared"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {
            **settings.CACHES,
            "shared": {**settings.CACHES["shared"], "LOCATION": str(_shared_cache_dir)},
        }


@pytest.fixture(autouse=True)
def _fresh_cache(_own_shared_cache):
    """Each test starts with an empty cache (cached pages, catalogue version)."""
    from django.core.cache import caches

    from catalogue import caching

    caches["default"].clear()
    caches["shared"].clear()
    caching._local.clear()
    caching._recent_pages.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Plain static storage (no collectstatic manifest) and a throw-away media folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages are rendered afresh so that tests can read their context; the page cache has
    # its own tests (tests/catalogue/public/test_caching.py).
    settings.CACHE_PUBLIC_PAGES = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shipped reference data, loaded once for the whole run."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def make_user(django_user_model):
    """A staff user in one of the roles (optionally a focal point of a municipality)."""
    from django.contrib.auth.models import Group

    from municipalities.models import FocalPoint, Municipality

    def make(username, role=None, *, municipality_code=None, superuser=False):
        if superuser:
            return django_user_model.objects.create_superuser(
                username, f"{username}@x.tn", "x" * 16
            )
        user = django_user_model.objects.create_user(
            username, f"{username}@x.tn", "x" * 16, is_staff=True
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if municipality_code:
            FocalPoint.objects.create(
                user=user, municipality=Municipality.objects.get(code=municipality_code)
            )
        return django_user_model.objects.get(pk=user.pk)  # fresh permission caches

    return make


@pytest.fixture
def team(make_user):
    """One user per role: an editor, two committee members, a focal point of Gabès."""
    from catalogue.register.roles import COMMITTEE, EDITOR, FOCAL_POINT

    return {
        "editor": make_user("editor", EDITOR),
        "committee": make_user("committee", COMMITTEE),
        "committee2": make_user("committee2", COMMITTEE),
        "focal": make_user("focal", FOCAL_POINT, municipality_code="5111"),
        "other_focal": make_user("focal_sfax", FOCAL_POINT, municipality_code="3411"),
        "root": make_user("root", superuser=True),
    }


@pytest.fixture
def english():
    """Messages in English, for tests that read them (the portal's default is French)."""
    from django.utils import translation

    with translation.override("en"):
        yield
