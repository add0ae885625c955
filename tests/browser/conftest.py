"""Browser tests: a real Chromium (Debian's package) driven by Playwright.

Playwright's synchronous API runs an event loop in the test thread; the Django ORM calls
the tests make there are safe (nothing else uses the thread), hence the flag below.
"""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    mp = pytest.MonkeyPatch()
    mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
    mp.undo()


@pytest.fixture
def page(browser):
    """A page under the portal's real Content-Security-Policy; a violation fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not violations, violations


@pytest.fixture
def audit_page(browser):
    """A page where axe-core may be injected (the CSP, rightly, forbids inline scripts)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def portal(live_server, transactional_db):
    """The live portal with the shipped data (a transactional test starts from empty tables)."""
    call_command("load_reference_data", verbosity=0)
    return live_server.url


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


@pytest.fixture
def axe():
    """Run axe-core in the page and return its serious and critical violations."""
    source = AXE.read_text(encoding="utf-8")

    def check(page):
        page.add_script_tag(content=source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [node["target"] for node in violation["nodes"][:5]],
            }
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")
        ]

    return check
