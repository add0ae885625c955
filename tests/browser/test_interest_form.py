"""An investor fills the expression of interest form in French and in Arabic (right to
left), in a real Chromium; the form's errors, the stored row and the acknowledgement."""

import re

import pytest
from django.core import mail

from catalogue.engagement.models import ExpressionOfInterest
from catalogue.register.choices import Stage
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(portal, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ENGAGEMENT_MIN_FILL_SECONDS = 1
    return ProjectFactory(
        published=True,
        reference="TST-2025-950",
        title_fr="Gestion intelligente des déchets",
        title_ar="تصرف ذكي في النفايات",
        stage=Stage.ANNOUNCED,
    )


@pytest.mark.parametrize(
    ("language", "organisation", "name", "message"),
    [
        ("fr", "Énergies du Sud SARL", "Karim Trabelsi", "Nous exploitons déjà trois centres."),
        ("ar", "شركة الجنوب للطاقة", "كريم الطرابلسي", "نرغب في معرفة المزيد عن الدراسة."),
    ],
)
def test_an_investor_fills_the_form(
    page, portal, project, screenshot, language, organisation, name, message
):
    page.goto(f"{portal}/{language}/catalogue/{project.reference}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    page.click(f"a[href$='/catalogue/{project.reference}/interest/']")
    page.wait_for_url(re.compile(r"/interest/$"))
    # The robot trap is out of sight (people leave it empty).
    assert not page.locator("input[name=website]").is_visible()
    screenshot(page, f"interest-form-{language}")

    # Sent empty: each required field says so, and nothing is stored.
    page.wait_for_timeout(1100)  # the minimum time to fill the form
    with page.expect_navigation():
        page.click("form.engagement-form button[type=submit]")
    assert page.locator(".errorlist").count() >= 6
    screenshot(page, f"interest-form-errors-{language}")

    page.fill("input[name=organisation]", organisation)
    page.fill("input[name=country]", "تونس" if language == "ar" else "Tunisie")
    page.select_option("select[name=investor_kind]", "operator")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", "karim@energies-sud.tn")
    page.fill("input[name=phone]", "+216 98 000 000")
    page.fill("textarea[name=message]", message)
    page.check("input[name=consent]")
    page.wait_for_timeout(1100)
    with page.expect_navigation():
        page.click("form.engagement-form button[type=submit]")

    page.wait_for_url(re.compile(r"/interest/sent/$"))
    screenshot(page, f"interest-sent-{language}")
    interest = ExpressionOfInterest.objects.get()
    assert (interest.organisation, interest.name, interest.language) == (
        organisation,
        name,
        language,
    )
    acknowledgement = next(m for m in mail.outbox if m.to == ["karim@energies-sud.tn"])
    assert organisation in acknowledgement.body
    assert acknowledgement.extra_headers["Content-Language"] == language

    # The project page now counts it, and shows nobody's name.
    page.goto(f"{portal}/{language}/catalogue/{project.reference}/")
    assert page.locator(".engagement-actions__count strong").inner_text() == "1"
    assert organisation not in page.content()
