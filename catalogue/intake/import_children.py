"""Reading and writing a project's child rows from the cells of its spreadsheet row
(``catalogue.outputs.exports_children``: one line per row, fields separated by " | ").

A column present in the file replaces the project's rows of its kind with the cell's (an
empty cell: no rows); a column absent leaves them alone. Each line is checked with the
model's field validation, its ``clean()`` and its check constraints, evaluated here in
Python: on PostgreSQL no query may run while the new projects are being streamed.

``ChildRowParser`` is a part of ``catalogue.intake.import_check.ProjectChecker``.
"""

from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint
from django.utils.translation import gettext as _

from catalogue.intake.import_parse import parse_day, parse_decimal
from catalogue.models import Project
from catalogue.outputs.exports_children import CHILD_COLUMNS, LINE_SEPARATOR, cell_text

LOOKUP_CHUNK = 1_000


def _met(row):
    return row.status != "met" or row.actual_date is not None


def _period_ordered(row):
    return row.period_start is None or row.period_end is None or row.period_end >= row.period_start


# Each check constraint of the child models, in Python (``related_project_not_itself`` is
# checked on the reference); a test checks that none is missing.
CHECKS = {
    "milestone_dated": lambda row: row.planned_date or row.actual_date,
    "milestone_met_has_date": _met,
    "funding_amount_not_negative": lambda row: row.amount is None or row.amount >= 0,
    "funding_period_ordered": _period_ordered,
}
CHECKED_ON_THE_REFERENCE = frozenset({"related_project_not_itself"})


def check_constraints(model):
    return [
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint)
        and constraint.name not in CHECKED_ON_THE_REFERENCE
    ]


