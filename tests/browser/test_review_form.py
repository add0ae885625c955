"""The review form, as a committee member fills it in: gates, then criteria with what each
score means, then the weighted result, then the decision; in French and in Arabic."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from catalogue.models import ProjectReview
from catalogue.register import reviews, services
from catalogue.register.choices import ContractModel, Decision
from catalogue.register.roles import COMMITTEE, FOCAL_POINT
from municipalities.models import FocalPoint, Municipality
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tunis-Smart-2026!"


@pytest.fixture
def open_review(portal, django_user_model):
    """A project submitted by Gabès's focal point, taken into review by a committee member."""
    focal = django_user_model.objects.create_user("focal", password=PASSWORD, is_staff=True)
    focal.groups.add(Group.objects.get(name=FOCAL_POINT))
    FocalPoint.objects.create(user=focal, municipality=Municipality.objects.get(code="5111"))
    member = django_user_model.objects.create_user("committee", password=PASSWORD, is_staff=True)
    member.groups.add(Group.objects.get(name=COMMITTEE))
    project = ProjectFactory(municipality=Municipality.objects.get(code="5111"))
    services.project_submit(project=project, user=django_user_model.objects.get(pk=focal.pk))
    return reviews.review_open(project=project, user=django_user_model.objects.get(pk=member.pk))


def review_page(browser, portal, review, language):
    context = browser.new_context(
        locale=language,
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(f"{portal}/admin/login/")
    page.fill("#id_username", "committee")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{portal}/admin/")
    page.goto(f"{portal}/admin/catalogue/projectreview/{review.pk}/change/")
    return page


def top(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def names_cut_off(page) -> list[str]:
    """The row names (gates, criteria) that do not show in full."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.review-row__name')]
            .filter((h) => h.scrollWidth > h.clientWidth + 1 || h.scrollHeight > h.clientHeight + 1)
            .map((h) => h.textContent)"""
    )


def test_a_reviewer_fills_gates_then_criteria_sees_the_result_then_decides(
    browser, portal, open_review, screenshot
):
    review = open_review
    page = review_page(browser, portal, review, "fr")

    # The page reads top to bottom in the order of the work.
    gates, criteria = top(page, "#gates-heading"), top(page, "#scores-heading")
    result = top(page, ".review-total")
    decision = top(page, "#id_decide")
    assert gates < criteria < result < decision
    # Each gate and criterion is named once, in full.
    for gate in review.gates.all():
        assert page.get_by_text(str(gate.get_gate_display()), exact=True).count() == 1
    assert not names_cut_off(page)
    # Each score says what it means for this criterion.
    first = review.scores.select_related("criterion").first()
    meaning = first.criterion.score_meanings()[4]
    assert page.locator("#scores-0").get_by_text(meaning).count() == 1

    # 1. Gates.
    for index in range(review.gates.count()):
        page.check(f"#id_gates-{index}-passed_0")  # passes
        page.fill(f"#id_gates-{index}-comment", "Vérifié sur pièces.")
    # 2. Criteria: the weighted result follows each score.
    assert page.locator(".review-total__score").inner_text() == "—"
    page.check("#id_scores-0-score_4")
    assert page.locator(".review-total__score").inner_text() == "100"
    for index in range(1, review.scores.count()):
        page.check(f"#id_scores-{index}-score_3")
    # 3. The weighted result: 75 / 100, above the eligibility threshold.
    assert float(page.locator(".review-total__score").inner_text()) > 75
    assert page.locator(".review-total").get_attribute("data-band") == "eligible"
    with translation.override("fr"):
        concession = review.project.contract_model == ContractModel.CONCESSION
        proposed = Decision.ELIGIBLE_CONCESSION if concession else Decision.ELIGIBLE_PPP
        expected, not_eligible = str(proposed.label), str(Decision.NOT_ELIGIBLE.label)
    assert page.locator(".review-total__outcome").inner_text() == expected
    # A failed gate means not eligible, whatever the score.
    page.check("#id_gates-0-passed_1")
    assert page.locator(".review-total__outcome").inner_text() == not_eligible
    page.check("#id_gates-0-passed_0")
    # 4. The decision, with its public summary.
    page.fill("#id_public_summary_fr", "Projet éligible comme contrat de PPP.")
    page.select_option("#id_decide", "eligible_ppp")
    screenshot(page, "review-form-fr")
    with page.expect_navigation():
        page.click("input[name=_save]")
    review = ProjectReview.objects.get(pk=review.pk)
    assert review.decision == "eligible_ppp", page.locator(".messagelist").all_inner_texts()
    assert review.gates_passed() and review.score > 75
    page.context.close()


def test_the_arabic_review_form_reads_right_to_left_in_the_same_order(
    browser, portal, open_review, screenshot
):
    page = review_page(browser, portal, open_review, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    gates, criteria = top(page, "#gates-heading"), top(page, "#scores-heading")
    assert gates < criteria < top(page, ".review-total") < top(page, "#id_decide")
    assert not names_cut_off(page)
    # A row's name starts on the right, as its text runs.
    name = page.locator(".review-row__name").first.bounding_box()
    content = page.locator("#gates-group").bounding_box()
    assert content["x"] + content["width"] - (name["x"] + name["width"]) < 40
    screenshot(page, "review-form-ar")
    page.context.close()
