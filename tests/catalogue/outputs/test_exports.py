"""Exports: public CSV/XLSX/JSON of the catalogue's selection, the admin export, and the
neutralisation of spreadsheet formulas."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from catalogue.models import Project
from catalogue.outputs import exports
from catalogue.outputs.exports import COLUMN_NAMES
from catalogue.outputs.opendata import CODE_COLUMN_NAMES
from catalogue.register.roles import EDITOR
from municipalities.models import Municipality
from smartcities.core.spreadsheets import neutralize
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","Cliquez")', "+1+1", "@SUM(A1)", "-2+3", "\tx"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def formula_project():
    return ProjectFactory(
        reference="FOR-2026-001",
        published=True,
        title_fr=FORMULAS[0],
        summary_fr=FORMULAS[1],
        contact_name=FORMULAS[2],
        contact_phone=FORMULAS[3],
        description_fr=FORMULAS[4],
        investment_tnd=Decimal("2500000.500"),
        latitude=Decimal("33.88146"),
        longitude=Decimal("10.09820"),
    )


def test_neutralize_prefixes_text_that_could_start_a_formula_and_leaves_numbers():
    for text in FORMULAS + ["\rx"]:
        assert neutralize(text) == "'" + text
    assert neutralize("Gabès = oasis") == "Gabès = oasis"
    assert neutralize(-5) == -5 and neutralize(Decimal("-1.5")) == Decimal("-1.5")
    assert neutralize(None) is None and neutralize("") == ""


def test_the_public_csv_export_with_codes_holds_the_public_selection_in_the_import_columns(
    client,
):
    ProjectFactory(reference="PUB-2026-001", published=True)
    ProjectFactory(reference="DRA-2026-001")
    ProjectFactory(
        reference="PUB-2026-002",
        published=True,
        municipality=Municipality.objects.get(code="3411"),
    )
    response = client.get("/fr/catalogue/export.csv", {"format": "codes"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    # The import's columns, without the workflow's internals.
    assert list(rows[0]) == CODE_COLUMN_NAMES
    assert not {"status", "edit_version", "featured", "is_demo"} & set(rows[0])
    references = {row["reference"] for row in rows}
    assert references == set(Project.objects.public().values_list("reference", flat=True))
    assert "DRA-2026-001" not in references

    filtered = csv_rows(
        client.get("/fr/catalogue/export.csv", {"governorate": "sfax", "format": "codes"})
    )
    assert "PUB-2026-002" in {row["reference"] for row in filtered}
    assert "PUB-2026-001" not in {row["reference"] for row in filtered}
    # A value the catalogue ignores is ignored here too.
    assert client.get("/fr/catalogue/export.csv", {"investment_min": "NaN"}).status_code == 200


def test_the_public_xlsx_and_json_exports(client, formula_project):
    codes = {"q": "FOR-2026-001", "format": "codes"}
    rows = xlsx_rows(client.get("/ar/catalogue/export.xlsx", codes))
    assert [row["reference"].value for row in rows] == ["FOR-2026-001"]
    data = json.loads(body(client.get("/en/catalogue/export.json", codes)))
    assert data["columns"] == CODE_COLUMN_NAMES
    (project,) = data["projects"]
    assert project["reference"] == "FOR-2026-001"
    assert project["investment_tnd"] == 2500000.5
    assert project["dimensions"] == []
    assert project["title_fr"].startswith("'=HYPERLINK")


def test_formula_cells_are_neutralised_in_csv(client, formula_project):
    (row,) = csv_rows(
        client.get("/fr/catalogue/export.csv", {"q": "FOR-2026-001", "format": "codes"})
    )
    assert row["title_fr"] == "'" + FORMULAS[0]
    assert row["summary_fr"] == "'+1+1"
    assert row["contact_name"] == "'@SUM(A1)"
    assert row["contact_phone"] == "'-2+3"
    assert row["description_fr"] == "'\tx"
    assert row["investment_tnd"] == "2500000.5"  # a number, not prefixed
    assert row["latitude"] == "33.88146"


def test_formula_cells_are_neutralised_in_xlsx_and_numbers_stay_numbers(client, formula_project):
    (row,) = xlsx_rows(
        client.get("/fr/catalogue/export.xlsx", {"q": "FOR-2026-001", "format": "codes"})
    )
    for column, text in zip(
        ["title_fr", "summary_fr", "contact_name", "contact_phone"], FORMULAS, strict=False
    ):
        assert row[column].value == "'" + text
        assert row[column].data_type == "s"  # text, never a formula
    assert row["investment_tnd"].data_type == "n"
    assert float(row["investment_tnd"].value) == 2500000.5
    assert row["latitude"].data_type == "n"


def test_too_large_an_xlsx_is_refused_with_advice(client, monkeypatch):
    ProjectFactory.create_batch(3, published=True)
    monkeypatch.setattr(exports, "MAX_XLSX_ROWS", 2)
    response = client.get("/fr/catalogue/export.xlsx")
    assert response.status_code == 400
    assert "/fr/catalogue/export.csv" in response.content.decode()
    assert client.get("/fr/catalogue/export.pdfx").status_code == 404


def test_the_catalogue_links_its_downloads_with_the_current_filters(client):
    response = client.get("/fr/catalogue/", {"governorate": "gabes", "stage": "planning"})
    html = response.content.decode()
    for extension in ("csv", "xlsx", "json"):
        url = f"/fr/catalogue/export.{extension}"
        assert f'href="{url}?governorate=gabes&amp;stage=planning"' in html
    assert 'href="/api/oc4ids/projects.json?governorate=gabes&amp;stage=planning"' in html


def test_the_admin_exports_the_filtered_list_in_the_import_columns(client, make_user):
    ProjectFactory(reference="ADM-2026-001", title_fr="=1+2")
    ProjectFactory(reference="ADM-2026-002", municipality=Municipality.objects.get(code="3411"))
    client.force_login(make_user("exporter", EDITOR))
    response = client.post(
        "/admin/catalogue/project/export/?municipality__governorate__id__exact="
        + str(Municipality.objects.get(code="5111").governorate_id),
        {"format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    rows = csv_rows(response)
    assert list(rows[0]) == COLUMN_NAMES
    references = {row["reference"] for row in rows}
    assert "ADM-2026-001" in references and "ADM-2026-002" not in references
    assert next(r for r in rows if r["reference"] == "ADM-2026-001")["title_fr"] == "'=1+2"

    workbook = client.post("/admin/catalogue/project/export/", {"format": "1", "resource": "0"})
    assert {row["reference"].value for row in xlsx_rows(workbook)} >= {"ADM-2026-001"}


def test_the_admin_export_of_a_focal_point_holds_their_municipality_only(client, team):
    ProjectFactory(reference="ADM-2026-003", municipality=Municipality.objects.get(code="3411"))
    ProjectFactory(reference="ADM-2026-004")
    client.force_login(team["focal"])
    response = client.post("/admin/catalogue/project/export/", {"format": "0", "resource": "0"})
    municipalities = {row["municipality"] for row in csv_rows(response)}
    assert municipalities == {"5111"}


def test_reference_data_admin_exports_are_neutralised(client, make_user):
    from caravan.models import Ministry

    Ministry.objects.filter(acronym="ME").update(name_en="=cmd|' /C calc'!A0")
    client.force_login(make_user("exporter", EDITOR))
    response = client.post("/admin/caravan/ministry/export/", {"format": "0", "resource": "0"})
    row = next(r for r in csv_rows(response) if r["acronym"] == "ME")
    assert row["name_en"] == "'=cmd|' /C calc'!A0"
    assert list(row)[:2] == ["slug", "acronym"]


def test_the_admin_exports_the_selected_rows(client, make_user):
    chosen = ProjectFactory(reference="SEL-2026-001")
    ProjectFactory(reference="SEL-2026-002")
    client.force_login(make_user("exporter", EDITOR))
    form = client.post(
        "/admin/catalogue/project/",
        {"action": "export_admin_action", "_selected_action": [chosen.pk]},
    )
    assert form.status_code == 200
    response = client.post(
        "/admin/catalogue/project/export/",
        {"format": "0", "resource": "0", "export_items": [chosen.pk]},
    )
    assert [row["reference"] for row in csv_rows(response)] == ["SEL-2026-001"]


def test_selected_rows_out_of_a_focal_points_scope_are_not_exported(client, team):
    """The selected ids are checked against the user's own projects: a focal point of
    Gabès who posts the id of a project of Sfax gets the form back, not the project."""
    from municipalities.models import Municipality

    own = ProjectFactory(
        reference="OWN-2026-001", municipality=Municipality.objects.get(code="5111")
    )
    other = ProjectFactory(
        reference="OTH-2026-001", municipality=Municipality.objects.get(code="3411")
    )
    client.force_login(team["focal"])
    response = client.post(
        "/admin/catalogue/project/export/",
        {"format": "0", "resource": "0", "export_items": [own.pk, other.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"OTH-2026-001" not in response.content
    response = client.post(
        "/admin/catalogue/project/export/",
        {"format": "0", "resource": "0", "export_items": [own.pk]},
    )
    assert [row["reference"] for row in csv_rows(response)] == ["OWN-2026-001"]
