"""Shared fixtures of the engagement tests: e-mail sent at once (immediate tasks), no
minimum fill time unless a test sets one, and a public project that takes expressions
of interest."""

import pytest

from catalogue.engagement import abuse
from catalogue.register.choices import Stage
from tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _engagement_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ENGAGEMENT_MIN_FILL_SECONDS = 0
    settings.PORTAL_URL = "https://smartcities.example.tn"


@pytest.fixture
def project(db):
    return ProjectFactory(
        published=True,
        reference="TST-2025-900",
        title_fr="Éclairage public intelligent",
        title_ar="إنارة عمومية ذكية",
        title_en="Smart street lighting",
        stage=Stage.PLANNING,
    )


@pytest.fixture
def interest_data():
    """A valid expression of interest, as the form posts it."""
    return {
        "organisation": "Sahel Énergies SA",
        "country": "Tunisie",
        "investor_kind": "developer",
        "name": "Amel Ben Salah",
        "email": "amel@sahel-energies.tn",
        "phone": "+216 71 000 000",
        "message": "Nous souhaitons en savoir plus sur l'étude de faisabilité.",
        "consent": "on",
        "website": "",
        "started": abuse.form_started_token(),
    }


@pytest.fixture
def post_committed(client, django_capture_on_commit_callbacks):
    """POST through the test client, running what waits for the commit (the e-mail)."""

    def post(url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return post
