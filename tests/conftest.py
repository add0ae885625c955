import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Plain static storage (no collectstatic manifest) and a throw-away media folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shipped reference data, loaded once for the whole run."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
