"""The PostgreSQL side of an import: new projects streamed with COPY while the next rows
are checked, updates through a temporary table."""

from contextlib import ExitStack

from django.db import connection
from django.utils import timezone

from catalogue.intake.import_check import LOOKUP_CHUNK
from catalogue.intake.import_parse import LINK_COLUMNS
from catalogue.intake.import_sql import (
    BOOKKEEPING,
    _copy_objects,
    _next_ids,
    _open_copy,
    _values_getter,
)
from catalogue.models import Project

CHANGES_TABLE = "catalogue_import_project_changes"  # temporary, dropped at once
TRIGRAM_INDEX = "catalogue_project_search_trgm"  # catalogue/migrations/0002
GIN_PENDING_LIST_LIMIT = "32MB"  # for the import's transaction only (SET LOCAL)
GIN_MERGE_MEMORY = "64MB"  # work_mem, for the import's transaction only (SET LOCAL)


class PostgresWriter:
    """The PostgreSQL side of an import: ``COPY`` streams instead of INSERT statements.

    New projects are sent with ``COPY … FROM STDIN`` as soon as they are checked (PostgreSQL
    indexes them on one core while Python checks the next rows on the other; after a failed
    row nothing more is sent and the caller rolls back); updates go through a temporary
    table and one ``UPDATE … FROM``; links and history records are copied too. For the
    transaction only (``SET LOCAL``): a larger pending list and ``work_mem`` for the
    trigram index, lz4 for long texts when the server has it.

    Kept over ``bulk_create``/``bulk_update``: 1.6–2.2 times as fast (bench/README.md,
    "Import: COPY stream").
    """

    def __init__(self, importer, result):
        # importer: the ``ProjectImporter``; result: its ``ImportResult``.
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
        for project, _links in pending[self.streamed :]:
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
        created = [project for project, _links in self.importer.to_create]
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
        for name, column in LINK_COLUMNS.items():
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
