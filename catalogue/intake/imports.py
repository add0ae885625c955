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

Every rule decision on a row (municipal scope, staff-only columns, a municipality that
never changes, the edit version, the template's example reference) is a function of
``catalogue.register.rules``, the same that ``services.project_save`` calls for the admin:
the import checks each row with them and then writes in bulk.

The pipeline's parts: ``import_results`` (outcomes and errors), ``import_parse`` (cells to
values), ``import_check`` (the header, every row), ``import_write`` (bulk writes, any
database), ``import_postgres`` (COPY streams), ``import_sql`` (the bulk SQL helpers).

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

import json
import time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from catalogue.intake.import_check import ProjectChecker, check_headers  # noqa: F401
from catalogue.intake.import_results import (  # noqa: F401
    ImportResult,
    RowError,
    RowOutcome,
    StoredImportResult,
)
from catalogue.intake.import_write import ProjectImporter
from smartcities.core.spreadsheets import FileProblem, read_table
from smartcities.core.storage import document_storage

IMPORT_PERMISSION = "catalogue.import_project"


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
