"""The OC4IDS project package: valid against the shipped schema, public projects only."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from jsonschema import Draft4Validator
from referencing import Registry, Resource

from catalogue.models import Project, ProjectDocument, Sector
from catalogue.register.choices import STAGE_TO_OC4IDS_STATUS, Stage
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/oc4ids/projects.json"
SCHEMAS = Path(__file__).resolve().parents[3] / "fixtures" / "oc4ids"


@pytest.fixture(scope="module")
def validator():
    """The package schema, its $ref to the project schema resolved locally (no network)."""
    schemas = [
        json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        for name in ("project-package-schema.json", "project-schema.json")
    ]
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema)) for schema in schemas
    )
    return Draft4Validator(schemas[0], registry=registry)


def package(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def catalogue():
    bus = ProjectFactory(
        reference="TST-2026-001",
        published=True,
        stage=Stage.PROCUREMENT,
        sector=Sector.objects.get(code="transport.urban"),
        municipality=Municipality.objects.get(code="3411"),
        investment_tnd=Decimal("80000000"),
        latitude=Decimal("34.74"),
        longitude=Decimal("10.76"),
    )
    bus.ministries.set([1, 2])
    ProjectDocument.objects.create(
        project=bus,
        title_fr="Étude de faisabilité",
        file=SimpleUploadedFile("etude.pdf", b"%PDF-1.4 test"),
        document_type="feasibilityStudy",
        is_public=True,
    )
    ProjectDocument.objects.create(
        project=bus,
        title_fr="Note interne",
        file=SimpleUploadedFile("note.pdf", b"%PDF-1.4 test"),
        is_public=False,
    )
    ProjectFactory(reference="TST-2026-002", published=True, sector=None)
    ProjectFactory(reference="TST-2026-003")  # a draft
    return bus


def test_the_package_validates_against_the_shipped_schema(client, validator, catalogue):
    data = package(client)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert data["version"] == "0.9"
    assert data["publisher"]["name"]


def test_the_package_holds_public_projects_only(client, catalogue):
    ids = {project["id"] for project in package(client)["projects"]}
    public = set(Project.objects.public().values_list("reference", flat=True))
    assert ids == {f"oc4ids-tnsc-{reference}" for reference in public}
    assert "oc4ids-tnsc-TST-2026-003" not in ids


def test_a_project_is_mapped_as_domain_7_says(client, catalogue):
    projects = {p["id"]: p for p in package(client)["projects"]}
    bus = projects["oc4ids-tnsc-TST-2026-001"]
    assert bus["status"] == STAGE_TO_OC4IDS_STATUS[Stage.PROCUREMENT] == "implementation"
    assert bus["sector"] == ["transport", "transport.urban"]
    assert bus["budget"] == {"amount": {"amount": 80000000.0, "currency": "TND"}}
    (location,) = bus["locations"]
    assert location["geometry"] == {"type": "Point", "coordinates": [10.76, 34.74]}
    assert location["address"]["countryName"] == "Tunisie"
    roles = {party["id"]: party["roles"] for party in bus["parties"]}
    assert roles["TN-DGCL-3411"] == ["publicAuthority"]
    assert bus["publicAuthority"]["id"] == "TN-DGCL-3411"
    assert len(roles) == 3
    (document,) = bus["documents"]  # the internal note is not public
    assert document["documentType"] == "feasibilityStudy"
    assert document["url"].startswith("http://testserver/")
    other = projects["oc4ids-tnsc-TST-2026-002"]
    assert "sector" not in other and "budget" not in other and "documents" not in other
    assert other["locations"][0]["geometry"]["type"] == "Point"  # the municipality's point


def test_the_catalogue_filters_apply(client, validator, catalogue):
    data = package(client, governorate="sfax", sector="transport.urban")
    assert [p["id"] for p in data["projects"]] == ["oc4ids-tnsc-TST-2026-001"]
    assert validator.is_valid(data)
    assert client.get(URL, {"q": "no such project anywhere"}).status_code == 404
