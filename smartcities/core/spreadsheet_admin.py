"""django-import-export, made safe for the reference data (municipalities, stops, ministries).

``SpreadsheetResource`` is the base of those resources: model validation on every row,
formula neutralisation on export, line numbers as a spreadsheet shows them (the header is
line 1). ``GuardedImportExportMixin`` is the admin side: the import needs the explicit
``import_<model>`` permission (``catalogue.register.roles``), every upload goes through
``smartcities.core.spreadsheets.read_table`` (size, type, zip bomb, encoding, rows, damaged
cells) before django-import-export reads it, and django-import-export reads it through
``read_table`` too (``CheckedCSV``, ``CheckedXLSX``): one parser and the same limits as
the projects' import, at the check and at the confirmation. Any row error rolls the whole
import back, and each admin offers a downloadable import template (headers and an
example row).
"""

from functools import partial

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm, ImportForm
from import_export.resources import ModelResource
from import_export.results import Result

from smartcities.core.spreadsheets import (
    CSV_CONTENT_TYPE,
    MAX_FILE_BYTES,
    MAX_ROWS,
    XLSX_CONTENT_TYPE,
    FileProblem,
    csv_lines,
    neutralize,
    read_table,
    unneutralize,
    xlsx_bytes,
)

FORMATS = [CSV, XLSX]


class CheckedFormat:
    """A django-import-export import format that reads the file with ``read_table``
    (bytes in, whatever the format chosen: the content decides)."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        table = read_table(in_stream if isinstance(in_stream, bytes) else in_stream.encode())
        width = len(table.headers)
        dataset = tablib.Dataset(headers=table.headers)
        for _line, cells in table.rows:
            dataset.append((cells + [""] * width)[:width])
        # The line of each row as the spreadsheet shows it (blank lines are left out).
        dataset.spreadsheet_lines = [line for line, _cells in table.rows]
        return dataset


class CheckedCSV(CheckedFormat, CSV):
    pass


class CheckedXLSX(CheckedFormat, XLSX):
    pass


IMPORT_FORMATS = [CheckedCSV, CheckedXLSX]
KIND_FORMAT = {"csv": 0, "xlsx": 1}  # index in IMPORT_FORMATS


class SpreadsheetResult(Result):
    """Row numbers as a spreadsheet shows them: the first data row is line 2, and lines
    after blank ones keep their own number (``lines``: the line of each data row)."""

    def __init__(self, *args, lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines

    def line(self, number: int) -> int:
        """The spreadsheet line of the dataset's row ``number`` (1 for the first)."""
        if self.lines and 0 < number <= len(self.lines):
            return self.lines[number - 1]
        return number + 1

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(self.line(number), row, validation_error)

    def append_error_row(self, number, row, errors):
        for error in errors:
            if error.number is not None:
                error.number = self.line(error.number)
        super().append_error_row(self.line(number), row, errors)

    def row_errors(self):
        return [(self.line(i + 1), row.errors) for i, row in enumerate(self.rows) if row.errors]


class SpreadsheetResource(ModelResource):
    """Base resource: validated rows, neutralised exports, spreadsheet line numbers."""

    #: column → example value, for the downloadable import template
    example_row: dict = {}

    def get_result_class(self):
        return partial(SpreadsheetResult, lines=getattr(self, "_spreadsheet_lines", None))

    def import_data_inner(self, dataset, *args, **kwargs):
        self._spreadsheet_lines = getattr(dataset, "spreadsheet_lines", None)
        return super().import_data_inner(dataset, *args, **kwargs)

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = unneutralize(value.strip())

    def export_field(self, field, instance, **kwargs):
        return neutralize(super().export_field(field, instance, **kwargs))

    @classmethod
    def template_headers(cls):
        return cls().get_export_headers()


class GuardedImportForm(ImportForm):
    """The import form, with the file checked before anything parses it; the format is
    taken from the file's content (a disguised file is refused by ``read_table``)."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        try:
            table = read_table(upload)
        except FileProblem as problem:
            self.add_error("import_file", problem.message)
            return cleaned
        finally:
            upload.seek(0)
        cleaned["format"] = str(KIND_FORMAT[table.kind])
        return cleaned


class ExportItemsInScopeMixin:
    """The rows that "Export selected …" may name: those of the user's export queryset.

    django-import-export 4 validates the posted ids against ``get_valid_export_item_pks``,
    whose default (every row of the table, with a deprecation warning) ignores the
    admin's scope; the export itself is still read through ``get_export_queryset``.
    """

    def get_valid_export_item_pks(self, request):
        return self.get_export_queryset(request).values_list("pk", flat=True)


class GuardedImportExportMixin(ExportItemsInScopeMixin, ImportExportMixin):
    """Admin import and export of a model's spreadsheet, all or nothing."""

    import_form_class = GuardedImportForm
    export_form_class = ExportForm  # every column: an export must import back
    import_template_name = "admin/import_export/guarded_import.html"
    formats = FORMATS
    import_formats = IMPORT_FORMATS

    def import_permission(self) -> str:
        return f"{self.opts.app_label}.import_{self.opts.model_name}"

    def has_import_permission(self, request):
        return request.user.has_perm(self.import_permission()) and self.has_change_permission(
            request
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_import(self, request, **kwargs):
        """The confirmation; the file waiting for it is read again (``CheckedFormat``)."""
        try:
            return super().process_import(request, **kwargs)
        except (FileProblem, OSError) as problem:
            # Gone (confirmed twice, or cleaned away), or no longer readable: nothing written.
            messages.error(
                request,
                problem.message
                if isinstance(problem, FileProblem)
                else _("This check has expired or was already used: upload the file again."),
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between the check and the confirmation: nothing was written.
            messages.error(
                request,
                _(
                    "Nothing was imported: the data changed since the check and some rows "
                    "are no longer valid. Import the file again to see why."
                ),
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )
        return super().process_result(result, request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_import_template"
        context.update(
            template_links=[
                (label, reverse(name, args=[extension]))
                for extension, label in (("csv", "CSV"), ("xlsx", "Excel (.xlsx)"))
            ],
            max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
            max_rows=MAX_ROWS,
        )
        return context

    def get_urls(self):
        return [
            path(
                "import-template.<str:extension>",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request, extension):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0]
        headers = resource.template_headers()
        example = [[resource.example_row.get(header, "") for header in headers]]
        return spreadsheet_response(headers, example, extension, f"{self.opts.model_name}-import")


def spreadsheet_response(headers, rows, extension, stem):
    """A small CSV or XLSX file to download (headers, then ``rows``)."""
    if extension == "csv":
        response = HttpResponse("".join(csv_lines(headers, rows)), content_type=CSV_CONTENT_TYPE)
    elif extension == "xlsx":
        response = HttpResponse(xlsx_bytes(headers, rows), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404(_("Unknown format."))
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    return response
