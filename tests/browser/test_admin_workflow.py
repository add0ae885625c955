"""The workflow buttons of a project's admin page, clicked through in a real browser."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from catalogue.models import Project
from catalogue.register.choices import Status
from catalogue.register.roles import EDITOR, FOCAL_POINT
from municipalities.models import FocalPoint, Municipality
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tunis-Smart-2026!"


@pytest.fixture
def people(portal, django_user_model):
    people = {}
    for username, role in (("focal", FOCAL_POINT), ("editor", EDITOR)):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        people[username] = user
    FocalPoint.objects.create(
        user=people["focal"], municipality=Municipality.objects.get(code="5111")
    )
    return people


def sign_in(browser, portal, username, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{portal}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return page, violations


def test_a_focal_point_submits_a_draft_from_its_page(browser, portal, people, screenshot):
    project = ProjectFactory(reference="GAB-2026-201", title_fr="Parking intelligent")
    page, violations = sign_in(browser, portal, "focal", "fr-FR")
    page.goto(f"{portal}/admin/catalogue/project/{project.pk}/change/")
    steps = page.locator(".workflow-steps a.button")
    assert steps.all_inner_texts() == ["Soumettre pour examen"]
    screenshot(page, "admin-project-workflow-fr")
    steps.first.click()
    page.wait_for_selector("#workflow-step-form")
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT
    page.click("#workflow-step-form input[type=submit]")
    page.wait_for_url(re.compile(rf"/admin/catalogue/project/{project.pk}/change/$"))
    assert page.locator(".messagelist .success").count() == 1
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED
    # Submitted: nothing left for a focal point to do on it.
    assert page.locator(".workflow-steps a.button").count() == 0
    assert not violations


def test_an_editor_withdraws_a_project_giving_the_reason_on_one_screen(
    browser, portal, people, screenshot
):
    project = ProjectFactory(
        reference="GAB-2026-202", status=Status.PUBLISHED, published_at=timezone.now()
    )
    page, violations = sign_in(browser, portal, "editor", "ar-TN")
    page.goto(f"{portal}/admin/catalogue/project/{project.pk}/change/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "admin-project-workflow-ar")
    page.click(f".workflow-steps a[href$='/{project.pk}/workflow/withdraw/']")
    page.wait_for_selector("#id_reason")
    screenshot(page, "admin-project-withdraw-ar")
    page.fill("#id_reason", "مشروع مكرر")
    page.click("#workflow-step-form input[type=submit]")
    page.wait_for_url(re.compile(rf"/admin/catalogue/project/{project.pk}/change/$"))
    project.refresh_from_db()
    assert (project.status, project.withdrawn_reason) == (Status.WITHDRAWN, "مشروع مكرر")
    assert not violations


def test_an_import_names_the_published_projects_it_would_change_before_it_does(
    browser, portal, people, screenshot, tmp_path
):
    from catalogue.outputs.exports import csv_chunks

    published = ProjectFactory(
        reference="GAB-2026-203", status=Status.PUBLISHED, published_at=timezone.now()
    )
    draft = ProjectFactory(reference="GAB-2026-204")
    exported = "".join(csv_chunks(Project.objects.filter(pk__in=[published.pk, draft.pk])))
    revised = tmp_path / "revision.csv"
    revised.write_text(exported.replace("Projet d'essai", "Projet révisé"), encoding="utf-8")
    page, violations = sign_in(browser, portal, "editor", "fr-FR")
    page.goto(f"{portal}/admin/catalogue/project/import/")
    page.set_input_files("input[name=import_file]", str(revised))
    page.click("form[enctype] input[type=submit]")
    page.wait_for_selector(".import-published")
    listed = page.inner_text(".import-published")
    assert published.reference in listed and draft.reference not in listed
    screenshot(page, "admin-import-published-fr")
    assert Project.objects.get(pk=published.pk).title_fr == published.title_fr  # not yet
    assert not violations
