"""Importing projects from CSV or XLSX: all or nothing, every row validated, fast.

``import_projects(file, user=…, dry_run=…)`` backs both the admin's import page and
``manage.py import_projects``:

1. the file is checked and read (``smartcities.core.spreadsheets.read_table``: size, real type,
   zip bombs, encoding, number of rows) and its header checked against the columns of
   ``catalogue.outputs.exports.PROJECT_COLUMNS``;
2. every row is parsed and validated: natural keys (municipality code or slug, sector
   code, dimension codes, ministry acronyms or slugs, caravan edition) resolved from
   caches loaded once, the model's own validation (``full_clean``), a reference used twice
   in the file, the user's rights and municipal scope, the edit version;
3. if any row has an error, nothing is written and each error names its line, its column
   and the reason; otherwise (and unless it is a dry run) the rows are written in one
   transaction, with their search text and a history record for each new or changed
   project (who, when, which file, what). On PostgreSQL the new projects are streamed
   with COPY while the next rows are checked (``PostgresWriter``), and rolled back with
   the transaction if a later row fails; elsewhere they are written with bulk queries
   after the check. Bulk writes send no signals, so the import raises the catalogue
   version itself (cached public pages).

The import never changes a project's workflow status: new projects are drafts, the
``status`` column is ignored. Each changed project's edit version goes up by one.

Imports that write run one at a time (on PostgreSQL a transaction-level advisory lock
taken before anything is read; SQLite's write transactions are serialised anyway), and
every existing project of the file is locked (``SELECT … FOR UPDATE``) while it is
checked and written. A confirmation passes what its check saw (``expected``: each
reference's edit version, ``None`` for a new one): a line whose project was created,
changed or deleted since is refused, ``edit_version`` column or not. A new reference
that another transaction creates meanwhile (the unique index's violation) is refused the
same way, never an error page.
"""

import copy
import json
import operator
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caravan.models import Dimension, Ministry, Stop
from catalogue.models import Project, Sector
from catalogue.outputs.exports import COLUMN_NAMES, IMPORTABLE, REQUIRED
from catalogue.public.caching import bump_version
from catalogue.register.choices import ContractModel, ContractSubtype, Initiation, Stage, Status
from catalogue.register.permissions import focal_municipality_id
from municipalities.models import Municipality
from smartcities.core.spreadsheets import FileProblem, read_table
from smartcities.core.storage import document_storage

IMPORT_PERMISSION = "catalogue.import_project"
# Statuses a municipal focal point may still change (as in the admin).
FOCAL_POINT_EDITABLE = (Status.DRAFT, Status.NEEDS_INFORMATION)
BATCH_SIZE = 500
LOOKUP_CHUNK = 1_000  # references per IN (…) query

TEXT_COLUMNS = (
    *(
        f"{name}_{lang}"
        for name in ("title", "summary", "description")
        for lang in ("fr", "ar", "en")
    ),
    "contact_name",
    "contact_email",
    "contact_phone",
)
CHOICE_COLUMNS = {
    "stage": (Stage, ""),
    "contract_model": (ContractModel, ""),
    "contract_subtype": (ContractSubtype, ""),
    "initiation": (Initiation, ""),
}
# The codes of each choice column, looked up once (an enum's ``values`` is rebuilt per use).
CHOICE_CODES = {column: frozenset(enum.values) for column, (enum, _d) in CHOICE_COLUMNS.items()}
DECIMAL_COLUMNS = ("investment_tnd", "land_area_ha", "latitude", "longitude")
INTEGER_COLUMNS = ("expected_jobs", "duration_years")
BOOLEAN_COLUMNS = ("featured", "is_demo")
TRUE_WORDS = frozenset({"yes", "oui", "true", "vrai", "1", "x", "نعم"})
FALSE_WORDS = frozenset({"no", "non", "false", "faux", "0", "", "لا"})
# Model field → column, for the model's validation messages.
FIELD_COLUMNS = {"stop": "caravan_edition", "lock_version": "edit_version"}
# Foreign keys are resolved from the caches: full_clean would check each one with a query.
RESOLVED_FOREIGN_KEYS = ["municipality", "stop", "sector", "submitted_by", "last_edited_by"]
FOREIGN_KEYS = ("municipality", "stop", "sector")
REMEMBERED_TEXT_LENGTH = 100  # longer valid texts are not remembered (see _full_clean)
# PostgreSQL advisory lock held by the transaction of an import that writes (any number
# fixed for this purpose; pg_advisory_xact_lock takes a bigint).
IMPORT_LOCK_KEY = 7_310_415_222


