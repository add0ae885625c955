"""End to end in the admin: a project goes from a focal point's draft to the public catalogue."""

import re

import pytest
from django.contrib.auth.models import Group

from catalogue.models import Project
from catalogue.register.roles import COMMITTEE, EDITOR, FOCAL_POINT
from municipalities.models import FocalPoint, Municipality

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tunis-Smart-2026!"


@pytest.fixture
def people(portal, django_user_model):
    people = {}
    for username, role in (("focal", FOCAL_POINT), ("committee", COMMITTEE), ("editor", EDITOR)):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        people[username] = user
    FocalPoint.objects.create(
        user=people["focal"], municipality=Municipality.objects.get(code="5111")
    )
    return people


CSP_VIOLATIONS = []


def sign_in(browser, portal, username):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(f"{portal}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


def run_action(page, portal, reference, action):
    page.goto(f"{portal}/admin/catalogue/project/?q={reference}")
    page.check("input.action-select")
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")
    page.wait_for_selector("input[name=confirm]", state="attached")
    with page.expect_navigation():
        page.click("input[type=submit][value]")  # the confirmation page's "Yes, confirm"
    page.wait_for_load_state()


def test_a_project_goes_from_a_focal_points_draft_to_the_public_catalogue(
    portal, browser, people, screenshot
):
    # 1. The focal point of Gabès drafts the project and submits it.
    page = sign_in(browser, portal, "focal")
    page.goto(f"{portal}/admin/catalogue/project/add/")
    page.fill("#id_reference", "GAB-2026-001")
    page.fill("#id_title_fr", "Éclairage public intelligent de Gabès")
    page.fill("#id_title_ar", "الإنارة العمومية الذكية بقابس")
    page.fill("#id_summary_fr", "Remplacement de l'éclairage public par des LED pilotées.")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/catalogue/project/$"))
    project = Project.objects.get(reference="GAB-2026-001")
    assert project.municipality.code == "5111" and project.status == "draft"
    run_action(page, portal, "GAB-2026-001", "submit_projects")
    assert Project.objects.get(pk=project.pk).status == "submitted", page.locator(
        ".messagelist, .errornote, main"
    ).first.inner_text()
    page.context.close()

    # 2. A committee member screens it and decides it is eligible.
    page = sign_in(browser, portal, "committee")
    run_action(page, portal, "GAB-2026-001", "open_reviews")
    review = project.reviews.get()
    page.goto(f"{portal}/admin/catalogue/projectreview/{review.pk}/change/")
    for index in range(review.gates.count()):
        page.check(f"#id_gates-{index}-passed_0")  # passes
        page.fill(f"#id_gates-{index}-comment", "Vérifié.")
    for index in range(review.scores.count()):
        page.check(f"#id_scores-{index}-score_3")
    assert page.locator(".review-total__score").inner_text() == "75"
    page.fill("#id_public_summary_fr", "Projet éligible comme contrat de PPP.")
    page.select_option("#id_decide", "eligible_ppp")
    screenshot(page, "admin-review")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.wait_for_load_state()
    review.refresh_from_db()
    assert review.decision == "eligible_ppp", page.locator(
        ".errorlist, .messagelist"
    ).all_inner_texts()
    page.context.close()

    # 3. An editor publishes it.
    page = sign_in(browser, portal, "editor")
    page.goto(f"{portal}/admin/")
    screenshot(page, "admin-dashboard")
    run_action(page, portal, "GAB-2026-001", "publish_projects")
    assert Project.objects.get(pk=project.pk).status == "published"
    page.context.close()

    # 4. Anyone finds it in the public catalogue, with its screening outcome.
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{portal}/fr/catalogue/?q=eclairage+gabes")
    page.get_by_role("link", name="Éclairage public intelligent de Gabès").click()
    page.wait_for_url(re.compile(r"/fr/catalogue/GAB-2026-001/"))
    assert "Projet éligible comme contrat de PPP." in page.locator("main").inner_text()
    screenshot(page, "published-project-fr")
    context.close()
    assert not CSP_VIOLATIONS, "the admin pages respect the Content-Security-Policy"
