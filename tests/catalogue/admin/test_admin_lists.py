"""The municipality search box names each municipality's governorate; the project list keeps
to the columns a 1366 px screen shows without scrolling sideways."""

import pytest
from django.urls import reverse
from django.utils import translation

from municipalities.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)
    client.force_login(user)
    return client


def autocomplete(client, term, language="fr"):
    return client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "catalogue",
            "model_name": "project",
            "field_name": "municipality",
        },
        headers={"accept-language": language},
    )


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_municipality_search_results_name_the_governorate(staff_client, language):
    response = autocomplete(staff_client, "Sidi", language)
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    with translation.override(language):
        labels = {
            f"{m} ({m.governorate})" for m in Municipality.objects.select_related("governorate")
        }
    assert len(texts) > 10 and set(texts) <= labels
    if language == "ar":
        assert "(صفاقس)" in " ".join(labels)  # the governorate in the user's language


def test_municipality_search_costs_the_same_queries_for_one_or_many_results(
    staff_client, django_assert_max_num_queries
):
    # Session, user, then the page of municipalities with their governorates (one join)
    # and its count: no query per result for the governorate.
    one = Municipality.objects.order_by("code").first()
    with django_assert_max_num_queries(6) as one_result:
        assert len(autocomplete(staff_client, one.code).json()["results"]) >= 1
    with django_assert_max_num_queries(len(one_result)) as many_results:
        assert len(autocomplete(staff_client, "a").json()["results"]) == 20
    assert len(many_results) == len(one_result)


def test_project_list_shows_the_columns_that_fit_a_laptop_screen(staff_client):
    page = staff_client.get(reverse("admin:catalogue_project_changelist")).content.decode()
    for column in ("reference", "title_fr", "municipality", "sector", "stage", "status"):
        assert f"column-{column}" in page
    for column in ("governorate", "latest_decision", "updated_at"):
        assert f"column-{column}" not in page
    # The portal's admin stylesheet, which narrows the sidebars and wraps the cells.
    assert "/static/css/admin.css" in page