@dataclass
class RowError:
    """Why a line cannot be imported. ``line`` is None for a problem of the whole file."""

    line: int | None
    column: str
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        if self.column:
            return _("Line %(line)s, column “%(column)s”: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class RowOutcome:
    """What the import does (or would do) with one line."""

    line: int
    reference: str
    action: str  # "create", "update" or "skip"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, old, new


@dataclass
class ImportResult:
    dry_run: bool
    file_name: str = ""
    total_rows: int = 0
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    # Each reference of the file: its project's edit version when checked, None if new.
    versions: dict[str, int | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def skipped(self) -> int:
        return self.count("skip")

    @property
    def error_lines(self) -> int:
        return len({error.line for error in self.errors})

    def summary(self) -> str:
        if not self.ok:
            return _(
                "Nothing was imported: %(errors)s error(s) on %(lines)s line(s). Correct the "
                "file and import it again."
            ) % {"errors": len(self.errors), "lines": self.error_lines}
        values = {"created": self.created, "updated": self.updated, "skipped": self.skipped}
        if self.dry_run:
            return (
                _(
                    "Check passed, nothing written yet: %(created)s project(s) would be "
                    "created, %(updated)s updated, %(skipped)s left unchanged."
                )
                % values
            )
        return (
            _(
                "Import done: %(created)s project(s) created (as drafts), %(updated)s updated, "
                "%(skipped)s left unchanged."
            )
            % values
        )

    def as_dict(self, *, max_rows: int = 100, max_errors: int = 500) -> dict:
        """The result as JSON data (a background task's return value): counts, the first
        rows of each kind and the first errors."""
        return {
            "dry_run": self.dry_run,
            "file_name": self.file_name,
            "total_rows": self.total_rows,
            "seconds": self.seconds,
            "counts": {"create": self.created, "update": self.updated, "skip": self.skipped},
            "rows": [
                [row.line, row.reference, row.action, row.changes]
                for action in ("create", "update")
                for row in [r for r in self.rows if r.action == action][:max_rows]
            ],
            "errors": [[e.line, e.column, e.message] for e in self.errors[:max_errors]],
            "error_count": len(self.errors),
            "error_lines": self.error_lines,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        """A result read back from ``as_dict`` (counts kept, rows and errors as stored)."""
        return StoredImportResult(data)


class StoredImportResult(ImportResult):
    """An ``ImportResult`` rebuilt from JSON: the counts are the stored ones."""

    def __init__(self, data: dict):
        super().__init__(
            dry_run=data["dry_run"],
            file_name=data["file_name"],
            total_rows=data["total_rows"],
            rows=[RowOutcome(*row) for row in data["rows"]],
            errors=[RowError(*error) for error in data["errors"]],
            seconds=data["seconds"],
        )
        self.counts = data["counts"]
        self.error_count = data["error_count"]
        self.stored_error_lines = data["error_lines"]

    @property
    def ok(self) -> bool:
        return not self.error_count

    def count(self, action: str) -> int:
        return self.counts[action]

    @property
    def error_lines(self) -> int:
        return self.stored_error_lines


@task()
def import_projects_task(
    *, stored: str, name: str, user_id, language: str, expected: str | None = None
) -> dict:
    """``import_projects`` in the background (large files) of a file waiting in the
    documents storage under the name ``stored``, confirming the check whose versions wait
    there under the name ``expected``; both files are deleted after."""
    storage = document_storage()
    try:
        with storage.open(stored, "rb") as file:
            data = file.read()
        versions = read_versions(storage, expected) if expected else None
    finally:
        storage.delete(stored)
    user = get_user_model().objects.get(pk=user_id) if user_id is not None else None
    with translation.override(language):
        if expected and versions is None:
            result = ImportResult(dry_run=False, file_name=name)
            result.errors.append(
                RowError(
                    None,
                    "",
                    _("This check has expired or was already used: upload the file again."),
                )
            )
            return result.as_dict()
        return import_projects(
            data, user=user, dry_run=False, name=name, expected=versions
        ).as_dict()


def save_versions(storage, name: str, versions: dict) -> str:
    """Keep a check's ``versions`` in ``storage`` (beside the file waiting for its
    confirmation); the name it was given."""
    return storage.save(name, ContentFile(json.dumps(versions).encode()))


def read_versions(storage, name: str) -> dict | None:
    """The ``versions`` kept by ``save_versions`` (deleted once read), or None if they are
    gone or are not what was kept."""
    try:
        with storage.open(name, "rb") as file:
            versions = json.loads(file.read())
    except (FileNotFoundError, ValueError):
        return None
    finally:
        storage.delete(name)
    if not isinstance(versions, dict) or not all(
        isinstance(key, str) and (value is None or type(value) is int)
        for key, value in versions.items()
    ):
        return None
    return versions


def can_import(user) -> bool:
    """Importing needs the explicit import permission (``None`` is the system itself)."""
    return user is None or user.has_perm(IMPORT_PERMISSION)


def import_projects(
    file, *, user, dry_run: bool, name: str | None = None, expected: dict | None = None
) -> ImportResult:
    """Check (``dry_run``) or import a CSV/XLSX file of projects, all or nothing.

    ``file`` is an uploaded file, a binary file object or bytes; ``user`` is who imports
    (``None``: the system, e.g. an operator's command). ``expected``: the ``versions`` of
    the check being confirmed; a line whose project was created, changed or deleted since
    is refused. Raises ``PermissionDenied`` when the user may not import; every other
    problem is in the result's ``errors``.
    """
    if not can_import(user):
        raise PermissionDenied(_("You may not import projects."))
    started = time.perf_counter()
    file_name = name or getattr(file, "name", "") or ""
    result = ImportResult(dry_run=dry_run, file_name=file_name)
    try:
        table = read_table(file, name=name)
    except FileProblem as problem:
        result.errors.append(RowError(None, "", problem.message))
        return _finish(result, started)
    result.total_rows = len(table.rows)
    header_errors = check_headers(table.headers)
    if header_errors:
        result.errors.extend(header_errors)
        return _finish(result, started)
    importer = ProjectImporter(user=user, headers=table.headers, expected=expected)
    if dry_run:
        importer.validate(table, result, lock=False)
    else:
        try:
            with transaction.atomic():
                importer.import_rows(
                    table, result, reason=_("Import of %(name)s") % {"name": file_name or "?"}
                )
        except IntegrityError:
            # Rolled back: another transaction created one of the new references after
            # this one looked (a staff member's save; imports wait for each other).
            result.errors.extend(importer.created_meanwhile(result))
            result.rows.clear()
    return _finish(result, started)


def _finish(result: ImportResult, started: float) -> ImportResult:
    result.seconds = time.perf_counter() - started
    return result


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


class ProjectImporter:
    """Validates rows against caches of the reference data, then writes them in bulk."""

    def __init__(self, *, user, headers, expected: dict | None = None):
        self.user = user
        self.expected = expected  # reference → edit version at the check (None: new)
        self.columns = [h for h in headers if h in IMPORTABLE]
        self.focal_municipality = focal_municipality_id(user) if user is not None else None
        self.may_add = user is None or user.has_perm("catalogue.add_project")
        self.may_change = user is None or user.has_perm("catalogue.change_project")
        self.to_create = []  # (project, dimension ids, ministry ids)
        self.to_update = []  # (project, changed fields, dimension ids or None, ministry ids…)
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
        }

    def _load_projects(self, references, *, lock: bool):
        """The existing projects of the file, and their dimensions and ministries."""
        self.existing = {}
        queryset = Project.objects.all()
        if lock:
            queryset = queryset.select_for_update()
        references = sorted(references)
        for start in range(0, len(references), LOOKUP_CHUNK):
            chunk = references[start : start + LOOKUP_CHUNK]
            for project in queryset.filter(reference__in=chunk).order_by():
                self.existing[project.reference] = project
        self.links = {"dimensions": {}, "ministries": {}}
        ids = sorted(project.pk for project in self.existing.values())
        for name, column in (("dimensions", "dimension_id"), ("ministries", "ministry_id")):
            through = getattr(Project, name).through
            for start in range(0, len(ids), LOOKUP_CHUNK):
                rows = through.objects.filter(project_id__in=ids[start : start + LOOKUP_CHUNK])
                for link_id, project_id, target_id in rows.values_list("id", "project_id", column):
                    self.links[name].setdefault(project_id, []).append((link_id, target_id))

    # Validation ------------------------------------------------------------------------

    def validate(self, table, result: ImportResult, *, lock: bool, after_row=None):
        """Check every row (all errors are collected); ``after_row()`` is called after each."""
        records = list(table.records())
        references = {record.get("reference", "").strip().upper() for _line, record in records} - {
            ""
        }
        self._load_projects(references, lock=lock)
        first_line = {}
        for line, record in records:
            self._validate_row(line, record, result, first_line)
            if after_row is not None:
                after_row()

    def import_rows(self, table, result: ImportResult, *, reason: str):
        """Check every row and write them, in the caller's transaction: when any row has an
        error, whatever was already written is rolled back.

        On PostgreSQL the new projects are streamed to the database (``COPY``) while the
        next rows are being checked, so that the database indexes them on its own core
        meanwhile (see ``PostgresWriter``); elsewhere the rows are written in bulk after
        the check.
        """
        if connection.vendor == "postgresql":
            # One import that writes at a time, each reading what the previous one wrote.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
            writer = PostgresWriter(self, result)
            with writer:
                self.validate(table, result, lock=True, after_row=writer.stream)
            if result.ok:
                writer.write(reason=reason)
        else:
            self.validate(table, result, lock=True)
            if result.ok:
                self.write(reason=reason)
        if not result.ok:
            transaction.set_rollback(True)
        elif self.to_create or self.to_update:
            # Bulk writes send no signals: the cached public pages must still go.
            bump_version()

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

        if self.focal_municipality is not None and "municipality" in values:
            if values["municipality"].pk != self.focal_municipality:
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

        if existing is None:
            action, changes = "create", []
        else:
            changes, changed_fields, changed_links = self._diff(existing, project, values, links)
            action = "update" if changes else "skip"
            if action == "update":
                self._check_update(existing, record, values, error)
        if errors:
            result.errors.extend(errors)
            return
        result.rows.append(RowOutcome(line, reference, action, changes))
        if action == "create":
            self.to_create.append(
                (project, links.get("dimensions", []), links.get("ministries", []))
            )
        elif action == "update":
            self.to_update.append((project, changed_fields, changed_links))

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
        if seen == current:
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
        lines = {project.reference: None for project, _d, _m in self.to_create}
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
        if self.focal_municipality is not None:
            if existing.municipality_id != self.focal_municipality:
                error("reference", _("This project belongs to another municipality."))
            elif existing.status not in FOCAL_POINT_EDITABLE:
                error(
                    "reference",
                    _(
                        "This project is “%(status)s”: a municipal focal point can only change "
                        "drafts and projects waiting for information."
                    )
                    % {"status": Status(existing.status).label},
                )
            for name in ("featured", "is_demo"):
                if name in values and values[name] != getattr(existing, name):
                    error(name, _("Only ministry staff can change this column."))
        given = record.get("edit_version", "").strip()
        if "edit_version" in self.columns and given:
            try:
                version = int(Decimal(given))
            except (InvalidOperation, ValueError):
                error("edit_version", _("“%(value)s” is not a whole number.") % {"value": given})
                return
            if version != existing.lock_version:
                error(
                    "edit_version",
                    _(
                        "Someone changed this project after your export (edit version "
                        "%(current)s, your file has %(given)s). Export it again and redo your "
                        "changes on the new export."
                    )
                    % {"current": existing.lock_version, "given": version},
                )

    def _parse(self, record, error, existing):
        """The model values and links of a row; ``failed``: fields whose cell is invalid."""
        values = {}
        links = {}
        failed = set()
        for column in self.columns:
            raw = record.get(column, "")
            if column in TEXT_COLUMNS:
                values[column] = raw.replace("\r\n", "\n")
            elif column == "municipality":
                municipality = self.municipalities.get(raw) or self.municipalities.get(raw.lower())
                if municipality is None:
                    failed.add("municipality")
                    error(
                        column,
                        _("No municipality has the code or slug “%(value)s”.") % {"value": raw}
                        if raw
                        else _("The municipality is required."),
                    )
                else:
                    values["municipality"] = municipality
            elif column == "sector":
                if not raw:
                    values["sector"] = None
                elif raw.lower() in self.sectors:
                    values["sector"] = self.sectors[raw.lower()]
                else:
                    failed.add("sector")
                    error(column, _("“%(value)s” is not a sector code.") % {"value": raw})
            elif column in ("dimensions", "ministries"):
                ids = self._parse_list(column, raw, error)
                if ids is None:
                    failed.add(column)
                else:
                    links[column] = ids
            elif column in CHOICE_COLUMNS:
                choices, default = CHOICE_COLUMNS[column]
                code = raw.lower()
                if not code:
                    values[column] = default
                elif code in CHOICE_CODES[column]:
                    values[column] = code
                else:
                    failed.add(column)
                    error(
                        column,
                        _("“%(value)s” is not one of the codes: %(codes)s.")
                        % {"value": raw, "codes": ", ".join(choices.values)},
                    )
            elif column in DECIMAL_COLUMNS:
                number = parse_decimal(raw)
                if number is False:
                    failed.add(column)
                    error(column, _("“%(value)s” is not a number.") % {"value": raw})
                else:
                    values[column] = number
            elif column in INTEGER_COLUMNS:
                number = parse_decimal(raw)
                if number is False or (number is not None and number != int(number)):
                    failed.add(column)
                    error(column, _("“%(value)s” is not a whole number.") % {"value": raw})
                else:
                    values[column] = None if number is None else int(number)
            elif column in BOOLEAN_COLUMNS:
                word = raw.lower()
                if word in TRUE_WORDS or word in FALSE_WORDS:
                    values[column] = word in TRUE_WORDS
                else:
                    failed.add(column)
                    error(column, _("Write yes or no, not “%(value)s”.") % {"value": raw})
        if "caravan_edition" in self.columns:
            self._parse_stop(record.get("caravan_edition", ""), values, existing, error, failed)
        return values, links, failed

    def _parse_stop(self, raw, values, existing, error, failed):
        if not raw:
            values["stop"] = None
            return
        number = parse_decimal(raw)
        if number is False or number is None or number != int(number):
            failed.add("stop")
            error("caravan_edition", _("“%(value)s” is not a whole number.") % {"value": raw})
            return
        number = int(number)
        if number not in self.editions:
            failed.add("stop")
            error(
                "caravan_edition", _("There is no caravan edition %(number)s.") % {"number": number}
            )
            return
        municipality = values.get("municipality")
        if municipality is None and existing is not None and "municipality" not in failed:
            municipality = self.by_pk["municipality"][existing.municipality_id]
        if municipality is None:
            failed.add("stop")
            return
        stop = self.stops.get((number, municipality.pk))
        if stop is None:
            failed.add("stop")
            error(
                "caravan_edition",
                _("%(municipality)s was not a stop of caravan edition %(number)s.")
                % {"municipality": municipality.name_fr, "number": number},
            )
            return
        values["stop"] = stop

    def _parse_list(self, column, raw, error):
        lookup = self.dimensions if column == "dimensions" else self.ministries
        ids = []
        unknown = []
        for item in raw.replace(",", ";").split(";"):
            item = item.strip()
            if not item:
                continue
            pk = lookup.get(item.lower())
            if pk is None:
                unknown.append(item)
            elif pk not in ids:
                ids.append(pk)
        if unknown:
            message = (
                _("Unknown dimension code(s): %(values)s.")
                if column == "dimensions"
                else _("Unknown ministry acronym(s) or slug(s): %(values)s.")
            )
            error(column, message % {"values": ", ".join(unknown)})
            return None
        return sorted(ids)

    def _diff(self, existing, project, values, links):
        changes = []
        changed_fields = []
        for name, new in values.items():
            if name in FOREIGN_KEYS:
                old_id = getattr(existing, f"{name}_id")
                new_id = new.pk if new is not None else None
                if old_id != new_id:
                    changed_fields.append(name)
                    changes.append(
                        (
                            FIELD_COLUMNS.get(name, name),
                            self._label(name, old_id),
                            self._label(name, new_id),
                        )
                    )
                continue
            old = getattr(existing, name)
            if isinstance(old, str) and isinstance(new, str):
                same = old.replace("\r\n", "\n") == new
            else:
                same = old == new
            if not same:
                changed_fields.append(name)
                changes.append((FIELD_COLUMNS.get(name, name), _shown(old), _shown(new)))
        changed_links = {}
        for name, ids in links.items():
            old_ids = sorted(target for _link, target in self.links[name].get(existing.pk, []))
            if old_ids != ids:
                changed_links[name] = ids
                changes.append((name, self._list_label(name, old_ids), self._list_label(name, ids)))
        return changes, changed_fields, changed_links

    def _label(self, name, pk) -> str:
        if pk is None:
            return ""
        target = self.by_pk[name].get(pk)
        if target is None:
            return str(pk)
        if name == "stop":
            return str(target.edition.number)
        return target.code

    def _list_label(self, name, ids) -> str:
        return "; ".join(sorted(self.labels[name].get(pk, str(pk)) for pk in ids))

    def _attach_cached(self, project):
        """Give the project its municipality (with governorate) and sector from the caches,
        so that its search text is composed without a query."""
        project.municipality = self.by_pk["municipality"][project.municipality_id]
        if project.sector_id:
            project.sector = self.by_pk["sector"][project.sector_id]

    # Writing ---------------------------------------------------------------------------

    def _prepare_new(self, project, now):
        """A new project's bookkeeping and search text, as ``save()`` would set them."""
        project.created_at = now
        self._prepare(project, now)

    def _prepare_changed(self, project, now):
        project.lock_version += 1
        self._prepare(project, now)

    def _prepare(self, project, now):
        project.updated_at = now
        project.last_edited_by = self.user
        self._attach_cached(project)
        project.search_text = project.compose_search_text()

    def _new_links(self):
        """(project id, target id) of the links to insert, for each many-to-many field."""
        new_links = {"dimensions": [], "ministries": []}
        for project, dimension_ids, ministry_ids in self.to_create:
            for name, ids in (("dimensions", dimension_ids), ("ministries", ministry_ids)):
                new_links[name] += [(project.pk, target) for target in ids]
        for project, _fields, changed_links in self.to_update:
            for name, ids in changed_links.items():
                new_links[name] += [(project.pk, target) for target in ids]
        return new_links

    def _delete_replaced_links(self):
        for name in ("dimensions", "ministries"):
            through = getattr(Project, name).through
            replaced = sorted(project.pk for project, _f, links in self.to_update if name in links)
            for start in range(0, len(replaced), LOOKUP_CHUNK):
                through.objects.filter(
                    project_id__in=replaced[start : start + LOOKUP_CHUNK]
                ).delete()

    def write(self, *, reason: str):
        """Write the validated rows with bulk queries (any database): inserts, updates,
        links, history."""
        now = timezone.now()
        created = [project for project, _d, _m in self.to_create]
        for project in created:
            self._prepare_new(project, now)
        _insert(Project, created)

        groups = {}
        for project, changed_fields, _links in self.to_update:
            self._prepare_changed(project, now)
            groups.setdefault(frozenset(changed_fields), []).append(project)
        for fields, projects in groups.items():
            _update_rows(projects, [*sorted(fields), *BOOKKEEPING])

        created_links = self._write_links(self._new_links())
        records = self._history_records(reason=reason, now=now)
        if records:
            _insert(Project.history.model, records)
            for model, rows in self._m2m_history_records(records, created_links):
                _insert(model, rows)

    def _write_links(self, new_links):
        """Replace the changed dimensions and ministries; return the new link rows, of new
        and updated projects: {name: {project id: [(link id, target id)]}}."""
        self._delete_replaced_links()
        created_links = {}
        for name, column in (("dimensions", "dimension_id"), ("ministries", "ministry_id")):
            through = getattr(Project, name).through
            rows = [through(project_id=pk, **{column: target}) for pk, target in new_links[name]]
            _insert(through, rows)
            by_project = {}
            for row in rows:
                by_project.setdefault(row.project_id, []).append((row.pk, getattr(row, column)))
            created_links[name] = by_project
        return created_links

    def _history_records(self, *, reason, now):
        """One history record per new project ("created") and per changed project (its
        old values stay in the previous record), as the admin would leave them, naming the
        file and who imported it; their dimensions and ministries come from
        ``_m2m_history_records``.

        Each record is a copy of one template given the project's values (10,000 calls of
        the model's constructor would take longer than writing the records)."""
        history = Project.history.model
        attnames = [f.attname for f in history.tracked_fields]
        values = operator.attrgetter(*attnames)
        records = []
        for projects, kind in (
            ((project for project, _d, _m in self.to_create), "+"),
            ((project for project, _f, _l in self.to_update), "~"),
        ):
            template = history(
                history_date=now,
                history_user=self.user,
                history_change_reason=reason[:100],
                history_type=kind,
            )
            for project in projects:
                record = _clone(template)
                record.__dict__.update(zip(attnames, values(project), strict=True))
                records.append(record)
        return records

    def _m2m_history_records(self, records, created_links):
        """The dimensions and ministries of each history record (``records`` have ids)."""
        for name, column in (("dimensions", "dimension"), ("ministries", "ministry")):
            m2m_history = apps.get_model("catalogue", f"HistoricalProject_{name}")
            snapshot = []
            for record in records:
                project_id = record.id
                if project_id in created_links[name]:
                    current = created_links[name][project_id]
                else:
                    current = self.links[name].get(project_id, [])
                snapshot += [
                    m2m_history(
                        history_id=record.pk,
                        id=link_id,
                        project_id=project_id,
                        **{f"{column}_id": target},
                    )
                    for link_id, target in current
                ]
            yield m2m_history, snapshot


BOOKKEEPING = ["lock_version", "updated_at", "last_edited_by", "search_text"]


def _clone(instance):
    """A copy of a model instance, as ``copy.copy`` makes it (own state and cache of
    related objects) at a fraction of its cost."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    state = clone._state = copy.copy(instance._state)
    state.fields_cache = state.fields_cache.copy()
    return clone


def _update_rows(projects, names):
    """UPDATE … WHERE id = … for each project, as one executemany.

    ``bulk_update`` builds one CASE WHEN per field over the whole batch, which grows with
    the square of the batch; a prepared statement run once per row does not.
    """
    fields = [Project._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # Names come from the model and are quoted; values are parameters.
    sql = f"UPDATE {quote(Project._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # nosec B608
    params = [
        [f.get_db_prep_save(getattr(project, f.attname), connection) for f in fields] + [project.pk]
        for project in projects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


class PostgresWriter:
    """The PostgreSQL side of an import: ``COPY`` streams instead of INSERT statements.

    The profile of 10,000 new projects (with descriptions): PostgreSQL's own work is
    mostly the trigram index of the search text (~600 trigrams a project: about 85% of
    its time; the row and its B-tree indexes take the rest), and on the Python side
    building the INSERT statements cost as much as checking the rows. So:

    - new projects are sent with ``COPY … FROM STDIN`` as soon as they are checked:
      PostgreSQL inserts and indexes them on one core while Python checks the next rows
      on the other. After a failed row nothing more is sent, and the caller rolls the
      transaction back;
    - updated projects go through a temporary table (``COPY``) and one ``UPDATE … FROM``;
      links and history records are copied too.

    - the trigram index keeps new entries in a pending list that is merged into the
      index when it reaches ``gin_pending_list_limit`` (4 MB), with ``work_mem`` (4 MB)
      for the merge. For the transaction (``SET LOCAL``), 32 MB and 64 MB: fewer, larger
      merges, ~15% less of PostgreSQL's time for 10,000 projects (512 MB and one merge at
      the end was no better; ``fastupdate`` off, five times slower). What is left in the
      list at the end is merged then, when the import's role owns the index (as the role
      that ran the migrations does); otherwise the next write or autovacuum does it;
    - long texts (descriptions, search text) are compressed with lz4 rather than pglz when
      the server has it (``default_toast_compression``, for the transaction): ~0.3 s less
      for 10,000 projects, and faster to read back. Rows compressed either way read the
      same.
    """

    def __init__(self, importer: ProjectImporter, result: ImportResult):
        self.importer = importer
        self.result = result
        self.now = timezone.now()
        self.fields = [f for f in Project._meta.concrete_fields if not f.primary_key]
        self.values = None  # gives a project's database values, in the order of fields
        self.streamed = 0
        self.copy = None
        self.stack = ExitStack()
        self.owns_index = False

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
                "WHERE oid = to_regclass(%s)), (SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression')",
                [TRIGRAM_INDEX],
            )
            owns_index, has_lz4 = cursor.fetchone()
            cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_LIST_LIMIT}'")
            cursor.execute(f"SET LOCAL work_mem = '{GIN_MERGE_MEMORY}'")
            if has_lz4:
                cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        self.owns_index = bool(owns_index)
        return self

    def __exit__(self, *exc_info):
        """Ends the stream of new projects (they are then all in the table)."""
        return self.stack.__exit__(*exc_info)

    def stream(self):
        """Send the new projects checked since the last call, as long as no row failed.

        No other query may run while the stream is open: the checks use the caches.
        """
        pending = self.importer.to_create
        if not self.result.ok or self.streamed == len(pending):
            return
        if self.copy is None:
            self.copy = _open_copy(self.stack, Project._meta.db_table, self.fields)
        values = self.values
        for project, _d, _m in pending[self.streamed :]:
            self.importer._prepare_new(project, self.now)
            if values is None:
                values = self.values = _values_getter(self.fields, project)
            self.copy.write_row(values(project))
        self.streamed = len(pending)

    def write(self, *, reason: str):
        """Everything after the check: ids of the new projects, updates, links, history,
        and the rest of the trigram index's pending list."""
        importer = self.importer
        self._set_new_ids()
        self._update()
        created_links = self._write_links(importer._new_links())
        records = importer._history_records(reason=reason, now=self.now)
        if records:
            history = Project.history.model
            for record, history_id in zip(records, _next_ids(history, len(records)), strict=True):
                record.pk = history_id
            _copy_objects(history, records)
            for model, rows in importer._m2m_history_records(records, created_links):
                _copy_objects(model, rows)
        if self.owns_index and (importer.to_create or importer.to_update):
            with connection.cursor() as cursor:
                cursor.execute("SELECT gin_clean_pending_list(to_regclass(%s))", [TRIGRAM_INDEX])

    def _set_new_ids(self):
        created = [project for project, _d, _m in self.importer.to_create]
        ids = {}
        references = [project.reference for project in created]
        with connection.cursor() as cursor:
            for start in range(0, len(references), LOOKUP_CHUNK * 10):
                cursor.execute(
                    "SELECT reference, id FROM catalogue_project WHERE reference = ANY(%s)",
                    [references[start : start + LOOKUP_CHUNK * 10]],
                )
                ids.update(cursor.fetchall())
        for project in created:
            project.pk = ids[project.reference]
            project._state.adding = False

    def _update(self):
        """The changed projects, through a temporary table and one UPDATE … FROM. A column
        that a row did not change keeps its stored value."""
        to_update = self.importer.to_update
        if not to_update:
            return
        existing = self.importer.existing
        names = sorted({name for _p, changed, _l in to_update for name in changed})
        fields = [Project._meta.get_field(name) for name in names]
        bookkeeping = [Project._meta.get_field(name) for name in BOOKKEEPING]
        pk = Project._meta.pk
        rows = []
        for project, changed, _l in to_update:
            self.importer._prepare_changed(project, self.now)
            old = existing[project.reference]
            row = [project.pk]
            row += [
                f.get_db_prep_save(
                    getattr(project if f.name in changed else old, f.attname), connection
                )
                for f in fields
            ]
            row += [
                f.get_db_prep_save(getattr(project, f.attname), connection) for f in bookkeeping
            ]
            rows.append(row)
        columns = [pk, *fields, *bookkeeping]
        quote = connection.ops.quote_name
        table = quote(Project._meta.db_table)
        names_sql = ", ".join(quote(f.column) for f in columns)
        assignments = ", ".join(f"{quote(f.column)} = c.{quote(f.column)}" for f in columns[1:])
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CHANGES_TABLE}")
            # Names come from the model and are quoted; no value is part of the SQL.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {CHANGES_TABLE} AS SELECT {names_sql} FROM {table} "  # nosec B608
                "WITH NO DATA"
            )
        with ExitStack() as stack:
            copy = _open_copy(stack, CHANGES_TABLE, columns, quoted=False)
            for row in rows:
                copy.write_row(row)
        with connection.cursor() as cursor:
            # Without statistics the planner guesses the temporary table's size and may
            # scan the whole catalogue for a few rows.
            cursor.execute(f"ANALYZE {CHANGES_TABLE}")
            cursor.execute(
                f"UPDATE {table} AS p SET {assignments} FROM {CHANGES_TABLE} AS c "  # nosec B608
                f"WHERE p.{quote(pk.column)} = c.{quote(pk.column)}"
            )
            cursor.execute(f"DROP TABLE {CHANGES_TABLE}")

    def _write_links(self, new_links):
        """As ``ProjectImporter._write_links``, with COPY: the new links' ids are taken
        from their sequence first (one query), for the history records."""
        self.importer._delete_replaced_links()
        created_links = {}
        for name, column in (("dimensions", "dimension_id"), ("ministries", "ministry_id")):
            through = getattr(Project, name).through
            fields = [
                through._meta.pk,
                through._meta.get_field("project"),
                through._meta.get_field(column[:-3]),
            ]
            rows = new_links[name]
            by_project = {}
            if rows:
                ids = _next_ids(through, len(rows))
                with ExitStack() as stack:
                    copy = _open_copy(stack, through._meta.db_table, fields)
                    for link_id, (project_id, target) in zip(ids, rows, strict=True):
                        copy.write_row((link_id, project_id, target))
                        by_project.setdefault(project_id, []).append((link_id, target))
            created_links[name] = by_project
        return created_links


