"""The workflow steps as buttons on a project's admin page: only the steps the user may take
now, each with one confirmation screen, the service called on POST, refusals as messages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Project
from catalogue.register.choices import Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def step_url(project, step):
    return reverse("admin:catalogue_project_workflow", args=[project.pk, step])


def change_url(project):
    return reverse("admin:catalogue_project_change", args=[project.pk])


def buttons(client, project):
    return [url for _label, url in client.get(change_url(project)).context["workflow_buttons"]]


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("focal", Status.DRAFT, ["submit"]),
        ("focal", Status.SUBMITTED, []),
        ("focal", Status.PUBLISHED, ["confirm_current"]),
        ("editor", Status.DRAFT, ["submit"]),
        ("editor", Status.ELIGIBLE, ["publish"]),
        ("editor", Status.PUBLISHED, ["withdraw", "confirm_current"]),
        ("editor", Status.WITHDRAWN, ["restore"]),
        ("committee", Status.SUBMITTED, ["review"]),
        ("committee", Status.PUBLISHED, []),
    ],
)
def test_the_page_offers_only_the_steps_the_user_may_take_now(client, team, role, status, expected):
    once_published = {"published_at": timezone.now(), "withdrawn_reason": "Doublon"}
    project = ProjectFactory(
        status=status,
        **(once_published if status == Status.WITHDRAWN else {}),
        published=status == Status.PUBLISHED,
    )
    client.force_login(team[role])
    assert buttons(client, project) == [step_url(project, step) for step in expected]


def test_a_step_asks_for_confirmation_then_runs_the_service(client, team):
    project = ProjectFactory()
    client.force_login(team["focal"])
    page = client.get(step_url(project, "submit"))
    assert page.status_code == 200 and project.reference in page.text
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT  # a GET changes nothing
    response = client.post(step_url(project, "submit"))
    assert response.status_code == 302 and response.url == change_url(project)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


def test_withdrawing_asks_for_a_reason_on_the_same_screen(client, team):
    project = ProjectFactory(published=True)
    client.force_login(team["editor"])
    page = client.get(step_url(project, "withdraw"))
    assert 'name="reason"' in page.text
    refused = client.post(step_url(project, "withdraw"), {"reason": "  "})
    assert refused.status_code == 200 and "errorlist" in refused.text
    assert Project.objects.get(pk=project.pk).status == Status.PUBLISHED
    done = client.post(step_url(project, "withdraw"), {"reason": "Projet abandonné"})
    assert done.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.withdrawn_reason) == (Status.WITHDRAWN, "Projet abandonné")


def test_a_step_the_user_may_not_take_is_a_message_never_an_error_page(client, team):
    project = ProjectFactory(status=Status.SUBMITTED)
    client.force_login(team["focal"])
    for method in (client.get, client.post):
        response = method(step_url(project, "publish"))
        assert response.status_code == 302 and response.url == change_url(project)
        assert {m.level_tag for m in get_messages(response.wsgi_request)} == {"error"}
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_a_refusal_of_the_service_is_a_message(client, team):
    # Eligible, but without an eligible review: the service refuses to publish.
    project = ProjectFactory(status=Status.ELIGIBLE)
    client.force_login(team["editor"])
    response = client.post(step_url(project, "publish"))
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert Project.objects.get(pk=project.pk).status == Status.ELIGIBLE


def test_opening_a_review_leads_to_the_review_page(client, team):
    project = ProjectFactory(status=Status.SUBMITTED)
    client.force_login(team["committee"])
    response = client.post(step_url(project, "review"))
    review = project.reviews.get()
    assert response.url == reverse("admin:catalogue_projectreview_change", args=[review.pk])
    # Deciding is done on that page: the project's button leads there.
    assert reverse("admin:catalogue_projectreview_change", args=[review.pk]) in buttons(
        client, project
    )


@pytest.mark.parametrize("step", ["nonsense", "decide"])
def test_an_unknown_step_or_another_municipality_is_not_found(client, team, step):
    client.force_login(team["focal"])
    assert client.get(step_url(ProjectFactory(), step)).status_code == 404
    elsewhere = ProjectFactory(municipality=Municipality.objects.get(code="3411"))
    assert client.post(step_url(elsewhere, "submit")).status_code == 404
    assert Project.objects.get(pk=elsewhere.pk).status == Status.DRAFT