class ChildRowParser:
    """The child-row half of the checker and importer."""

    def _child_columns(self):
        return [CHILD_COLUMNS[name] for name in self.columns if name in CHILD_COLUMNS]

    def _load_related_references(self, records, file_references):
        """The ids of the projects that the ``related_projects`` cells name (one query per
        thousand references, before any row is checked)."""
        self.project_ids = {}
        self.file_references = file_references
        if "related_projects" not in self.columns:
            return
        named = set()
        for _line, record in records:
            for text in record.get("related_projects", "").splitlines():
                named.add(text.split("|")[0].strip().upper())
        named = sorted(named - {""})
        for start in range(0, len(named), LOOKUP_CHUNK):
            chunk = named[start : start + LOOKUP_CHUNK]
            rows = Project.objects.filter(reference__in=chunk).values_list("reference", "id")
            self.project_ids.update(rows)

    def _load_child_cells(self, ids):
        """The existing projects' cells, as an export writes them, for comparison."""
        self.child_cells = {}
        for column in self._child_columns():
            cells = self.child_cells[column.name] = {}
            rows_by_project = {}
            for start in range(0, len(ids), LOOKUP_CHUNK):
                queryset = column.queryset.filter(project_id__in=ids[start : start + LOOKUP_CHUNK])
                for row in queryset:
                    rows_by_project.setdefault(row.project_id, []).append(row)
            for project_id, rows in rows_by_project.items():
                cells[project_id] = cell_text(column, rows)

    def _parse_children(self, record, reference, project, error):
        """{column: [unsaved rows]} of the child columns of the file; ``None`` for a column
        with an error (reported)."""
        children = {}
        for column in self._child_columns():
            rows = []
            failed = False
            seen = set()
            lines = [t for t in record.get(column.name, "").split(LINE_SEPARATOR) if t.strip()]
            for number, text in enumerate(lines, start=1):
                row = self._parse_line(column, number, text, reference, project, seen, error)
                if row is None:
                    failed = True
                else:
                    rows.append(row)
            children[column.name] = None if failed else rows
        return children

    def _parse_line(self, column, number, text, reference, project, seen, error):
        def refuse(message):
            error(
                column.name,
                _("Line %(number)s of the cell: %(message)s")
                % {"number": number, "message": message},
            )

        parts = [part.strip() for part in text.split("|")]
        if len(parts) > len(column.fields) or len(parts) < column.required:
            refuse(
                _(
                    "write %(fields)s, separated by “|” (the last %(optional)s may be left "
                    "off; a text cannot contain “|”)."
                )
                % {
                    "fields": " | ".join(column.fields),
                    "optional": len(column.fields) - column.required,
                }
            )
            return None
        parts += [""] * (len(column.fields) - len(parts))
        row = column.model(position=number - 1)
        if project.pk is not None:
            row.project = project  # clean() compares with the project's (new) dates
        ok = True
        for name, raw in zip(column.fields, parts, strict=True):
            field = column.model._meta.get_field(name)
            if name == "related":
                target = raw.upper()
                if target == reference:
                    refuse(_("A project cannot be related to itself."))
                    ok = False
                elif target in seen:
                    refuse(_("This project is already related."))
                    ok = False
                elif target not in self.project_ids and target not in self.file_references:
                    refuse(_("No project has the reference “%(value)s”.") % {"value": raw})
                    ok = False
                seen.add(target)
                row.related_reference = target
                row.related_id = self.project_ids.get(target)
            elif field.choices:
                codes = {str(code).lower(): code for code, _label in field.choices}
                if raw.lower() in codes:
                    setattr(row, name, codes[raw.lower()])
                elif raw or not field.has_default():
                    refuse(
                        _("“%(value)s” is not one of the codes: %(codes)s.")
                        % {"value": raw, "codes": ", ".join(map(str, codes.values()))}
                    )
                    ok = False
            elif field.get_internal_type() == "DateField":
                day = parse_day(raw)
                if day is False:
                    refuse(_("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": raw})
                    ok = False
                else:
                    setattr(row, name, day)
            elif field.get_internal_type() == "DecimalField":
                amount = parse_decimal(raw)
                if amount is False or amount is None:
                    refuse(_("“%(value)s” is not a number.") % {"value": raw})
                    ok = False
                else:
                    setattr(row, name, amount)
            elif name == "currency":
                setattr(row, name, raw.upper())
            else:
                setattr(row, name, raw)
        if not ok:
            return None
        try:
            row.full_clean(
                exclude=["project", "related"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                label = "" if name == "__all__" else column.model._meta.get_field(name).verbose_name
                for message in messages:
                    refuse(f"{label}: {message}" if label else message)
            return None
        for constraint in check_constraints(column.model):
            if not CHECKS[constraint.name](row):
                refuse(constraint.get_violation_error_message())
                return None
        return row

    def _child_changes(self, existing, children):
        """(column, old cell, new cell) for each child column whose rows change."""
        changes = []
        for name, rows in children.items():
            column = CHILD_COLUMNS[name]
            old = self.child_cells[name].get(existing.pk, "")
            new = cell_text(column, rows)
            if old != new:
                changes.append((name, old, new))
        return changes

    def write_children(self):
        """After the projects: replace the rows of each changed kind (few rows: one
        ``DELETE`` and one ``bulk_create`` per kind)."""
        ids = dict(self.project_ids)
        for project, _links in self.to_create:  # a related project new in the file
            ids[project.reference] = project.pk
        for name, column in CHILD_COLUMNS.items():
            replaced = []
            new_rows = []
            for project, children in self.children_to_write:
                if name not in children:
                    continue
                replaced.append(project.pk)
                for row in children[name]:
                    row.project_id = project.pk
                    if name == "related_projects":
                        row.related_id = ids[row.related_reference]
                    new_rows.append(row)
            for start in range(0, len(replaced), LOOKUP_CHUNK):
                column.model.objects.filter(
                    project_id__in=replaced[start : start + LOOKUP_CHUNK]
                ).delete()
            column.model.objects.bulk_create(new_rows)
