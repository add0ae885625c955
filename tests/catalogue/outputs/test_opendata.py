"""Open data: labelled public exports and their codes variant, the data dictionary page,
each project's JSON and OC4IDS records and the links to them."""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from jsonschema import Draft4Validator
from openpyxl import load_workbook
from referencing import Registry, Resource

from catalogue.models import PolicyGoal, Project, RelatedProject
from catalogue.models.pipeline import PaymentMechanism, ProjectType
from catalogue.outputs.opendata import CODE_COLUMN_NAMES, FIELD_KEYS, FIELDS
from catalogue.register.choices import ContractModel, Stage
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

INTERNALS = {"status", "edit_version", "featured", "is_demo"}
SCHEMAS = Path(__file__).resolve().parents[3] / "fixtures" / "oc4ids"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def labels(language: str) -> list[str]:
    with translation.override(language):
        return [str(field.label) for field in FIELDS]


@pytest.fixture
def project():
    return ProjectFactory(
        reference="OPD-2026-001",
        published=True,
        title_fr="Bus électriques",
        title_ar="حافلات كهربائية",
        title_en="",
        stage=Stage.PLANNING,
        contract_model="",
        investment_tnd=Decimal("1250000.000"),
        featured=True,
    )


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_labelled_csv_is_headed_and_written_in_the_pages_language(client, project, language):
    ProjectFactory(reference="DRA-2026-009")  # a draft: never exported
    table = csv_table(client.get(f"/{language}/catalogue/export.csv"))
    header, rows = table[0], table[1:]
    assert header == labels(language)
    if language == "ar":  # translated, not the English labels: Arabic headers and values
        assert all(any("\u0600" <= c <= "\u06ff" for c in label) for label in header[1:])
    assert not INTERNALS & set(header)
    by_reference = {row[0]: dict(zip(FIELD_KEYS, row, strict=True)) for row in rows}
    assert set(by_reference) == set(Project.objects.public().values_list("reference", flat=True))
    row = by_reference["OPD-2026-001"]
    if language == "ar":
        assert row["stage"] != "Detailed planning" and row["contract_model"] != "Not stated"
    with translation.override(language):
        assert row["stage"] == str(Stage.PLANNING.label)
        assert row["contract_model"] == str(translation.gettext("Not stated"))
        assert row["sector"] == project.sector.name
        assert row["municipality"] == project.municipality.name
    # The title in the page's language; French where it is not translated.
    assert (
        row["title"]
        == {"fr": "Bus électriques", "ar": "حافلات كهربائية", "en": "Bus électriques"}[language]
    )
    assert row["investment_tnd"] == "1250000"
    assert row["url"] == f"http://testserver/{language}/catalogue/OPD-2026-001/"
    # The licence, the publisher and the export's date on every row.
    assert row["licence"] == "CC BY 4.0"
    assert "Tunisian Smart Cities" in row["publisher"]
    assert row["exported_at"][:4].isdigit()


def test_the_labelled_csv_neutralises_formulas_and_follows_the_filters(client, project):
    ProjectFactory(reference="FOR-2026-009", published=True, title_fr="=1+2", stage="")
    (header, row) = csv_table(
        client.get("/en/catalogue/export.csv", {"q": "FOR-2026-009", "stage": "not_stated"})
    )
    values = dict(zip(FIELD_KEYS, row, strict=True))
    assert values["reference"] == "FOR-2026-009"
    assert values["title"] == "'=1+2"
    assert values["stage"] == "Not stated"