CHANGES_TABLE = "catalogue_import_project_changes"  # temporary, dropped at once
TRIGRAM_INDEX = "catalogue_project_search_trgm"  # catalogue/migrations/0002
GIN_PENDING_LIST_LIMIT = "32MB"  # for the import's transaction only (SET LOCAL)
GIN_MERGE_MEMORY = "64MB"  # work_mem, for the import's transaction only (SET LOCAL)


def _open_copy(stack: ExitStack, table: str, fields, *, quoted: bool = True):
    """A ``COPY table (columns) FROM STDIN`` on the import's connection; it ends (and its
    errors surface, as Django's) when ``stack`` closes."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    name = quote(table) if quoted else table
    stack.enter_context(connection.wrap_database_errors)
    cursor = stack.enter_context(connection.cursor()).cursor
    return stack.enter_context(cursor.copy(f"COPY {name} ({columns}) FROM STDIN"))


def _copy_objects(model, objects):
    """Insert model instances with COPY (their primary keys, when set, are kept)."""
    if not objects:
        return
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and objects[0].pk is None)
    ]
    values = _values_getter(fields, objects[0])
    with ExitStack() as stack:
        copy = _open_copy(stack, model._meta.db_table, fields)
        for obj in objects:
            copy.write_row(values(obj))


def _values_getter(fields, sample):
    """A function giving an object's database values for ``fields``.

    Django's ``get_db_prep_save`` for each field and row costs as much as the database's
    work on the row. It often returns the value as it is (text, numbers, booleans, ids),
    or on PostgreSQL wrapped in a subclass that only tells psycopg the parameter's type
    (``Int2(15)`` for 15), which a text COPY does not need; dates become text on SQLite.
    So the values are read with a C ``attrgetter``, and ``get_db_prep_save`` runs only for
    the fields where it changes ``sample``'s value or where that value is empty (another
    row's may not be).
    """
    names = [f.attname for f in fields]
    getter = (
        operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)
    )
    prepared = []
    for index, (f, value) in enumerate(zip(fields, getter(sample), strict=True)):
        ready = f.get_db_prep_save(value, connection)
        if value is None or not (isinstance(ready, type(value)) and ready == value):
            prepared.append((index, f.get_db_prep_save))
    if not prepared:
        return getter

    def values(obj):
        row = list(getter(obj))
        for index, prepare in prepared:
            row[index] = prepare(row[index], connection)
        return row

    return values


def _insert(model, objects):
    """Insert model instances and give them their new ids: ``bulk_create`` without the
    cost of compiling every value through Django's SQL compiler (several times the
    database's own work for 10,000 wide rows). Instances with an id keep it."""
    if not objects:
        return
    ops = connection.ops
    pk = model._meta.pk
    has_ids = objects[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if has_ids or not f.primary_key]
    values = _values_getter(fields, objects[0])
    returning = not has_ids and connection.features.can_return_rows_from_bulk_insert
    if not has_ids and not returning:
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    limit = connection.features.max_query_params or 65_535
    batch_size = max(1, min(BATCH_SIZE * 4, limit // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    # Names come from the model and are quoted; every value is a parameter.
    start_sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES "  # nosec B608
    end_sql = f" RETURNING {ops.quote_name(pk.column)}" if returning else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            params = [value for obj in batch for value in values(obj)]
            cursor.execute(start_sql + ", ".join([row_sql] * len(batch)) + end_sql, params)
            if returning:
                # The rows get increasing ids in the order of VALUES; sorted, the returned
                # ids match them whatever order RETURNING gives them in.
                for obj, (new_id,) in zip(batch, sorted(cursor.fetchall()), strict=True):
                    obj.pk = new_id
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def _next_ids(model, count: int) -> list[int]:
    """``count`` new primary keys from the model's sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def parse_decimal(raw: str):
    """A number typed by a person: ``None`` when empty, ``False`` when not a number.

    Spaces (also non-breaking ones) may group thousands; a single comma is a decimal
    comma (1 500,5); anything else ambiguous (1,500,000 or 1.500,5) is refused.
    """
    text = "".join(raw.split()).replace("\u202f", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        if "." in text or text.count(",") > 1:
            return False
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    if not number.is_finite():
        return False
    return number


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"
