"""One rule for every machine-readable output: only public projects, whatever the format.

A draft, a project in review, an eligible one not yet published and a withdrawn one are
created with distinctive references; none may appear in any export, record, feed,
sitemap, OC4IDS package or DCAT description, while a published one does."""

import pytest

from catalogue.register import services
from catalogue.register.choices import Status
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

HIDDEN = {
    "HID-2026-001": Status.DRAFT,
    "HID-2026-002": Status.IN_REVIEW,
    "HID-2026-003": Status.ELIGIBLE,
}
SHOWN = "SHO-2026-001"

ENDPOINTS = [
    *(f"/{lang}/catalogue/export.{ext}" for lang in ("fr", "ar", "en") for ext in ("csv", "json")),
    "/fr/catalogue/export.xlsx",
    "/fr/catalogue/export.csv?format=codes",
    "/fr/catalogue/export.json?format=codes",
    "/fr/catalogue/export.csv?q=zzz+OR",  # a search: the same rule
    "/api/oc4ids/projects.json",
    "/fr/catalogue/feed.atom",
    "/ar/catalogue/feed.atom",
    "/sitemap-projects.xml",
    "/api/dcat/catalog.jsonld",
    "/api/dcat/catalog.ttl",
    "/fr/catalogue/",
    "/fr/catalogue/?per_page=100",
]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def text(response) -> str:
    data = body(response)
    if data[:2] == b"PK":  # an Excel workbook: read its cells
        from io import BytesIO

        from openpyxl import load_workbook

        workbook = load_workbook(BytesIO(data), read_only=True)
        return " ".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return data.decode()


@pytest.fixture
def catalogue(team):
    for reference, status in HIDDEN.items():
        ProjectFactory(reference=reference, title_fr=f"Caché {reference}", status=status)
    withdrawn = ProjectFactory(reference="HID-2026-004", published=True)
    services.project_withdraw(project=withdrawn, user=team["editor"], reason="Doublon")
    return ProjectFactory(reference=SHOWN, published=True, municipality=withdrawn.municipality)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_no_project_that_is_not_public_appears_in_any_output(client, catalogue, url):
    response = client.get(url)
    assert response.status_code in (200, 404), url
    shown = text(response) if response.status_code == 200 else ""
    assert "HID-2026" not in shown, url
    if "q=" not in url and response.status_code == 200:
        assert SHOWN in shown or "dcat" in url, url  # DCAT describes files, not projects


@pytest.mark.parametrize("reference", [*HIDDEN, "HID-2026-004"])
def test_a_project_that_is_not_public_has_no_page_record_sheet_or_package(
    client, catalogue, reference
):
    for url in (
        f"/fr/catalogue/{reference}/",
        f"/fr/catalogue/{reference}.json",
        f"/fr/catalogue/{reference}/sheet.pdf",
        f"/api/oc4ids/projects/{reference}.json",
    ):
        assert client.get(url).status_code == 404, url