def test_the_labelled_xlsx_has_an_about_sheet(client, project):
    response = client.get("/fr/catalogue/export.xlsx", {"governorate": "gabes"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(body(response)))
    projects, about = workbook.worksheets
    rows = list(projects.iter_rows(values_only=True))
    assert list(rows[0]) == labels("fr")
    references = [row[0] for row in rows[1:]]
    assert "OPD-2026-001" in references
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    text = " ".join(str(value) for value in facts.values())
    assert "CC BY 4.0" in text and "https://creativecommons.org/licenses/by/4.0/" in text
    assert "http://testserver/fr/data/" in text
    assert "http://testserver/fr/methodology/" in text
    assert "governorate=gabes" in text


def test_the_labelled_json_names_its_fields_and_its_licence(client, project):
    data = json.loads(body(client.get("/ar/catalogue/export.json", {"q": "OPD-2026-001"})))
    assert [field["key"] for field in data["fields"]] == FIELD_KEYS
    assert [field["label"] for field in data["fields"]] == labels("ar")
    assert data["license"]["name"] == "CC BY 4.0"
    assert data["documentation"] == "http://testserver/ar/data/"
    (row,) = data["projects"]
    assert list(row) == FIELD_KEYS
    assert row["title"] == "حافلات كهربائية"
    assert row["investment_tnd"] == 1250000
    assert row["published_at"] == timezone.localdate(project.published_at).isoformat()


@pytest.mark.parametrize("extension", ["csv", "xlsx", "json"])
def test_the_codes_variant_keeps_the_import_columns_without_internals(client, project, extension):
    response = client.get(f"/en/catalogue/export.{extension}", {"format": "codes"})
    assert response.status_code == 200
    assert "-codes-" in response["Content-Disposition"]
    if extension == "csv":
        header, *rows = csv_table(response)
        row = dict(zip(header, next(r for r in rows if r[0] == "OPD-2026-001"), strict=True))
    elif extension == "xlsx":
        sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
        header, *rows = list(sheet.iter_rows(values_only=True))
        row = dict(zip(header, next(r for r in rows if r[0] == "OPD-2026-001"), strict=True))
    else:
        data = json.loads(body(response))
        header = data["columns"]
        row = next(r for r in data["projects"] if r["reference"] == "OPD-2026-001")
    assert list(header) == CODE_COLUMN_NAMES
    assert not INTERNALS & set(header)
    assert row["stage"] == "planning"
    assert row["contract_model"] in ("", None)
    assert row["title_ar"] == "حافلات كهربائية"


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_data_dictionary_describes_every_field_and_code(client, language):
    response = client.get(f"/{language}/data/")
    assert response.status_code == 200
    html = response.text
    with translation.override(language):
        for field in FIELDS:
            assert f"<code>{field.key}</code>" in html
        for column in CODE_COLUMN_NAMES:
            assert f"<code>{column}</code>" in html
        for value, _label in ContractModel.choices:
            assert f"<code>{value}</code>" in html
    assert "?format=codes" in html
    assert f'href="/{language}/methodology/"' in html


def test_the_data_dictionary_is_linked_from_the_methodology_the_footer_and_the_downloads(
    client,
):
    for page in ("/fr/methodology/", "/fr/catalogue/", "/fr/"):
        assert 'href="/fr/data/"' in client.get(page).text, page
    downloads = client.get("/en/catalogue/").text.split('class="downloads"')[1]
    assert 'href="/en/data/"' in downloads


def test_a_projects_json_record_labelled_and_with_codes(client, project):
    response = client.get("/en/catalogue/OPD-2026-001.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["project"]["reference"] == "OPD-2026-001"
    assert data["project"]["stage"] == "Detailed planning"
    assert list(data["project"]) == FIELD_KEYS
    assert data["license"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["oc4ids"] == "http://testserver/api/oc4ids/projects/OPD-2026-001.json"
    codes = json.loads(client.get("/en/catalogue/OPD-2026-001.json?format=codes").content)
    assert codes["project"]["stage"] == "planning"
    assert list(codes["project"]) == CODE_COLUMN_NAMES


def test_a_project_that_is_not_public_has_no_record(client):
    ProjectFactory(reference="DRA-2026-010")
    assert client.get("/fr/catalogue/DRA-2026-010.json").status_code == 404
    assert client.get("/api/oc4ids/projects/DRA-2026-010.json").status_code == 404
    assert client.get("/api/oc4ids/projects/NOPE.json").status_code == 404


def test_a_projects_oc4ids_record_is_a_valid_package_of_that_project(client, project):
    schemas = [
        json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        for name in ("project-package-schema.json", "project-schema.json")
    ]
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema)) for schema in schemas
    )
    response = client.get("/api/oc4ids/projects/OPD-2026-001.json")
    assert response.status_code == 200
    package = json.loads(response.content)
    Draft4Validator(schemas[0], registry=registry).validate(package)
    assert [p["id"] for p in package["projects"]] == ["oc4ids-tnsc-OPD-2026-001"]
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_pages_link_their_data_as_alternates(client, project):
    html = client.get("/en/catalogue/OPD-2026-001/").text
    assert (
        '<link rel="alternate" type="application/json" href="/en/catalogue/OPD-2026-001.json"'
        in html
    )
    assert (
        '<link rel="alternate" type="application/json" '
        'href="/api/oc4ids/projects/OPD-2026-001.json"' in html
    )
    listing = client.get("/fr/catalogue/", {"stage": "planning"}).text
    assert (
        'rel="alternate" type="application/json" href="/api/oc4ids/projects.json?stage=planning"'
        in (listing)
    )


