"""The projects' spreadsheet in the admin: export (django-import-export) and import.

The export uses django-import-export's admin (the filtered change list, or the selected
rows through an action) with ``ProjectResource``, whose columns are
``catalogue.outputs.exports.PROJECT_COLUMNS``; the files are written by
``catalogue.outputs.exports`` (CSV streamed, XLSX in write-only mode), the same writers as
the public exports.

The import is a small admin view of its own (``ProjectSpreadsheetAdminMixin``) around
``catalogue.intake.imports.import_projects``: django-import-export's row-by-row import and its
HTML diff of every row measured 370–420 rows/s and ~50 s for the preview of 10,000 rows,
while this pipeline checks 10,000 rows in about two seconds, writes them in bulk, and
shows a preview that stays small (counts, the first rows, every error).
"""

import hashlib
import secrets
from datetime import timedelta

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponseRedirect
from django.tasks import TaskResultStatus
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportActionMixin
from import_export.forms import ExportForm

from catalogue.intake.imports import (
    StoredImportResult,
    can_import,
    import_projects,
    import_projects_task,
    read_versions,
    save_versions,
)
from catalogue.models import Project
from catalogue.outputs.exports import (
    COLUMN_NAMES,
    MAX_XLSX_ROWS,
    PROJECT_COLUMNS,
    TooManyRows,
    export_rows,
    project_export_response,
    template_rows,
)
from smartcities.core.spreadsheet_admin import (
    FORMATS,
    ExportItemsInScopeMixin,
    SpreadsheetResource,
    spreadsheet_response,
)
from smartcities.core.spreadsheets import MAX_FILE_BYTES, MAX_ROWS
from smartcities.core.storage import PENDING_IMPORTS, document_storage

PREVIEW_ROWS = 100  # rows of each kind shown in a preview
ERRORS_SHOWN = 500
PENDING_MAX_AGE = 24 * 3600  # seconds an uploaded file waits for its confirmation
SESSION_KEY = "catalogue_project_imports"
TASKS_SESSION_KEY = "catalogue_project_import_tasks"
# Past this many rows, the confirmed import runs as a background task (django.tasks):
# at ~700 rows/s for projects with descriptions on PostgreSQL on a slow 2-core machine
# (bench/import_bench.py, bounded by the search text's trigram index), a larger file
# would keep a request too long.
IMPORT_SYNC_MAX_ROWS = 2_000


class ProjectResource(SpreadsheetResource):
    """Export-only resource: the project columns (the import has its own pipeline)."""

    class Meta:
        model = Project
        fields = ()

    def get_export_headers(self, selected_fields=None):
        return list(COLUMN_NAMES)

    def get_user_visible_fields(self):
        return [fields.Field(column_name=name) for name in COLUMN_NAMES]

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        dataset = tablib.Dataset(headers=list(COLUMN_NAMES))
        for row in export_rows(queryset):
            dataset.append(row)
        return dataset


class ImportForm(forms.Form):
    import_file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("UTF-8 CSV (comma or semicolon separated) or Excel workbook (.xlsx)."),
    )


def _pending_name(token: str) -> str:
    return f"{PENDING_IMPORTS}/{token}.upload"


def _versions_name(token: str) -> str:
    return f"{PENDING_IMPORTS}/{token}.versions.json"


def _forget_old_files(storage) -> None:
    """Delete the checked files nobody confirmed within ``PENDING_MAX_AGE``."""
    limit = timezone.now() - timedelta(seconds=PENDING_MAX_AGE)
    try:
        _folders, names = storage.listdir(PENDING_IMPORTS)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{PENDING_IMPORTS}/{name}"
        try:
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


