"""The pipeline columns of the projects' spreadsheet: exported, imported back unchanged,
edited, and refused when wrong."""

from datetime import date
from decimal import Decimal

import pytest

from catalogue.intake.import_children import CHECKS, check_constraints
from catalogue.intake.imports import import_projects
from catalogue.models import (
    FundingLine,
    Milestone,
    PolicyGoal,
    Project,
    RelatedProject,
    RiskAllocation,
)
from catalogue.outputs.exports import COLUMN_NAMES, xlsx_file
from catalogue.outputs.exports_children import CHILD_COLUMNS
from catalogue.register.roles import EDITOR
from smartcities.core.spreadsheets import xlsx_bytes
from tests.catalogue.intake.test_imports import export_csv, snapshot
from tests.factories import ProjectFactory
from tests.helpers import new_row, read_csv, write_csv

pytestmark = pytest.mark.django_db

PIPELINE_COLUMNS = [
    "purpose_fr",
    "purpose_ar",
    "purpose_en",
    "project_type",
    "payment_mechanism",
    "policy_goals",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
]


def goal(framework, code):
    return PolicyGoal.objects.get(framework=framework, code=code)


def goals_of(reference):
    return {
        (g.framework, g.code) for g in Project.objects.get(reference=reference).policy_goals.all()
    }


@pytest.fixture
def editor(make_user):
    return make_user("importer", EDITOR)


@pytest.fixture
def projects():
    first = ProjectFactory(
        reference="TST-2025-001",
        published=True,
        purpose_fr="Réduire la facture d'éclairage.",
        purpose_ar="خفض فاتورة الإنارة.",
        project_type="rehabilitation",
        payment_mechanism="availability",
        planned_start=date(2026, 1, 15),
        planned_end=date(2028, 6, 30),
        actual_start=date(2026, 2, 1),
    )
    first.policy_goals.set([goal("SDG", "11"), goal("SDG", "7"), goal("U4SSC", "EN")])
    ProjectFactory(reference="TST-2025-002")
    return Project.objects.all()


def test_the_pipeline_columns_are_exported_as_written(projects):
    assert set(PIPELINE_COLUMNS) <= set(COLUMN_NAMES)
    row = next(r for r in read_csv(export_csv()) if r["reference"] == "TST-2025-001")
    assert {name: row[name] for name in PIPELINE_COLUMNS} == {
        "purpose_fr": "Réduire la facture d'éclairage.",
        "purpose_ar": "خفض فاتورة الإنارة.",
        "purpose_en": "",
        "project_type": "rehabilitation",
        "payment_mechanism": "availability",
        "policy_goals": "SDG 7; SDG 11; U4SSC EN",
        "planned_start": "2026-01-15",
        "planned_end": "2028-06-30",
        "actual_start": "2026-02-01",
        "actual_end": "",
    }


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_with_pipeline_facts_imports_back_unchanged(projects, editor, kind):
    data = export_csv() if kind == "csv" else xlsx_file(Project.objects.all())
    before = snapshot()
    result = import_projects(data, user=editor, dry_run=False, name=f"export.{kind}")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.updated, result.skipped) == (0, Project.objects.count())
    assert snapshot() == before


def test_edited_pipeline_cells_are_applied(projects, editor):
    rows = read_csv(export_csv())
    row = next(r for r in rows if r["reference"] == "TST-2025-002")
    row |= {
        "project_type": "Expansion",
        "payment_mechanism": "user_fees",
        "planned_start": "2027-03-01",
        "planned_end": "2029-12-31 00:00:00",  # a spreadsheet date, read at midnight
        "purpose_en": "Extend the bus network.",
    }
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="edited.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert result.updated == 1
    project = Project.objects.get(reference="TST-2025-002")
    assert (project.project_type, project.payment_mechanism) == ("expansion", "user_fees")
    assert (project.planned_start, project.planned_end) == (date(2027, 3, 1), date(2029, 12, 31))
    assert project.purpose_en == "Extend the bus network."
    assert project.history.first().planned_start == date(2027, 3, 1)
    changes = dict(
        (c[0], c[2]) for c in next(r for r in result.rows if r.action == "update").changes
    )
    assert changes["planned_start"] == "2027-03-01"


@pytest.mark.parametrize(
    ("values", "column", "words"),
    [
        ({"project_type": "build"}, "project_type", "construction"),
        ({"payment_mechanism": "tolls"}, "payment_mechanism", "user_fees"),
        ({"planned_start": "01/03/2027"}, "planned_start", "YYYY-MM-DD"),
        ({"actual_end": "2027-02-30"}, "actual_end", "YYYY-MM-DD"),
        (
            {"planned_start": "2028-01-01", "planned_end": "2027-01-01"},
            "planned_end",
            "planned end cannot come before",
        ),
    ],
)
def test_wrong_pipeline_cells_are_refused_with_their_column(editor, english, values, column, words):
    data = write_csv([new_row("NEW-2026-010", **values)])
    result = import_projects(data, user=editor, dry_run=False, name="wrong.csv")
    assert not result.ok
    messages = [(error.column, str(error.message)) for error in result.errors]
    assert any(words in message for _column, message in messages), messages
    assert column in [c for c, _m in messages]
    assert not Project.objects.filter(reference="NEW-2026-010").exists()