def test_the_public_codes_files_name_only_public_related_projects(client, project):
    public = ProjectFactory(reference="OPD-2026-002", published=True)
    draft = ProjectFactory(reference="OPD-2026-003")
    RelatedProject.objects.create(project=project, related=public, relationship="phase")
    RelatedProject.objects.create(
        project=project, related=draft, relationship="expansion", position=1
    )
    response = client.get("/en/catalogue/export.csv", {"format": "codes"})
    header, *rows = csv_table(response)
    row = dict(zip(header, next(r for r in rows if r[0] == "OPD-2026-001"), strict=True))
    assert row["related_projects"] == "OPD-2026-002 | phase"
    record = json.loads(client.get("/en/catalogue/OPD-2026-001.json?format=codes").content)
    assert record["project"]["related_projects"] == "OPD-2026-002 | phase"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ("Finalité", "Réhabilitation", "Début prévu")),
        ("ar", ("الغاية", "الانطلاق المبرمج", "")),
        ("en", ("Purpose", "Rehabilitation of an existing asset", "Planned start")),
    ],
)
def test_the_labelled_files_hold_the_pipeline_fields(client, project, language, words):
    project.purpose_fr = "Réduire les émissions du transport."
    project.project_type = "rehabilitation"
    project.payment_mechanism = "availability"
    project.planned_start = date(2026, 9, 1)
    project.save()
    project.policy_goals.set([PolicyGoal.objects.get(framework="SDG", code="11")])
    header, *rows = csv_table(client.get(f"/{language}/catalogue/export.csv"))
    row = dict(zip(FIELD_KEYS, next(r for r in rows if r[0] == "OPD-2026-001"), strict=True))
    assert row["purpose"] == "Réduire les émissions du transport."  # French as fallback
    assert row["planned_start"] == "2026-09-01"
    assert row["actual_end"] == ""
    assert row["policy_goals"].startswith("SDG 11 · ")
    with translation.override(language):
        assert row["project_type"] == str(ProjectType.REHABILITATION.label)
        assert row["payment_mechanism"] == str(PaymentMechanism.AVAILABILITY.label)
        assert header[FIELD_KEYS.index("purpose")] == words[0]
        assert header[FIELD_KEYS.index("planned_start")] in words[1:]
    data = json.loads(body(client.get(f"/{language}/catalogue/export.json")))
    record = next(r for r in data["projects"] if r["reference"] == "OPD-2026-001")
    assert record["planned_start"] == "2026-09-01"
    assert record["policy_goals"][0].startswith("SDG 11 · ")
    html = client.get(f"/{language}/data/").text
    for key in ("purpose", "project_type", "payment_mechanism", "policy_goals", "actual_end"):
        assert f"<code>{key}</code>" in html
