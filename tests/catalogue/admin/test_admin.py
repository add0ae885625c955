"""Every admin page renders for a superuser, with a bounded number of queries."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProjectFactory, image_file
from tests.helpers import history_changes

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"municipalities", "caravan", "catalogue"}
)
# The changelists stay under this whatever the number of rows (no N+1 queries).
MAX_QUERIES = 12


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)
    client.force_login(user)
    client.user = user
    return client


def test_the_admin_covers_every_model_of_the_three_apps():
    """Each model has its admin, or is edited inline in its parent's (history tables aside)."""
    from django.apps import apps

    inline_models = {
        (inline.model._meta.app_label, inline.model._meta.model_name)
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    models = {
        (m._meta.app_label, m._meta.model_name)
        for label in ("municipalities", "caravan", "catalogue")
        for m in apps.get_app_config(label).get_models()
        if not m.__name__.startswith("Historical")
    }
    assert models <= set(MODEL_ADMINS) | inline_models
    assert {("catalogue", "reviewgate"), ("catalogue", "reviewscore")} <= inline_models


@pytest.mark.parametrize("app_label, model_name", MODEL_ADMINS)
def test_changelist_renders_with_bounded_queries(staff_client, app_label, model_name):
    ProjectFactory.create_batch(5, published=True)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES, [q["sql"] for q in queries]


@pytest.mark.parametrize("app_label, model_name", MODEL_ADMINS)
def test_add_page_renders(staff_client, app_label, model_name, rf):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(app_label, model_name)]
    request = rf.get("/")
    request.user = staff_client.user
    response = staff_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # Reviews are opened from their project, never added blank.
    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize("app_label, model_name", MODEL_ADMINS)
def test_change_page_renders_with_bounded_queries(staff_client, app_label, model_name):
    from django.apps import apps

    from caravan.models import MunicipalityReview
    from caravan.services import municipality_review_prepare
    from catalogue.register.reviews import review_open
    from catalogue.register.services import project_submit
    from municipalities.models import FocalPoint, Municipality

    user = staff_client.user
    project = ProjectFactory()
    project_submit(project=project, user=user)
    review_open(project=project, user=user)
    municipality_review_prepare(
        review=MunicipalityReview(municipality=project.municipality), user=user
    )
    FocalPoint.objects.create(user=user, municipality=Municipality.objects.get(code="5111"))
    project.images.create(image=image_file(), caption_fr="Vue")
    project.documents.create(file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test"), title_fr="Étude")
    model = apps.get_model(app_label, model_name)
    obj = model.objects.order_by("pk").first()
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 25, [q["sql"] for q in queries]


def test_the_project_changelist_does_not_grow_with_rows(staff_client):
    url = reverse("admin:catalogue_project_changelist")
    ProjectFactory(published=True)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    ProjectFactory.create_batch(30, published=True)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(few) == len(many)


def test_the_admin_follows_the_users_language(staff_client):
    response = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ar")
    assert 'dir="rtl"' in response.text and 'lang="ar"' in response.text
    response = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="fr"' in response.text


def test_the_municipality_autocomplete_answers(staff_client):
    url = reverse("admin:autocomplete")
    response = staff_client.get(
        url,
        {
            "term": "gab",
            "app_label": "catalogue",
            "model_name": "project",
            "field_name": "municipality",
        },
    )
    assert response.status_code == 200
    assert any(r["text"] == "Gabès (Gabès)" for r in response.json()["results"])


# Audit history ---------------------------------------------------------------------------


def test_a_projects_history_names_its_workflow_status_in_the_users_language(client, team):
    import re

    from catalogue.models import Project

    project = ProjectFactory(reference="HIS-2026-001")
    Project.objects.get(pk=project.pk).save()  # a history record in the workflow's draft
    client.force_login(team["editor"])
    url = reverse("admin:catalogue_project_history", args=[project.pk])
    for language, column, label in (
        ("fr", "Statut de traitement", "Brouillon"),
        ("en", "Workflow status", "Draft"),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        cells = [
            " ".join(c.split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", page.text, re.S)
        ]
        assert column in cells and label in cells
        assert "draft" not in cells and "status" not in cells


def test_the_review_history_lists_the_changes_to_its_gates_and_scores(client, team):
    from catalogue.register import reviews, services
    from tests.helpers import change_form_data

    project = ProjectFactory()
    services.project_submit(project=project, user=team["focal"])
    review = reviews.review_open(project=project, user=team["committee"])
    client.force_login(team["committee"])
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    data = change_form_data(client.get(url))
    data["gates-0-passed"] = "true"
    data["gates-0-comment"] = "Statuts de la commune vérifiés."
    data["scores-0-score"] = "3"
    assert client.post(url, data).status_code == 302
    gate = review.gates.get(gate="g1")
    assert (gate.passed, gate.comment) == (True, "Statuts de la commune vérifiés.")
    # An editor may read the review's history, not change it.
    client.force_login(team["editor"])
    page = client.get(
        reverse("admin:catalogue_projectreview_history", args=[review.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    section = page.text[page.text.index('id="child-changes"') :]
    assert "Changes to gates and scores" in section
    assert "committee" in section and str(gate) in section
    changes = history_changes(section)
    assert ("Comment", "—", "Statuts de la commune vérifiés.") in changes
    assert ("Score (0–4)", "—", "3") in changes
    passed = next(c for c in changes if c[0] == "Passed")
    assert 'alt="None"' in passed[1] and 'alt="True"' in passed[2]
    # Untouched gates and scores, and the rows' creation, are not listed.
    assert len(changes) == 3


def test_the_municipality_review_history_lists_the_changes_to_its_dimension_scores(client, team):
    from caravan.models import MunicipalityReview
    from caravan.services import municipality_review_prepare
    from municipalities.models import Municipality
    from tests.helpers import change_form_data

    review = municipality_review_prepare(
        review=MunicipalityReview(municipality=Municipality.objects.get(code="5111")),
        user=team["committee"],
    )
    client.force_login(team["committee2"])
    url = reverse("admin:caravan_municipalityreview_change", args=[review.pk])
    data = change_form_data(client.get(url))
    data["dimension_scores-0-band"] = "3"
    data["dimension_scores-0-comment"] = "Plateforme de données ouverte."
    assert client.post(url, data).status_code == 302
    page = client.get(
        reverse("admin:caravan_municipalityreview_history", args=[review.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    section = page.text[page.text.index('id="child-changes"') :]
    assert "Changes to gates and dimension scores" in section and "committee2" in section
    changes = history_changes(section)
    assert ("Comment", "—", "Plateforme de données ouverte.") in changes
    assert len(changes) == 2
