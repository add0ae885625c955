"""The pipeline facts' rules: milestones, funding lines, risks, related projects, periods,
and their editing in the project's admin page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from catalogue.models import (
    FundingLine,
    Milestone,
    MilestoneStatus,
    MilestoneType,
    PolicyGoal,
    RelatedProject,
    Relationship,
    RiskAllocation,
)
from tests.factories import ProjectFactory
from tests.helpers import change_form_data

pytestmark = pytest.mark.django_db


def milestone(project, **kwargs):
    values = {
        "milestone_type": MilestoneType.APPROVAL,
        "title_fr": "Approbation du conseil municipal",
        "planned_date": date(2024, 3, 1),
    }
    return Milestone(project=project, **{**values, **kwargs})


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_a_milestone_cannot_have_happened_before_the_project_started(english):
    project = ProjectFactory(actual_start=date(2024, 1, 10), planned_start=date(2023, 6, 1))
    early = milestone(project, actual_date=date(2024, 1, 9), status=MilestoneStatus.MET)
    assert "project's start (2024-01-10)" in errors_of(early)["actual_date"][0]
    milestone(project, actual_date=date(2024, 1, 10), status=MilestoneStatus.MET).full_clean()


def test_without_an_actual_start_the_planned_start_is_the_start(english):
    project = ProjectFactory(planned_start=date(2023, 6, 1))
    assert "actual_date" in errors_of(milestone(project, actual_date=date(2023, 5, 31)))
    milestone(project, actual_date=date(2023, 6, 1)).full_clean()
    # A project without any start accepts any past date.
    milestone(ProjectFactory(), actual_date=date(2001, 1, 1)).full_clean()


def test_an_actual_date_is_never_in_the_future(english):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert (
        "future" in errors_of(milestone(ProjectFactory(), actual_date=tomorrow))["actual_date"][0]
    )


def test_a_milestone_met_has_its_date_and_every_milestone_is_dated(english):
    project = ProjectFactory()
    assert "actual date" in errors_of(milestone(project, status=MilestoneStatus.MET))["__all__"][0]
    undated = milestone(project, planned_date=None)
    assert "planned or an actual date" in errors_of(undated)["__all__"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        milestone(project, status=MilestoneStatus.MET).save()


def test_a_milestone_type_and_status_come_from_the_oc4ids_codelists():
    errors = errors_of(milestone(ProjectFactory(), milestone_type="groundbreaking", status="done"))
    assert set(errors) == {"milestone_type", "status"}


def funding(project, **kwargs):
    values = {"source": "Budget municipal", "amount": Decimal("1500000"), "currency": "TND"}
    return FundingLine(project=project, **{**values, **kwargs})


@pytest.mark.parametrize("code", ["TND", "EUR", "USD", "XOF"])
def test_currencies_of_the_codelist_are_accepted(code):
    funding(ProjectFactory(), currency=code).full_clean()


@pytest.mark.parametrize("code", ["DT", "tnd", "EURO", "ZZZ", ""])
def test_other_currencies_are_refused(code, english):
    assert "currency" in errors_of(funding(ProjectFactory(), currency=code))


def test_a_funding_line_is_not_negative_and_its_period_is_ordered(english):
    project = ProjectFactory()
    assert "amount" in errors_of(funding(project, amount=Decimal("-1")))
    backwards = funding(project, period_start=date(2025, 1, 1), period_end=date(2024, 1, 1))
    assert "end before it starts" in errors_of(backwards)["__all__"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        backwards.save()


def test_a_project_cannot_be_related_to_itself(english):
    project, other = ProjectFactory(), ProjectFactory()
    itself = RelatedProject(project=project, related=project, relationship=Relationship.PHASE)
    assert "related to itself" in " ".join(sum(errors_of(itself).values(), []))
    with pytest.raises(IntegrityError), transaction.atomic():
        itself.save()
    RelatedProject(project=project, related=other, relationship=Relationship.EXPANSION).save()
    again = RelatedProject(project=project, related=other, relationship=Relationship.PHASE)
    assert "already related" in " ".join(sum(errors_of(again).values(), []))


def test_a_project_period_cannot_end_before_it_starts(english):
    project = ProjectFactory.build(planned_start=date(2025, 1, 1), planned_end=date(2024, 12, 31))
    with pytest.raises(ValidationError, match="planned end"):
        project.full_clean()
    project = ProjectFactory()
    project.actual_start, project.actual_end = date(2025, 1, 1), date(2024, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()


def test_the_reference_data_holds_the_policy_goals():
    assert PolicyGoal.objects.filter(framework="SDG").count() == 17
    assert PolicyGoal.objects.get(framework="SDG", code="11").label == "SDG 11"
    assert PolicyGoal.objects.filter(framework="U4SSC").exists()
    assert PolicyGoal.objects.filter(framework="nationalPlan").exists()


def with_rows(data, prefix, rows):
    """Admin form ``data`` with ``rows`` added to the inline of ``prefix``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for index, row in enumerate(rows, start=total):
        row = {"position": str(index), **row}
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return data


