"""The pipeline columns of the projects' spreadsheet: exported, imported back unchanged,
edited, and refused when wrong."""

from datetime import date

import pytest

from catalogue.intake.imports import import_projects
from catalogue.models import PolicyGoal, Project
from catalogue.outputs.exports import COLUMN_NAMES, xlsx_file
from catalogue.register.roles import EDITOR
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
