"""The caravan's admin: who edits the programme, and the edition page with its stops.

(Every admin page renders with bounded queries: tests/catalogue/admin/test_admin.py;
municipality reviews: tests/caravan/test_reviews.py.)
"""

import pytest
from django.urls import reverse

from caravan.models import Edition, Ministry
from tests.factories import (
    CommitteeMemberFactory,
    EditionFactory,
    EditorFactory,
    FocalPointUserFactory,
    StopFactory,
)
from tests.helpers import change_form_data

pytestmark = pytest.mark.django_db


def test_the_edition_list_counts_the_stops(client):
    StopFactory.create_batch(3, edition=EditionFactory())
    client.force_login(EditorFactory())
    response = client.get(reverse("admin:caravan_edition_changelist"))
    counts = {e.number: e._stop_count for e in response.context["cl"].result_list}
    assert counts == {2: 14, 3: 3}


def test_an_editor_moves_a_stop_to_the_end_of_the_tour(client):
    client.force_login(EditorFactory())
    edition = Edition.objects.get(number=2)
    url = reverse("admin:caravan_edition_change", args=[edition.pk])
    data = change_form_data(client.get(url))
    # The inline lists the stops in tour order.
    assert [data[f"stops-{n}-order"] for n in range(14)] == [str(n) for n in range(1, 15)]
    data["stops-0-order"] = "15"
    assert client.post(url, data).status_code == 302
    tour = list(edition.stops.values_list("municipality__code", flat=True))
    assert tour[0] == "4211" and tour[-1] == "4212"


def test_two_stops_of_an_edition_cannot_share_an_order(client):
    client.force_login(EditorFactory())
    edition = Edition.objects.get(number=2)
    url = reverse("admin:caravan_edition_change", args=[edition.pk])
    data = change_form_data(client.get(url))
    data["stops-1-order"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    assert edition.stops.get(order=2).municipality.code == "4211"


def test_the_stop_inline_offers_every_municipality_with_its_governorate(client):
    client.force_login(EditorFactory())
    edition = Edition.objects.get(number=2)
    page = client.get(reverse("admin:caravan_edition_change", args=[edition.pk]))
    choices = page.context["inline_admin_formsets"][0].formset.forms[0].fields["municipality"]
    labels = [label for _value, label in choices.choices]
    assert len(labels) == 351  # the empty choice and the 350 municipalities
    assert "Gabès (Gabès)" in labels


@pytest.mark.parametrize(
    "factory, can_edit",
    [(EditorFactory, True), (CommitteeMemberFactory, False), (FocalPointUserFactory, False)],
)
def test_only_editors_edit_the_ministries(client, factory, can_edit):
    client.force_login(factory())
    ministry = Ministry.objects.get(acronym="MF")
    url = reverse("admin:caravan_ministry_change", args=[ministry.pk])
    assert client.get(url).status_code == 200
    data = {
        "acronym": "MF",
        "slug": "finances",
        "name_fr": ministry.name_fr,
        "name_ar": ministry.name_ar,
        "name_en": ministry.name_en,
        "website": "https://www.finances.gov.tn/",
        "display_order": ministry.display_order,
    }
    response = client.post(url, data)
    assert response.status_code == (302 if can_edit else 403)
    ministry.refresh_from_db()
    assert (ministry.website == "https://www.finances.gov.tn/") == can_edit
