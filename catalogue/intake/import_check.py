"""Checking a projects file: its header, then every row against caches of the reference
data, the model's validation and the register's rules (``catalogue.register.rules``: scope,
staff-only columns, municipality fixed, edit version, example reference), collecting every
error. Nothing is written here (see ``catalogue.intake.import_write``).
"""

import copy
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravan.models import Dimension, Ministry, Stop
from catalogue.intake.import_children import ChildRowParser
from catalogue.intake.import_parse import (
    FIELD_COLUMNS,
    LINK_COLUMNS,
    REMEMBERED_TEXT_LENGTH,
    RESOLVED_FOREIGN_KEYS,
    RowParser,
)
from catalogue.intake.import_results import ImportResult, RowError, RowOutcome
from catalogue.models import PolicyGoal, Project, Sector
from catalogue.outputs.exports import COLUMN_NAMES, IMPORTABLE, REQUIRED
from catalogue.register import rules
from catalogue.register.choices import Status
from catalogue.register.permissions import focal_municipality_id
from municipalities.models import Municipality

LOOKUP_CHUNK = 1_000  # references per IN (…) query


def check_headers(headers: list[str]) -> list[RowError]:
    """Unknown, repeated and missing columns (all reported at once)."""
    errors = []
    known = set(COLUMN_NAMES)
    seen = set()
    for header in headers:
        if not header:
            errors.append(
                RowError(1, "", _("A column has no name; give it one or delete the column."))
            )
        elif header not in known:
            errors.append(
                RowError(
                    1,
                    header,
                    _("Unknown column. The columns are: %(columns)s (see the column guide).")
                    % {"columns": ", ".join(COLUMN_NAMES)},
                )
            )
        elif header in seen:
            errors.append(RowError(1, header, _("This column appears twice.")))
        seen.add(header)
    for name in REQUIRED:
        if name not in seen:
            errors.append(
                RowError(1, name, _("This column is required and missing from the file."))
            )
    return errors