class ProjectSpreadsheetAdminMixin(ExportItemsInScopeMixin, ExportActionMixin):
    """Export (filtered list or selected rows) and import of the projects' spreadsheet."""

    resource_classes = [ProjectResource]
    formats = FORMATS
    export_form_class = ExportForm  # every column: an export must import back
    show_change_form_export = False  # the change form has its own save and lock logic
    import_export_change_list_template = "catalogue/admin/project_change_list.html"
    import_template_name = "catalogue/admin/project_import.html"

    # Permissions ----------------------------------------------------------------------

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def has_import_permission(self, request):
        return can_import(request.user) and (
            self.has_add_permission(request) or self.has_change_permission(request)
        )

    # Export ---------------------------------------------------------------------------

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        """The admin's actions and "Export selected projects" (django-import-export's own
        override lacks Django 6.1's ``action_location`` and warns on every list)."""
        actions = super(ExportActionMixin, self).get_actions(request, action_location)
        if action_location == ActionLocation.CHANGE_LIST and self.has_export_permission(request):
            actions["export_admin_action"] = (
                type(self).export_admin_action,
                "export_admin_action",
                _("Export selected %(verbose_name_plural)s"),
            )
        return actions

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            return project_export_response(queryset, file_format.get_extension(), stem="projects")
        except TooManyRows:
            messages.error(
                request,
                gettext(
                    "An Excel export holds at most %(max)s projects. Filter the list, or "
                    "export as CSV."
                )
                % {"max": MAX_XLSX_ROWS},
            )
            return HttpResponseRedirect(reverse("admin:catalogue_project_changelist"))

    # Import ---------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalogue_project_import",
            ),
            path(
                "import/<str:task_id>/",
                self.admin_site.admin_view(self.import_status_view),
                name="catalogue_project_import_status",
            ),
            path(
                "import-template.<str:extension>",
                self.admin_site.admin_view(self.import_template_view),
                name="catalogue_project_import_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_template_view(self, request, extension):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if extension not in ("csv", "xlsx"):
            raise Http404
        return spreadsheet_response(COLUMN_NAMES, template_rows(), extension, "projects-import")

    def import_view(self, request):
        """Upload → check (dry run, nothing written) → confirm → import, all or nothing."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportForm()
        result = None
        token = None
        if request.method == "POST" and "confirm" in request.POST:
            outcome = self._confirm(request, request.POST.get("token", ""))
            if outcome is None:
                messages.error(
                    request,
                    gettext("This check has expired or was already used: upload the file again."),
                )
            elif isinstance(outcome, str):  # a background task: wait for it
                return HttpResponseRedirect(
                    reverse("admin:catalogue_project_import_status", args=[outcome])
                )
            else:
                result = outcome
                if result.applied:
                    messages.success(request, result.summary())
                    return HttpResponseRedirect(reverse("admin:catalogue_project_changelist"))
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                result = import_projects(upload, user=request.user, dry_run=True)
                if result.ok:
                    token = self._keep(request, upload, result=result)
        return self._render_import(request, form=form, result=result, token=token)

    def import_status_view(self, request, task_id):
        """Where the user waits for an import running in the background, then sees it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if task_id not in request.session.get(TASKS_SESSION_KEY, []):
            raise Http404(gettext("No such import."))
        task_result = import_projects_task.get_backend().get_result(task_id)
        if task_result.status == TaskResultStatus.FAILED:
            messages.error(
                request,
                gettext("The import failed unexpectedly; nothing was written. Try again."),
            )
            return HttpResponseRedirect(reverse("admin:catalogue_project_import"))
        if not task_result.is_finished:
            return self._render_import(request, running=task_result, status=202)
        result = StoredImportResult(task_result.return_value)
        if result.applied:
            messages.success(request, result.summary())
            return HttpResponseRedirect(reverse("admin:catalogue_project_changelist"))
        return self._render_import(request, form=ImportForm(), result=result)

    def _render_import(
        self, request, *, form=None, result=None, token=None, running=None, status=200
    ):
        return TemplateResponse(
            request,
            self.import_template_name,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Import projects"),
                "form": form,
                "result": result,
                "token": token,
                "running": running,
                "errors": result.errors[:ERRORS_SHOWN] if result else [],
                "more_errors": _more_errors(result),
                "created_rows": _first(result, "create"),
                "updated_rows": _first(result, "update"),
                # The published projects the file would change, shown before it does.
                "published_rows": _published(result)[:PREVIEW_ROWS],
                "published_count": len(_published(result)),
                "columns": PROJECT_COLUMNS,
                "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
                "max_rows": MAX_ROWS,
                "preview_rows": PREVIEW_ROWS,
                "media": self.media,
            },
            status=status,
        )

    def _keep(self, request, upload, *, result) -> str:
        """Keep the checked file until it is confirmed; only this session may confirm it.

        The file waits in the private documents storage (a folder or bucket every app
        server and task worker shares, never served to the public): the confirmation may
        reach another app server, and a large import runs on a worker. Beside it wait the
        edit versions the check saw, which the confirmation must find unchanged.
        """
        storage = document_storage()
        _forget_old_files(storage)
        token = secrets.token_urlsafe(24)
        upload.seek(0)
        data = upload.read(MAX_FILE_BYTES + 1)
        stored = storage.save(_pending_name(token), ContentFile(data))
        versions = save_versions(storage, _versions_name(token), result.versions)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {
            "stored": stored,
            "versions": versions,
            "name": upload.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": result.total_rows,
        }
        request.session[SESSION_KEY] = pending
        return token

    def _confirm(self, request, token):
        """The import's result, the id of its background task, or None (nothing to do)."""
        pending = request.session.get(SESSION_KEY, {})
        entry = pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        if entry is None or "stored" not in entry or "versions" not in entry:
            return None
        storage = document_storage()
        stored = entry["stored"]  # the names the storage gave, kept in the user's session
        versions = entry["versions"]
        try:
            with storage.open(stored, "rb") as file:
                data = file.read()
        except FileNotFoundError:
            storage.delete(versions)
            return None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            storage.delete(stored)
            storage.delete(versions)
            return None
        # Everything is checked again: the database may have changed since the check.
        if entry["rows"] > getattr(settings, "IMPORT_SYNC_MAX_ROWS", IMPORT_SYNC_MAX_ROWS):
            task_result = import_projects_task.enqueue(
                stored=stored,
                expected=versions,
                name=entry["name"],
                user_id=request.user.pk,
                language=get_language(),
            )
            if task_result.is_finished:  # a backend that runs tasks at once
                return StoredImportResult(task_result.return_value)
            request.session[TASKS_SESSION_KEY] = [
                *request.session.get(TASKS_SESSION_KEY, [])[-9:],
                str(task_result.id),
            ]
            return str(task_result.id)
        storage.delete(stored)
        expected = read_versions(storage, versions)
        if expected is None:
            return None
        return import_projects(
            data, user=request.user, dry_run=False, name=entry["name"], expected=expected
        )


def _more_errors(result) -> int:
    if result is None:
        return 0
    total = getattr(result, "error_count", len(result.errors))
    return max(total - ERRORS_SHOWN, 0)


def _published(result):
    if result is None:
        return []
    return [row for row in result.rows if row.action == "update" and row.published]


def _first(result, action):
    if result is None:
        return []
    return [row for row in result.rows if row.action == action][:PREVIEW_ROWS]
