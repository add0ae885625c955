"""Every admin page renders for a superuser, with a bounded number of queries."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProjectFactory, image_file

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
    from catalogue.services import project_submit, review_open
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
    assert any(r["text"] == "Gabès" for r in response.json()["results"])
