"""Writing a checked projects file in bulk (any database; PostgreSQL streams with
``catalogue.intake.import_postgres``): inserts, updates, links and history records, in the
caller's transaction."""

import operator

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from catalogue.caching import bump_version
from catalogue.intake.import_check import LOOKUP_CHUNK, ProjectChecker, _clone
from catalogue.intake.import_parse import HISTORY_LINKS, LINK_COLUMNS
from catalogue.intake.import_postgres import PostgresWriter
from catalogue.intake.import_results import ImportResult
from catalogue.intake.import_sql import BOOKKEEPING, _insert, _update_rows
from catalogue.models import Project

# PostgreSQL advisory lock held by the transaction of an import that writes (any number
# fixed for this purpose; pg_advisory_xact_lock takes a bigint).
IMPORT_LOCK_KEY = 7_310_415_222


class ProjectImporter(ProjectChecker):
    """Checks the rows (``ProjectChecker``), then writes them with bulk queries."""

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
                self.write_children()
        else:
            self.validate(table, result, lock=True)
            if result.ok:
                self.write(reason=reason)
                self.write_children()
        if not result.ok:
            transaction.set_rollback(True)
        elif self.to_create or self.to_update:
            # Bulk writes send no signals: the cached public pages must still go.
            bump_version()

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
        new_links = {name: [] for name in LINK_COLUMNS}
        for project, links in self.to_create:
            for name, ids in links.items():
                new_links[name] += [(project.pk, target) for target in ids]
        for project, _fields, changed_links in self.to_update:
            for name, ids in changed_links.items():
                new_links[name] += [(project.pk, target) for target in ids]
        return new_links

    def _delete_replaced_links(self):
        for name in LINK_COLUMNS:
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
        created = [project for project, _links in self.to_create]
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
        """Replace the changed links (dimensions, ministries, policy goals); return the new
        link rows, of new and updated projects: {name: {project id: [(link id, target id)]}}."""
        self._delete_replaced_links()
        created_links = {}
        for name, column in LINK_COLUMNS.items():
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
            ((project for project, _links in self.to_create), "+"),
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
        for name in HISTORY_LINKS:
            column = LINK_COLUMNS[name][: -len("_id")]
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