def test_policy_goals_are_replaced_by_the_cell_of_the_file(projects, editor):
    rows = read_csv(export_csv())
    first = next(r for r in rows if r["reference"] == "TST-2025-001")
    second = next(r for r in rows if r["reference"] == "TST-2025-002")
    first["policy_goals"] = ""  # an empty cell: no goals any more
    second["policy_goals"] = "sdg-11, U4SSC EC; PD-2023-2025"  # as typed by a person
    rows.append(new_row("NEW-2026-011", policy_goals="SDG 6"))
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="goals.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (1, 2)
    assert goals_of("TST-2025-001") == set()
    assert goals_of("TST-2025-002") == {
        ("SDG", "11"),
        ("U4SSC", "EC"),
        ("nationalPlan", "PD-2023-2025"),
    }
    assert goals_of("NEW-2026-011") == {("SDG", "6")}
    changes = {row.reference: dict((c[0], c[2]) for c in row.changes) for row in result.rows}
    assert changes["TST-2025-002"]["policy_goals"] == "PD-2023-2025; SDG 11; U4SSC EC"


def test_a_file_without_the_policy_goals_column_leaves_them_alone(projects, editor):
    rows = read_csv(export_csv())
    for row in rows:
        del row["policy_goals"]
        row["purpose_en"] = "Changed."
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="partial.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert goals_of("TST-2025-001") == {("SDG", "11"), ("SDG", "7"), ("U4SSC", "EN")}


def test_an_unknown_policy_goal_is_refused_with_its_line_and_column(projects, editor, english):
    rows = [new_row("NEW-2026-012", policy_goals="SDG 11; SDG 99; ODD 3")]
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="wrong.csv")
    assert not result.ok
    [error] = result.errors
    assert (error.line, error.column) == (2, "policy_goals")
    assert "SDG 99, ODD 3" in str(error.message)
    assert not Project.objects.filter(reference="NEW-2026-012").exists()


# Child rows: one line per row, fields separated by " | " -------------------------------