def test_a_focal_point_edits_the_pipeline_of_their_project_in_the_admin(client, team):
    project = ProjectFactory(reference="GAB-2025-201", planned_start=date(2024, 1, 1))
    other = ProjectFactory(reference="GAB-2025-202")
    url = reverse("admin:catalogue_project_change", args=[project.pk])
    client.force_login(team["focal"])
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data = with_rows(
        data,
        "milestones",
        [
            {
                "milestone_type": "approval",
                "title_fr": "Approbation",
                "planned_date": "2024-03-01",
                "status": "scheduled",
            }
        ],
    )
    funding_line = {"source": "Commune", "amount": "5", "currency": "TND"}
    data = with_rows(data, "funding_lines", [funding_line])
    data = with_rows(data, "risks", [{"risk_fr": "Demande", "allocation": "private"}])
    data = with_rows(data, "related_links", [{"relationship": "phase", "related": str(other.pk)}])
    data["policy_goals"] = [str(PolicyGoal.objects.get(framework="SDG", code="11").pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert project.milestones.get().title_fr == "Approbation"
    assert project.funding_lines.get().amount == Decimal("5")
    assert RiskAllocation.objects.get(project=project).allocation == "private"
    assert project.related_links.get().related == other
    assert [goal.code for goal in project.policy_goals.all()] == ["11"]


def test_the_admin_refuses_a_project_related_to_itself(client, team, english):
    project = ProjectFactory(reference="GAB-2025-203")
    url = reverse("admin:catalogue_project_change", args=[project.pk])
    client.force_login(team["editor"])
    page = client.get(url)
    data = with_rows(
        change_form_data(page),
        "related_links",
        [{"relationship": "phase", "related": str(project.pk)}],
    )
    response = client.post(url, data, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "related to itself" in response.content.decode()
    assert not RelatedProject.objects.exists()


def test_another_municipality_focal_point_sees_no_pipeline_to_edit(client, team):
    project = ProjectFactory(reference="GAB-2025-204")
    Milestone.objects.create(
        project=project, milestone_type="approval", title_fr="A", planned_date=date(2024, 1, 1)
    )
    client.force_login(team["other_focal"])
    response = client.get(reverse("admin:catalogue_project_change", args=[project.pk]))
    assert response.status_code == 404


@pytest.fixture
def full_pipeline():
    """A published project with past and planned milestones, funding, a risk, and links
    to a public and to a draft project."""
    public = ProjectFactory(reference="GAB-2025-301", published=True, title_fr="Phase 1")
    draft = ProjectFactory(reference="GAB-2025-302", title_fr="Brouillon caché")
    project = ProjectFactory(
        reference="GAB-2025-300", published=True, project_type="expansion", purpose_fr="But."
    )
    today = timezone.localdate()
    Milestone.objects.create(
        project=project,
        milestone_type="approval",
        title_fr="Jalon passé",
        title_ar="مرحلة سابقة",
        planned_date=today - timedelta(days=30),
        actual_date=today - timedelta(days=20),
        status="met",
    )
    Milestone.objects.create(
        project=project,
        milestone_type="delivery",
        title_fr="Jalon prévu",
        planned_date=today + timedelta(days=300),
    )
    FundingLine.objects.create(
        project=project, source="Banque", amount=Decimal("1250000"), currency="EUR"
    )
    RiskAllocation.objects.create(project=project, risk_fr="Risque de demande", allocation="shared")
    RelatedProject.objects.create(project=project, related=public, relationship="phase")
    RelatedProject.objects.create(project=project, related=draft, relationship="expansion")
    return project


def test_the_project_page_shows_the_timeline_with_today_between_past_and_planned(
    client, full_pipeline
):
    page = client.get(full_pipeline.get_absolute_url()).content.decode()
    past, today, planned = (
        page.index("Jalon passé"),
        page.index("timeline__today"),
        page.index("Jalon prévu"),
    )
    assert past < today < planned
    assert "EUR" in page.split('id="funding-title"')[1]
    assert "Risque de demande" in page
    assert "GAB-2025-301" in page and "Phase 1" in page
    assert "Brouillon caché" not in page  # a draft is never named


def test_the_arabic_project_page_reads_the_pipeline_right_to_left(client, full_pipeline):
    page = client.get("/ar" + full_pipeline.get_absolute_url()[3:]).content.decode()
    assert '<html lang="ar" dir="rtl"' in page
    assert "مرحلة سابقة" in page
    # The milestone without an Arabic title shows its French one, isolated and labelled.
    assert 'lang="fr" dir="ltr">Jalon prévu' in page


def test_the_pipeline_adds_no_query_per_row(client, full_pipeline, django_assert_num_queries):
    bare = ProjectFactory(reference="GAB-2025-303", published=True)
    with CaptureQueriesContext(connection) as bare_queries:
        client.get(bare.get_absolute_url())
    with django_assert_num_queries(len(bare_queries)):
        client.get(full_pipeline.get_absolute_url())


def test_the_sheet_shows_the_pipeline_only_when_there_is_one(full_pipeline):
    from catalogue.outputs.pdf import facts_for, sheets_queryset

    project = sheets_queryset().get(pk=full_pipeline.pk)
    with translation.override("fr"):
        pipeline = facts_for(project, "https://example.tn")["pipeline"]
    assert [entry.get("title") for entry in pipeline["timeline"]] == [
        "Jalon passé",
        None,  # today
        "Jalon prévu",
    ]
    assert pipeline["funding"][0]["currency"] == "EUR"
    assert [link["reference"] for link in pipeline["links"]] == ["GAB-2025-301"]
    bare = sheets_queryset().get(pk=ProjectFactory(published=True).pk)
    empty = facts_for(bare, "https://example.tn")["pipeline"]
    assert not any(empty[key] for key in ("timeline", "funding", "risks", "links", "goals"))
