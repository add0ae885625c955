"""The pipeline facts in the OC4IDS package: valid against the shipped schema, mapped to
the standard's fields, and only public related projects."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import (
    FundingLine,
    Milestone,
    PolicyGoal,
    RelatedProject,
    RiskAllocation,
)
from tests.catalogue.outputs.test_oc4ids import package, validator  # noqa: F401
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline_project():
    first = ProjectFactory(reference="TST-2026-010", published=True)
    hidden = ProjectFactory(reference="TST-2026-011")  # a draft: never named
    project = ProjectFactory(
        reference="TST-2026-012",
        published=True,
        purpose_fr="Réduire la facture d'éclairage public.",
        project_type="expansion",
        payment_mechanism="availability",
        planned_start=date(2024, 1, 1),
        planned_end=date(2027, 6, 30),
        actual_start=date(2024, 2, 1),
    )
    Milestone.objects.create(
        project=project,
        milestone_type="approval",
        title_fr="Délibération du conseil",
        planned_date=date(2024, 3, 1),
        actual_date=date(2024, 3, 15),
        status="met",
    )
    Milestone.objects.create(
        project=project,
        milestone_type="delivery",
        title_fr="Mise en service",
        planned_date=date(2027, 6, 1),
    )
    FundingLine.objects.create(
        project=project, source="Budget municipal", amount=Decimal("250000"), currency="TND"
    )
    FundingLine.objects.create(
        project=project,
        source="Banque européenne",
        amount=Decimal("1000000.5"),
        currency="EUR",
        period_start=date(2024, 1, 1),
        period_end=date(2026, 12, 31),
    )
    RiskAllocation.objects.create(project=project, risk_fr="Risque de demande", allocation="shared")
    RelatedProject.objects.create(project=project, related=first, relationship="expansion")
    RelatedProject.objects.create(project=project, related=hidden, relationship="phase")
    project.policy_goals.set(
        [
            PolicyGoal.objects.get(framework="SDG", code="11"),
            PolicyGoal.objects.get(framework="SDG", code="7"),
            PolicyGoal.objects.get(framework="U4SSC", code="EN"),
        ]
    )
    return project


def record_of(client, reference) -> dict:
    data = package(client)
    return next(p for p in data["projects"] if p["identifiers"][0]["id"] == reference)


def test_the_package_with_pipeline_facts_validates(client, validator, pipeline_project):  # noqa: F811
    data = package(client)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_the_pipeline_facts_map_to_the_standard(client, pipeline_project):
    record = record_of(client, "TST-2026-012")
    assert record["purpose"] == "Réduire la facture d'éclairage public."
    assert record["type"] == "expansion"
    assert record["period"] == {
        "startDate": "2024-01-01T00:00:00Z",
        "endDate": "2027-06-30T00:00:00Z",
    }
    assert record["implementationPeriod"] == {"startDate": "2024-02-01T00:00:00Z"}
    assert "completion" not in record  # no actual end yet
    met, planned = record["milestones"]
    assert met["type"] == "approval" and met["status"] == "met"
    assert met["dueDate"] == "2024-03-01T00:00:00Z" and met["dateMet"] == "2024-03-15T00:00:00Z"
    assert planned["status"] == "scheduled" and "dateMet" not in planned
    lines = record["budget"]["budgetBreakdowns"][0]["budgetBreakdown"]
    assert [line["amount"] for line in lines] == [
        {"amount": 250000.0, "currency": "TND"},
        {"amount": 1000000.5, "currency": "EUR"},
    ]
    assert lines[1]["period"]["endDate"] == "2026-12-31T00:00:00Z"
    funders = {p["id"]: p for p in record["parties"] if "funder" in p["roles"]}
    assert {line["sourceParty"]["id"] for line in lines} == set(funders)
    assert record["paymentMechanism"] == "availability"
    assert record["riskAllocation"][0]["allocation"] == "shared"
    assert record["policyAlignment"]["policies"] == ["SDG", "U4SSC"]
    assert "SDG 11" in record["policyAlignment"]["description"]


def test_only_public_related_projects_are_named(client, pipeline_project):
    link = pipeline_project.related_links.get(related__reference="TST-2026-010")
    assert record_of(client, "TST-2026-012")["relatedProjects"] == [
        {
            "id": str(link.pk),
            "scheme": "oc4ids",
            "identifier": "oc4ids-tnsc-TST-2026-010",
            "relationship": "expansion",
            "title": link.related.title_fr,
        }
    ]


def test_a_project_without_pipeline_facts_has_none_of_their_fields(client, pipeline_project):
    record = record_of(client, "TST-2026-010")
    for field in ("purpose", "type", "period", "milestones", "relatedProjects", "riskAllocation"):
        assert field not in record
    assert "budget" not in record  # the factory's project has no investment either


def queries_of(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        package(client)
    return len(queries)


def test_the_package_reads_the_pipeline_in_a_constant_number_of_queries(client, pipeline_project):
    package(client)  # warm up what is read once
    before = queries_of(client)
    for number in range(3):
        other = ProjectFactory(reference=f"TST-2026-02{number}", published=True)
        Milestone.objects.create(
            project=other, milestone_type="approval", title_fr="A", planned_date=date(2025, 1, 1)
        )
    assert queries_of(client) == before