class ProjectChecker(RowParser, ChildRowParser):
    """Validates rows against caches of the reference data (``ProjectImporter`` writes them)."""

    def __init__(self, *, user, headers, expected: dict | None = None):
        self.user = user
        self.expected = expected  # reference → edit version at the check (None: new)
        self.columns = [h for h in headers if h in IMPORTABLE]
        self.focal_municipality = focal_municipality_id(user) if user is not None else None
        self.may_add = user is None or user.has_perm("catalogue.add_project")
        self.may_change = user is None or user.has_perm("catalogue.change_project")
        self.to_create = []  # (project, {link column: target ids})
        self.to_update = []  # (project, changed fields, {changed link column: target ids})
        self.children_to_write = []  # (project, {child column: its new rows})
        self.new_project = Project(status=Status.DRAFT)  # with the defaults; copied per new row
        self.fields = {f.name: f for f in Project._meta.fields if not f.generated}
        self.valid_values = set()  # (attname, type, value) found valid (see _full_clean)
        # A new row's fields that the file does not set keep these defaults: only those
        # that would not pass (a required text, say) need checking on each new row.
        self.invalid_defaults = self._invalid_fields(
            self.new_project, exclude=RESOLVED_FOREIGN_KEYS
        )
        self._load_reference_data()

    # Caches ----------------------------------------------------------------------------

    def _load_reference_data(self):
        self.municipalities = {}
        for municipality in Municipality.objects.select_related("governorate"):
            self.municipalities[municipality.code] = municipality
            self.municipalities[municipality.slug.lower()] = municipality
        self.sectors = {sector.code.lower(): sector for sector in Sector.objects.all()}
        self.dimensions = {d.code.lower(): d.pk for d in Dimension.objects.all()}
        self.ministries = {}
        for ministry in Ministry.objects.all():
            self.ministries[ministry.slug.lower()] = ministry.pk
            self.ministries[ministry.acronym.lower()] = ministry.pk
        goals = list(PolicyGoal.objects.all())
        self.policy_goals = {}
        for goal in goals:  # "SDG 11" as exported, or "SDG-11"
            self.policy_goals[f"{goal.framework}-{goal.code}".lower()] = goal.pk
            self.policy_goals[goal.label.lower()] = goal.pk
        self.stops = {}
        self.editions = set()
        for stop in Stop.objects.select_related("edition"):
            self.stops[(stop.edition.number, stop.municipality_id)] = stop
            self.editions.add(stop.edition.number)
        # By primary key, for the labels of a preview and to attach cached objects.
        self.by_pk = {
            "municipality": {m.pk: m for m in self.municipalities.values()},
            "sector": {s.pk: s for s in self.sectors.values()},
            "stop": {s.pk: s for s in self.stops.values()},
        }
        self.labels = {
            "dimensions": {d.pk: d.code for d in Dimension.objects.all()},
            "ministries": {m.pk: m.acronym for m in Ministry.objects.all()},
            "policy_goals": {goal.pk: goal.label for goal in goals},
        }

    def _load_projects(self, references, *, lock: bool):
        """The existing projects of the file, and their links (dimensions, ministries…)."""
        self.existing = {}
        queryset = Project.objects.all()
        if lock:
            queryset = queryset.select_for_update()
        references = sorted(references)
        for start in range(0, len(references), LOOKUP_CHUNK):
            chunk = references[start : start + LOOKUP_CHUNK]
            for project in queryset.filter(reference__in=chunk).order_by():
                self.existing[project.reference] = project
        self.links = {name: {} for name in LINK_COLUMNS}
        ids = sorted(project.pk for project in self.existing.values())
        for name, column in LINK_COLUMNS.items():
            through = getattr(Project, name).through
            for start in range(0, len(ids), LOOKUP_CHUNK):
                rows = through.objects.filter(project_id__in=ids[start : start + LOOKUP_CHUNK])
                for link_id, project_id, target_id in rows.values_list("id", "project_id", column):
                    self.links[name].setdefault(project_id, []).append((link_id, target_id))
        self._load_child_cells(ids)

    # Validation ------------------------------------------------------------------------

    def validate(self, table, result: ImportResult, *, lock: bool, after_row=None):
        """Check every row (all errors are collected); ``after_row()`` is called after each."""
        records = list(table.records())
        references = {record.get("reference", "").strip().upper() for _line, record in records} - {
            ""
        }
        self._load_related_references(records, references)
        self._load_projects(references, lock=lock)
        first_line = {}
        for line, record in records:
            self._validate_row(line, record, result, first_line)
            if after_row is not None:
                after_row()

    def _validate_row(self, line, record, result, first_line):
        errors = []

        def error(column, message):
            errors.append(RowError(line, column, message))

        reference = record.get("reference", "").strip().upper()
        if not reference:
            error("reference", _("The reference is required."))
        elif reference in first_line:
            error(
                "reference",
                _(
                    "The reference %(reference)s is already on line %(line)s of this file: "
                    "each project may appear only once."
                )
                % {"reference": reference, "line": first_line[reference]},
            )
            result.errors.extend(errors)
            return
        else:
            first_line[reference] = line
            try:
                rules.check_not_example_reference(reference)
            except ValidationError as refused:
                error("reference", refused.message_dict["reference"][0])
        existing = self.existing.get(reference)
        result.versions[reference] = existing.lock_version if existing is not None else None
        if self.expected is not None:
            self._check_unchanged_since_check(reference, existing, error)
        values, links, failed = self._parse(record, error, existing)

        if existing is None:
            project = _clone(self.new_project)  # faster than Project(…)
            project.reference = reference
            if not self.may_add:
                error("reference", _("You may not create projects, only update them."))
        else:
            project = _clone(existing)
        for name, value in values.items():
            setattr(project, name, value)
        children = self._parse_children(record, reference, project, error)

        if "municipality" in values:
            if not rules.may_create_project(self.user, values["municipality"].pk):
                error(
                    "municipality",
                    _("As a municipal focal point you can only import projects of %(name)s.")
                    % {"name": self._focal_name()},
                )

        # Every field of an existing project, as full_clean(); a new one's own values.
        names = self.fields if existing is not None else [*values, *self.invalid_defaults]
        try:
            self._full_clean(project, names, exclude={*RESOLVED_FOREIGN_KEYS, *failed})
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                column = "" if name == "__all__" else FIELD_COLUMNS.get(name, name)
                for message in messages:
                    error(column, message)

        for name in rules.staff_only_changes(self.user, project, existing or self.new_project):
            if name in values:
                error(name, _("Only ministry staff can change this column."))
        if existing is None:
            action, changes = "create", []
        else:
            changes, changed_fields, changed_links = self._diff(existing, project, values, links)
            valid_children = {name: rows for name, rows in children.items() if rows is not None}
            child_changes = self._child_changes(existing, valid_children)
            changes += child_changes
            action = "update" if changes else "skip"
            if action == "update":
                self._check_update(existing, record, values, error)
        if errors:
            result.errors.extend(errors)
            return
        published = action == "update" and existing.status == Status.PUBLISHED
        result.rows.append(RowOutcome(line, reference, action, changes, published))
        if action == "create":
            self.to_create.append((project, {name: links.get(name, []) for name in LINK_COLUMNS}))
            if children:
                self.children_to_write.append((project, children))
        elif action == "update":
            self.to_update.append((project, changed_fields, changed_links))
            if child_changes:
                changed = {name: children[name] for name, _old, _new in child_changes}
                self.children_to_write.append((project, changed))

    def _invalid_fields(self, project, *, exclude):
        try:
            self._full_clean(project, self.fields, exclude=exclude)
        except ValidationError as invalid:
            return [name for name in invalid.message_dict if name in self.fields]
        return []

    def _full_clean(self, project, names, *, exclude):
        """``project.full_clean()`` for the fields ``names``, without the unique and
        constraint checks (the database has them; a duplicated reference is reported
        above), remembering the field values already found valid.

        A field's own validation (type, choices, length, validators) depends only on its
        value; foreign keys, whose validation queries the database, are resolved from the
        caches and excluded. So a value that passed once (a stage, a sector's default, a
        yes/no, a short name…) is not checked again for each of 10,000 rows; long texts
        are checked every time. ``Model.clean()``, the rules across fields, runs for every
        row.
        """
        errors = {}
        valid = self.valid_values
        for name in names:
            f = self.fields.get(name)
            if f is None or name in exclude:
                continue
            raw = getattr(project, f.attname)
            if f.blank and raw in f.empty_values:
                continue
            # A decimal's places are part of its value here (1.0 == 1.00 for Python).
            key = (f.attname, type(raw), str(raw) if isinstance(raw, Decimal) else raw)
            try:
                if key in valid:
                    continue
            except TypeError:  # not hashable
                key = None
            try:
                cleaned = f.clean(raw, project)
            except ValidationError as invalid:
                errors[f.name] = invalid.error_list
                continue
            setattr(project, f.attname, cleaned)
            if (
                key is not None
                and type(cleaned) is type(raw)
                and cleaned == raw
                and (not isinstance(raw, str) or len(raw) <= REMEMBERED_TEXT_LENGTH)
            ):
                valid.add(key)
        try:
            project.clean()
        except ValidationError as invalid:
            errors = invalid.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _focal_name(self):
        for municipality in self.municipalities.values():
            if municipality.pk == self.focal_municipality:
                return municipality.name_fr
        return "?"

    def _check_unchanged_since_check(self, reference, existing, error):
        """The confirmation of a check: the project is as the check saw it (new, or at the
        same edit version), whatever the file's ``edit_version`` column says."""
        if reference not in self.expected:
            return
        seen = self.expected[reference]
        current = existing.lock_version if existing is not None else None
        try:
            rules.check_lock_version(seen, current)
        except ValidationError:
            pass
        else:
            return
        if seen is None:
            message = _(
                "The project %(reference)s did not exist when the file was checked, but "
                "someone has created it since. Nothing was imported: check the file again "
                "to see what it would change now."
            )
        elif current is None:
            message = _(
                "The project %(reference)s was deleted after the file was checked. Nothing "
                "was imported: check the file again."
            )
        else:
            message = _(
                "Someone changed the project %(reference)s after the file was checked (edit "
                "version %(current)s, %(seen)s at the check). Nothing was imported: check "
                "the file again to see what it would change now."
            )
        error(
            "reference",
            message % {"reference": reference, "current": current, "seen": seen},
        )

    def created_meanwhile(self, result: ImportResult) -> list[RowError]:
        """After a unique violation: the new references of the file that exist now."""
        lines = {project.reference: None for project, _links in self.to_create}
        for row in result.rows:
            if row.reference in lines:
                lines[row.reference] = row.line
        if not lines:
            lines = {reference: None for reference, seen in result.versions.items() if seen is None}
        taken = set(
            Project.objects.filter(reference__in=list(lines)).values_list("reference", flat=True)
        )
        errors = [
            RowError(
                lines[reference],
                "reference",
                _(
                    "The project %(reference)s was created by someone else while this file "
                    "was being imported. Nothing was imported: check the file again."
                )
                % {"reference": reference},
            )
            for reference in sorted(taken, key=lambda ref: lines[ref] or 0)
        ]
        return errors or [
            RowError(
                None,
                "",
                _(
                    "The catalogue changed while this file was being imported, and nothing "
                    "was imported. Import it again."
                ),
            )
        ]

    def _check_update(self, existing, record, values, error):
        """Rights on an existing project, and the edit version the file was exported at."""
        if not self.may_change:
            error("reference", _("You may not change existing projects."))
        refusal = rules.edit_refusal(self.user, existing)
        if refusal is not None:
            error("reference", refusal)
        if values.get("municipality") is not None:
            try:
                rules.check_municipality_unchanged(values["municipality"].pk, existing)
            except ValidationError as refused:
                error("municipality", refused.message_dict["municipality"][0])
        given = record.get("edit_version", "").strip()
        if "edit_version" in self.columns and given:
            try:
                version = int(Decimal(given))
            except (InvalidOperation, ValueError):
                error("edit_version", _("“%(value)s” is not a whole number.") % {"value": given})
                return
            try:
                rules.check_lock_version(version, existing.lock_version)
            except ValidationError:
                error(
                    "edit_version",
                    _(
                        "Someone changed this project after your export (edit version "
                        "%(current)s, your file has %(given)s). Export it again and redo your "
                        "changes on the new export."
                    )
                    % {"current": existing.lock_version, "given": version},
                )

    def _attach_cached(self, project):
        """Give the project its municipality (with governorate) and sector from the caches,
        so that its search text is composed without a query."""
        project.municipality = self.by_pk["municipality"][project.municipality_id]
        if project.sector_id:
            project.sector = self.by_pk["sector"][project.sector_id]


def _clone(instance):
    """A copy of a model instance, as ``copy.copy`` makes it (own state and cache of
    related objects) at a fraction of its cost."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    state = clone._state = copy.copy(instance._state)
    state.fields_cache = state.fields_cache.copy()
    return clone
