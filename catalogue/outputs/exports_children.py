"""A project's child rows (milestones, funding lines, risks, related projects) as cells of
its spreadsheet row: one line per row, its fields separated by " | " in a fixed order
(documented in ``docs/import-columns.md``). Exports write them here; the import
(``catalogue.intake.import_children``) reads them back with the same ``CHILD_COLUMNS``.

Codes and dates come first, texts last: a line may stop after its last required field,
and the optional texts (other languages, a description) left off are empty.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from catalogue.models import FundingLine, Milestone, RelatedProject, RiskAllocation
from catalogue.models.projects import ProjectQuerySet

FIELD_SEPARATOR = " | "
LINE_SEPARATOR = "\n"


@dataclass(frozen=True)
class ChildColumn:
    """One column holding a kind of child row."""

    name: str  # the column
    model: type
    related_name: str  # the project's reverse accessor
    fields: tuple[str, ...]  # the model's attributes, in the cell's order
    required: int  # how many leading fields a line must give

    @property
    def queryset(self):
        queryset = self.model.objects.order_by("project", "position", "id")
        if self.model is RelatedProject:
            queryset = queryset.select_related("related").only(
                "id", "project_id", "position", "relationship", "related__reference"
            )
        return queryset


CHILD_COLUMNS = {
    column.name: column
    for column in (
        ChildColumn(
            "milestones",
            Milestone,
            "milestones",
            (
                "milestone_type",
                "planned_date",
                "actual_date",
                "status",
                "title_fr",
                "title_ar",
                "title_en",
            ),
            5,
        ),
        ChildColumn(
            "funding",
            FundingLine,
            "funding_lines",
            (
                "amount",
                "currency",
                "source",
                "period_start",
                "period_end",
                "description_fr",
                "description_ar",
                "description_en",
            ),
            3,
        ),
        ChildColumn(
            "risks", RiskAllocation, "risks", ("allocation", "risk_fr", "risk_ar", "risk_en"), 2
        ),
        ChildColumn(
            "related_projects", RelatedProject, "related_links", ("related", "relationship"), 2
        ),
    )
}


def shown(value) -> str:
    """A field's text in a cell: dates as YYYY-MM-DD, amounts without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def line_text(column: ChildColumn, row) -> str:
    """One row as a line of its cell (``row.related_reference`` or ``row.related`` for a
    related project)."""
    parts = []
    for name in column.fields:
        if name == "related":
            reference = getattr(row, "related_reference", None)
            parts.append(reference if reference is not None else row.related.reference)
        else:
            parts.append(shown(getattr(row, name)))
    while len(parts) > column.required and not parts[-1]:
        parts.pop()
    return FIELD_SEPARATOR.join(parts)


def cell_text(column: ChildColumn, rows) -> str:
    return LINE_SEPARATOR.join(line_text(column, row) for row in rows)


def child_prefetches(*, public_related_only=False) -> list:
    """One query each per chunk; ``public_related_only``: links to public projects only
    (the public files must not name a draft)."""
    prefetches = []
    for column in CHILD_COLUMNS.values():
        queryset = column.queryset
        if public_related_only and column.model is RelatedProject:
            queryset = queryset.filter(ProjectQuerySet.public_condition("related__"))
        prefetches.append(Prefetch(column.related_name, queryset=queryset))
    return prefetches


def child_values(project) -> dict:
    """The project's child cells, from its prefetched rows."""
    return {
        name: cell_text(column, getattr(project, column.related_name).all())
        for name, column in CHILD_COLUMNS.items()
    }
