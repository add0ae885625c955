"""The territory's admin: who may read and edit it, and what an edit leaves in history.

(Every admin page renders with bounded queries: tests/catalogue/admin/test_admin.py.)
"""

import pytest
from django.test import Client
from django.urls import reverse

from municipalities.models import FocalPoint, Municipality
from tests.factories import (
    CommitteeMemberFactory,
    EditorFactory,
    FocalPointUserFactory,
    StaffFactory,
    SuperuserFactory,
    municipality,
)
from tests.helpers import change_form_data, history_changes

pytestmark = pytest.mark.django_db

CHANGE = "admin:municipalities_municipality_change"

ROLE_FACTORIES = {
    "editor": EditorFactory,
    "committee": CommitteeMemberFactory,
    "focal": FocalPointUserFactory,
    "no role": StaffFactory,
}


@pytest.mark.parametrize(
    "role, can_read, can_edit",
    [("editor", True, True), ("committee", True, False), ("focal", True, False)]
    + [("no role", False, False)],
)
def test_who_reads_and_who_edits_a_municipality(client, role, can_read, can_edit):
    client.force_login(ROLE_FACTORIES[role]())
    gabes = municipality("5111")
    url = reverse(CHANGE, args=[gabes.pk])
    page = client.get(url)
    assert page.status_code == (200 if can_read else 403)
    data = _root_form(url)  # what a user who may edit it would send back
    data["website"] = "https://www.commune-gabes.gov.tn/"
    response = client.post(url, data)
    assert response.status_code == (302 if can_edit else 403)
    saved = municipality("5111").website
    assert saved == ("https://www.commune-gabes.gov.tn/" if can_edit else "")


def _root_form(url):
    root = Client()
    root.force_login(SuperuserFactory())
    return change_form_data(root.get(url))


def test_a_municipality_edit_is_kept_with_who_made_it_and_shown_in_its_history(client):
    editor = EditorFactory()
    client.force_login(editor)
    gabes = municipality("5111")
    url = reverse(CHANGE, args=[gabes.pk])
    data = change_form_data(client.get(url))
    data["seats_2018"] = str(gabes.seats_2018 + 2)
    data["website"] = "https://www.commune-gabes.gov.tn/"
    assert client.post(url, data).status_code == 302
    latest = gabes.history.first()
    assert latest.website == "https://www.commune-gabes.gov.tn/"
    assert latest.history_user == editor
    page = client.get(
        reverse("admin:municipalities_municipality_history", args=[gabes.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    changes = history_changes(page.text)
    seats = ("Council seats (2018 election)", str(gabes.seats_2018), str(gabes.seats_2018 + 2))
    assert seats in changes
    assert ("Website", "—", "https://www.commune-gabes.gov.tn/") in changes
    assert editor.username in page.text


def test_an_official_code_stays_in_its_format(client):
    client.force_login(EditorFactory())
    gabes = municipality("5111")
    url = reverse(CHANGE, args=[gabes.pk])
    data = change_form_data(client.get(url))
    data["code"] = "5100"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "DGCL municipal code has four digits" in str(response.context["adminform"].form.errors)
    assert municipality("5111").code == "5111"


def test_the_governorate_list_counts_their_municipalities(client):
    client.force_login(EditorFactory())
    response = client.get(reverse("admin:municipalities_governorate_changelist"))
    counts = {row.code_ins: row._municipality_count for row in response.context["cl"].result_list}
    assert len(counts) == 24
    assert sum(counts.values()) == Municipality.objects.count()
    assert counts["51"] == Municipality.objects.filter(governorate__code_ins="51").count()


@pytest.mark.parametrize("query", ["5111", "Gabès", "قابس"])
def test_the_municipality_list_finds_by_code_and_by_name(client, query):
    client.force_login(EditorFactory())
    response = client.get(reverse("admin:municipalities_municipality_changelist"), {"q": query})
    codes = {m.code for m in response.context["cl"].result_list}
    assert "5111" in codes


def test_an_editor_names_a_focal_point(client):
    client.force_login(EditorFactory())
    user = StaffFactory()
    response = client.post(
        reverse("admin:municipalities_focalpoint_add"),
        {"user": user.pk, "municipality": municipality("3411").pk},
    )
    assert response.status_code == 302
    assert FocalPoint.objects.get(user=user).municipality.code == "3411"
