"""The catalogue on a phone: the results first, the filters behind one control that
works with and without JavaScript; on a wide screen the filters stay in view."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def phone(request, browser):
    """A phone-sized page, with JavaScript on or off."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=request.param)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_on_a_phone_the_results_come_first_and_the_filters_open_from_one_control(
    portal, phone, screenshot, language
):
    page = phone
    page.goto(f"{portal}/{language}/catalogue/")
    first_card = page.locator(".project-card").first.bounding_box()
    assert first_card["y"] < PHONE["height"]  # a result above the fold
    assert not page.locator("#filters").is_visible()
    control = page.locator(".filters-toggle summary")
    assert control.is_visible() and control.bounding_box()["y"] < first_card["y"]
    screenshot(page, f"phone-catalogue-{language}")

    control.click()
    assert page.locator("#id_sector").is_visible()
    page.select_option("#id_sector", "economy")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"sector=economy"))

    assert page.locator(".project-card").count() == 1  # the free commercial zone of Hazoua
    # Back to the results first, the filter in force said beside them and on the control.
    assert not page.locator("#filters").is_visible()
    assert page.locator(".chips .chip").first.is_visible()
    assert page.locator(".filters-toggle__count").inner_text().strip().endswith("1")
    assert page.locator(".project-card").first.bounding_box()["y"] < PHONE["height"]
    screenshot(page, f"phone-catalogue-{language}-filtered")


def test_on_a_wide_screen_the_filters_stay_in_view_without_the_control(portal, page):
    page.goto(f"{portal}/fr/catalogue/")
    assert page.locator("#filters").is_visible()
    assert not page.locator(".filters-toggle summary").is_visible()
    filters = page.locator("#filters").bounding_box()
    results = page.locator(".catalogue__results").bounding_box()
    assert filters["x"] < results["x"]  # beside the results, at the start of the line


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_phone_catalogue_has_no_serious_accessibility_violations(
    portal, browser, axe, language
):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # axe is injected
    page = context.new_page()
    page.goto(f"{portal}/{language}/catalogue/?sector=economy")
    assert axe(page) == []
    page.locator(".filters-toggle summary").click()
    assert axe(page) == []
    context.close()
