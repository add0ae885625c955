"""History pages speak people's language: labels instead of codes, local time at the minute,
"—" for nothing (never "None")."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from catalogue.models import Project
from catalogue.register.choices import Status
from municipalities.choices import MunicipalStatus2016
from municipalities.models import Municipality
from smartcities.core.history_admin import EMPTY, history_value
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# 10:15:30.123456 UTC is 11:15 in Tunis (UTC+1 all year).
PUBLISHED_AT = datetime.datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=datetime.UTC)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)
    client.force_login(user)
    return client


def changes(page: str) -> list[tuple[str, str]]:
    """The "old → new" lines of a history page, newest first: (field label, values)."""
    found = []
    for item in re.findall(r"<li>\s*<strong>(.*?)</strong>(.*?)</li>", page, re.S):
        label, values = (html.unescape(re.sub(r"<[^>]+>", " ", part)) for part in item)
        values = re.sub(r"\s+", " ", values.replace("\xa0", " ")).strip()
        found.append((label.strip().rstrip(":"), values))
    return found


def label(field_name: str) -> str:
    with translation.override("fr"):
        return str(Project._meta.get_field(field_name).verbose_name).capitalize()


def published_project() -> Project:
    """A draft project saved without a user, then published (two history records)."""
    project = ProjectFactory()
    project.status = Status.PUBLISHED
    project.published_at = PUBLISHED_AT
    project.featured = True
    project.description_ar = "وصف المشروع"
    project.save()
    return project


def test_project_history_shows_labels_local_time_and_dashes_in_french(staff_client):
    project = published_project()
    url = reverse("admin:catalogue_project_history", args=[project.pk])
    page = staff_client.get(url, headers={"accept-language": "fr"}).content.decode()
    found = dict(changes(page))
    assert found[label("status")] == "Brouillon → Publié"
    assert found[label("published_at")] == "— → 1 mars 2026 11:15"
    assert found[label("featured")] == "Non → Oui"
    # A translated field is named with its language.
    assert found["Description [ar]"] == "— → وصف المشروع"
    text = " ".join(found.values())
    assert "published" not in text and "None" not in page and ".123456" not in text


def test_project_history_in_arabic_shows_arabic_labels(staff_client):
    project = published_project()
    url = reverse("admin:catalogue_project_history", args=[project.pk])
    page = staff_client.get(url, headers={"accept-language": "ar"}).content.decode()
    with translation.override("ar"):
        draft, published = str(Status.DRAFT.label), str(Status.PUBLISHED.label)
    assert published != "Published"  # the catalogue has the Arabic label
    # The arrow from the old value to the new one points the way Arabic reads.
    assert f"{draft} ← {published}" in dict(changes(page)).values()
    assert "None" not in page
    # Saved outside a request: "changed by" is a dash, not a word for nobody.
    table = page[page.index('id="change-history"') :]
    assert re.search(r"<td>\s*&mdash;\s*</td>", table)


def test_municipality_history_without_a_user_shows_a_dash_and_the_status_label(staff_client):
    municipality = Municipality.objects.get(code="5111")
    municipality.status_2016 = MunicipalStatus2016.EXTENDED
    municipality.save()
    municipality.status_2016 = MunicipalStatus2016.NEW
    municipality.save()
    url = reverse("admin:municipalities_municipality_history", args=[municipality.pk])
    page = staff_client.get(url, headers={"accept-language": "fr"}).content.decode()
    with translation.override("fr"):
        old, extended, new = (str(s.label) for s in MunicipalStatus2016)
    assert [values for _label, values in changes(page)] == [
        f"{extended} → {new}",
        f"{old} → {extended}",
    ]
    assert "None" not in page
    # The "changed by" cell of a change made outside a request (a script, an import).
    table = page[page.index('id="change-history"') :]
    assert re.search(r"<td>\s*&mdash;\s*</td>", table)


def test_history_value_reads_like_the_change_form():
    field = Project._meta.get_field
    with translation.override("fr"):
        assert history_value(field("status"), "in_review") == str(Status.IN_REVIEW.label)
        assert history_value(field("published_at"), PUBLISHED_AT) == "1 mars 2026 11:15"
        assert history_value(field("published_at"), None) == EMPTY
        assert history_value(field("summary_fr"), "") == EMPTY
        assert history_value(field("featured"), False) == "Non"
        assert history_value(field("municipality"), Municipality(name_fr="Ariana")) == "Ariana"
        assert history_value(field("ministries"), []) == EMPTY