@pytest.fixture
def with_children(projects):
    first = Project.objects.get(reference="TST-2025-001")
    second = Project.objects.get(reference="TST-2025-002")
    Milestone.objects.create(
        project=first,
        milestone_type="approval",
        title_fr="Délibération du conseil",
        title_ar="مداولة المجلس",
        planned_date=date(2026, 1, 20),
        actual_date=date(2026, 2, 3),
        status="met",
    )
    Milestone.objects.create(
        project=first,
        position=1,
        milestone_type="procurement",
        title_fr="Appel d'offres",
        planned_date=date(2027, 3, 1),
    )
    FundingLine.objects.create(
        project=first,
        source="Banque européenne",
        description_en="First tranche",
        amount=Decimal("1000000.500"),
        currency="EUR",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    RiskAllocation.objects.create(project=first, risk_fr="Risque de demande", allocation="shared")
    RelatedProject.objects.create(project=first, related=second, relationship="phase")
    return first


def write_xlsx(rows, headers) -> bytes:
    return xlsx_bytes(headers, ([row.get(h, "") for h in headers] for row in rows), sheet_title="p")


def child_rows(reference):
    project = Project.objects.get(reference=reference)
    return (
        list(
            project.milestones.values_list(
                "milestone_type", "title_fr", "title_ar", "planned_date", "actual_date", "status"
            )
        ),
        list(project.funding_lines.values_list("amount", "currency", "source", "description_en")),
        list(project.risks.values_list("risk_fr", "allocation")),
        list(project.related_links.values_list("related__reference", "relationship")),
    )


def test_child_rows_are_exported_one_line_each(with_children):
    row = next(r for r in read_csv(export_csv()) if r["reference"] == "TST-2025-001")
    assert row["milestones"] == (
        "approval | 2026-01-20 | 2026-02-03 | met | Délibération du conseil | مداولة المجلس\n"
        "procurement | 2027-03-01 |  | scheduled | Appel d'offres"
    )
    assert row["funding"] == (
        "1000000.5 | EUR | Banque européenne | 2026-01-01 | 2027-12-31 |  |  | First tranche"
    )
    assert row["risks"] == "shared | Risque de demande"
    assert row["related_projects"] == "TST-2025-002 | phase"
    other = next(r for r in read_csv(export_csv()) if r["reference"] == "TST-2025-002")
    assert [other[name] for name in ("milestones", "funding", "risks", "related_projects")] == [
        "",
        "",
        "",
        "",
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_child_rows_import_back_unchanged(with_children, editor, kind):
    data = export_csv() if kind == "csv" else xlsx_file(Project.objects.all())
    before = child_rows("TST-2025-001")
    result = import_projects(data, user=editor, dry_run=False, name=f"export.{kind}")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.updated, result.skipped) == (0, Project.objects.count())
    assert child_rows("TST-2025-001") == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_edited_child_cells_replace_the_rows(with_children, editor, kind):
    rows = read_csv(export_csv())
    first = next(r for r in rows if r["reference"] == "TST-2025-001")
    first["milestones"] = "Delivery|2026-06-01||Scheduled|Mise en service\n\n"
    first["funding"] = "2 500 000,25 | tnd | Budget municipal"
    first["risks"] = ""  # an empty cell: no risks
    rows.append(
        new_row(
            "NEW-2026-020",
            milestones="approval | 2026-05-01 | | scheduled | Approbation",
            risks="private | Risque de construction | مخاطر البناء",
            related_projects="TST-2025-001 | expansion",
        )
    )
    headers = [name for name in rows[0] if name != "related_projects"] + ["related_projects"]
    for row in rows:
        row.setdefault("related_projects", "")
    # The first project's cell says what the export said: its rows stay.
    first["related_projects"] = "TST-2025-002 | phase"
    data = write_csv(rows, headers) if kind == "csv" else write_xlsx(rows, headers)
    result = import_projects(data, user=editor, dry_run=False, name=f"edited.{kind}")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (1, 1)
    milestones, funding, risks, related = child_rows("TST-2025-001")
    assert milestones == [("delivery", "Mise en service", "", date(2026, 6, 1), None, "scheduled")]
    assert funding == [(Decimal("2500000.250"), "TND", "Budget municipal", "")]
    assert risks == []
    assert related == [("TST-2025-002", "phase")]
    new = child_rows("NEW-2026-020")
    assert new[0] == [("approval", "Approbation", "", date(2026, 5, 1), None, "scheduled")]
    assert new[2] == [("Risque de construction", "private")]
    assert new[3] == [("TST-2025-001", "expansion")]
    update = next(r for r in result.rows if r.action == "update")
    assert {c[0] for c in update.changes} == {"milestones", "funding", "risks"}


def test_a_file_without_the_child_columns_leaves_the_rows_alone(with_children, editor):
    rows = read_csv(export_csv())
    before = child_rows("TST-2025-001")
    for row in rows:
        for name in ("milestones", "funding", "risks", "related_projects"):
            del row[name]
        row["purpose_en"] = "Changed."
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="partial.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert result.updated == Project.objects.count()
    assert child_rows("TST-2025-001") == before


@pytest.mark.parametrize(
    ("column", "cell", "words"),
    [
        ("milestones", "signature | 2026-01-01 | | scheduled | X", "not one of the codes"),
        ("milestones", "approval | 01/02/2026 | | scheduled | X", "YYYY-MM-DD"),
        ("milestones", "approval | | | scheduled | X", "needs a planned or an actual date"),
        ("milestones", "approval | 2026-01-01 | | met | X", "met needs its actual date"),
        ("milestones", "approval | 2026-01-01 | | scheduled", "separated by “|”"),
        ("milestones", "approval | 2026-01-01 | | scheduled | ", "title: This field"),
        ("funding", "-5 | TND | Budget", "greater than or equal to 0"),
        ("funding", "lots | TND | Budget", "not a number"),
        ("funding", "5 | XYZ | Budget", "not a currency code"),
        ("funding", "5 | TND | Budget | 2027-01-01 | 2026-01-01", "cannot end before it starts"),
        ("risks", "everyone | Risque", "not one of the codes"),
        ("related_projects", "NEW-2026-030 | phase", "cannot be related to itself"),
        ("related_projects", "XXX-2020-999 | phase", "No project has the reference"),
        ("related_projects", "TST-2025-001 | phase\nTST-2025-001 | expansion", "already related"),
        ("related_projects", "TST-2025-001 | sibling", "not one of the codes"),
    ],
)
def test_wrong_child_lines_are_refused_with_line_and_column(
    projects, editor, english, column, cell, words
):
    lines = ["", cell] if "\n" not in cell else [cell]  # a blank first line is skipped
    data = write_csv([new_row("NEW-2026-030", **{column: "\n".join(lines)})])
    result = import_projects(data, user=editor, dry_run=False, name="wrong.csv")
    assert not result.ok
    messages = [(e.line, e.column, str(e.message)) for e in result.errors]
    assert any(c == column and words in m for _l, c, m in messages), messages
    assert all(line == 2 for line, _c, _m in messages)
    assert any("Line 1 of the cell" in m or "Line 2 of the cell" in m for _l, _c, m in messages)
    assert not Project.objects.filter(reference="NEW-2026-030").exists()
    assert not Milestone.objects.exists()


def test_every_check_constraint_of_the_child_rows_is_evaluated():
    for column in CHILD_COLUMNS.values():
        for constraint in check_constraints(column.model):
            assert constraint.name in CHECKS


def test_a_project_may_name_one_created_by_the_same_file(projects, editor):
    rows = [
        new_row("NEW-2026-040", related_projects="NEW-2026-041 | phase"),
        new_row("NEW-2026-041"),  # no child columns of its own
    ]
    data = write_csv(rows)
    result = import_projects(data, user=editor, dry_run=False, name="pair.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert child_rows("NEW-2026-040")[3] == [("NEW-2026-041", "phase")]
