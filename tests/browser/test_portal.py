"""The public portal in a real browser: filtering, languages, the map, accessibility."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filtering_the_catalogue_through_the_form_changes_the_results(portal, page):
    page.goto(f"{portal}/fr/catalogue/")
    before = page.locator(".result-count").inner_text()
    page.select_option("#id_sector", "economy")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"sector=economy"))
    after = page.locator(".result-count").inner_text()
    assert after != before
    assert page.locator(".project-card").count() == 1  # the free commercial zone of Hazoua
    assert page.locator(".chip").first.is_visible()
    # Removing the chip brings every project back.
    page.locator(".chips a.chip").first.click()
    assert page.locator(".result-count").inner_text() == before


def test_text_search_from_the_home_page_finds_gabes_in_arabic(portal, page):
    page.goto(f"{portal}/ar/")
    page.fill("#home-q", "قابس")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ar/catalogue/\?q="))
    titles = page.locator(".project-card .card__title").all_inner_texts()
    assert "قابس، الواحة الذكية" in titles


def test_switching_to_arabic_lays_the_page_out_right_to_left(portal, page):
    page.goto(f"{portal}/fr/catalogue/GAB-2020-001/")
    assert page.get_attribute("html", "dir") == "ltr"
    page.locator(".language-switcher a[lang=ar]").click()
    page.wait_for_url(re.compile(r"/ar/catalogue/GAB-2020-001/"))
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert page.locator("h1").inner_text() == "قابس، الواحة الذكية"
    # Right to left for real: the brand sits on the right of the header.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 1280 / 2


def test_opening_a_project_from_the_map(portal, page):
    page.goto(f"{portal}/fr/")
    page.locator('a.map__region[href*="governorate=gabes"]').click()
    page.wait_for_url(re.compile(r"governorate=gabes"))
    page.get_by_role("link", name=re.compile("oasis intelligente", re.I)).first.click()
    page.wait_for_url(re.compile(r"/fr/catalogue/GAB-2020-00[12]/"))
    assert "oasis" in page.locator("h1").inner_text().lower()


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_main_pages_have_no_serious_accessibility_violations(
    portal, audit_page, axe, screenshot, language
):
    page = audit_page
    pages = {
        "home": f"/{language}/",
        "catalogue": f"/{language}/catalogue/?sector=economy",
        "project": f"/{language}/catalogue/GAB-2020-001/",
        "municipality": f"/{language}/municipalities/gabes/",
        "caravan": f"/{language}/caravan/2/",
    }
    problems = {}
    for name, path in pages.items():
        page.goto(f"{portal}{path}")
        screenshot(page, f"{name}-{language}")
        violations = axe(page)
        if violations:
            problems[name] = violations
    assert problems == {}


@pytest.mark.parametrize("path", ["/fr/", "/ar/catalogue/", "/fr/catalogue/GAB-2020-001/"])
def test_pages_fit_a_360_pixel_phone(portal, browser, screenshot, path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{portal}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "phone" + path.replace("/", "-").rstrip("-"))
    context.close()
    assert width <= 360
