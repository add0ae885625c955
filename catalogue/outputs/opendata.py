"""The catalogue's public open data: labelled exports, their codes variant, and the fields
the data dictionary page (``catalogue:data_dictionary``) describes.

Two variants of every public export (CSV, XLSX, JSON) and of a project's JSON record:

- **labelled** (the default): public fields only, headed by their labels in the page's
  language, with the values as the portal shows them (the stage's name, not its code;
  "Not stated" for a stage, a contract model or a sector nobody gave), the title, summary
  and description in the page's language (French where a translation is missing), the
  project's page, and on every row the data's licence, its publisher and the export's
  date. An XLSX file adds an "about" sheet (licence, publisher, selection, date, links).
- **codes** (``?format=codes``): the admin's round-trip columns (``PROJECT_COLUMNS``, with
  the same names and meaning, every language's texts, codes for the coded values) minus
  the workflow's internals (status, edit version, featured, demo flag).

Both start from the catalogue's public selection (``catalogue.selection.select``).
"""

import json
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from caravan.models import Dimension, Ministry
from catalogue.models import PolicyGoal, Source
from catalogue.outputs import exports
from catalogue.outputs.exports import (
    CHUNK_SIZE,
    LIST_SEPARATOR,
    PROJECT_COLUMNS,
    TooManyRows,
    _number,
    export_filename,
    for_export,
    project_values,
    source_citation,
)
from catalogue.outputs.oc4ids import PUBLISHER
from catalogue.outputs.opendata_fields import FIELD_KEYS, FIELDS, LIST_FIELDS, Field
from smartcities.core.spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    csv_lines,
    neutralize,
    xlsx_bytes,
)

# The query-string switch to the codes variant: ``?format=codes``.
CODES = "codes"
# Round-trip columns that are the workflow's, not public facts: left out of public files.
INTERNAL_COLUMNS = frozenset({"status", "edit_version", "featured", "is_demo"})
CODE_COLUMNS = [column for column in PROJECT_COLUMNS if column.name not in INTERNAL_COLUMNS]
CODE_COLUMN_NAMES = [column.name for column in CODE_COLUMNS]
CODE_LIST_COLUMNS = exports.LIST_COLUMNS


DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
__all__ = ["FIELDS", "FIELD_KEYS", "LIST_FIELDS", "Field", "labelled_values"]


def not_stated() -> str:
    return gettext("Not stated")


def for_public_export(queryset):
    """Projects with what a labelled row shows: places, stop, sector, and the names of
    their dimensions, ministries, policy goals and sources (four prefetch queries per
    chunk)."""
    return queryset.select_related(
        "municipality__governorate", "stop__edition", "sector"
    ).prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.order_by("display_order", "code")),
        Prefetch("ministries", queryset=Ministry.objects.order_by("display_order", "slug")),
        Prefetch("policy_goals", queryset=PolicyGoal.objects.all()),
        Prefetch("sources", queryset=Source.objects.order_by("-date", "title")),
    )


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


def labelled_values(project, *, absolute, context: dict) -> dict:
    """The project's public fields as the portal shows them, in the active language.

    ``absolute(path)`` makes a full URL; ``context`` holds what every row shares
    (``licence``, ``publisher``, ``exported_at``).
    """
    municipality = project.municipality
    return {
        "reference": project.reference,
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "municipality": municipality.name,
        "governorate": municipality.governorate.name,
        "caravan_edition": str(project.stop.edition) if project.stop_id else "",
        "sector": project.sector.name if project.sector_id else not_stated(),
        "dimensions": [dimension.name for dimension in project.dimensions.all()],
        "ministries": [ministry.name for ministry in project.ministries.all()],
        "stage": project.get_stage_display() if project.stage else not_stated(),
        "contract_model": (
            project.get_contract_model_display() if project.contract_model else not_stated()
        ),
        "contract_subtype": (
            project.get_contract_subtype_display() if project.contract_subtype else ""
        ),
        "initiation": project.get_initiation_display() if project.initiation else "",
        "investment_tnd": _number(project.investment_tnd),
        "land_area_ha": _number(project.land_area_ha),
        "expected_jobs": project.expected_jobs,
        "duration_years": project.duration_years,
        "purpose": project.purpose,
        "project_type": project.get_project_type_display() if project.project_type else "",
        "payment_mechanism": (
            project.get_payment_mechanism_display() if project.payment_mechanism else ""
        ),
        "policy_goals": [f"{goal.label} · {goal.name}" for goal in project.policy_goals.all()],
        **{name: getattr(project, name) for name in DATE_FIELDS},
        "latitude": _number(project.latitude),
        "longitude": _number(project.longitude),
        "contact_name": project.contact_name,
        "contact_email": project.contact_email,
        "contact_phone": project.contact_phone,
        "screening": project.get_screening_display(),
        "screened_at": _local_date(project.screened_at),
        "screening_score": _number(project.screening_score),
        "published_at": _local_date(project.published_at),
        "updated_at": _local_date(project.updated_at),
        "verified_at": _local_date(project.verified_at),
        "verification_due": gettext("Yes") if project.verification_due else gettext("No"),
        "sources": [source_citation(source) for source in project.sources.all()],
        "url": absolute(project.get_absolute_url()),
        **context,
    }


def code_values(project) -> dict:
    """The project's codes-variant row (round-trip columns, no workflow internals)."""
    values = project_values(project)
    return {name: values[name] for name in CODE_COLUMN_NAMES}


class Selection:
    """One public export: the selection, its variant, and what every row shares."""

    def __init__(self, queryset, *, codes: bool, absolute, meta: dict):
        self.queryset = queryset
        self.codes = codes
        self.absolute = absolute
        self.meta = meta
        self.row_context = {
            "licence": settings.DATA_LICENCE["name"],
            "publisher": PUBLISHER,
            "exported_at": meta["generated"],
        }

    @property
    def keys(self) -> list[str]:
        return CODE_COLUMN_NAMES if self.codes else FIELD_KEYS

    @property
    def headers(self) -> list[str]:
        return CODE_COLUMN_NAMES if self.codes else [str(field.label) for field in FIELDS]

    @property
    def list_keys(self):
        return CODE_LIST_COLUMNS if self.codes else LIST_FIELDS

    def values(self):
        """Each project's values (a dict keyed by ``keys``), chunk by chunk."""
        if self.codes:
            for project in for_export(self.queryset).iterator(chunk_size=CHUNK_SIZE):
                yield code_values(project)
        else:
            for project in for_public_export(self.queryset).iterator(chunk_size=CHUNK_SIZE):
                yield labelled_values(project, absolute=self.absolute, context=self.row_context)

    def rows(self):
        list_keys = self.list_keys
        for values in self.values():
            yield [
                LIST_SEPARATOR.join(values[key]) if key in list_keys else values[key]
                for key in self.keys
            ]

    def about_rows(self) -> list[list]:
        """The XLSX "about" sheet: what the file is and under which licence."""
        meta = self.meta
        return [
            [gettext("National catalogue of smart-city PPP projects"), ""],
            [str(pgettext_lazy("data publisher", "Source")), PUBLISHER],
            [gettext("Licence"), f"{meta['license']['name']} ({meta['license']['url']})"],
            [gettext("Exported on"), meta["generated"]],
            [gettext("Selection"), meta["url"]],
            [gettext("Filters"), "; ".join(f"{name}: {value}" for name, value in meta["filters"])],
            [gettext("Data dictionary"), meta["documentation"]],
            [gettext("Methodology"), meta["methodology"]],
        ]


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime):
            return timezone.localtime(o).isoformat(timespec="seconds")
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


def encode(document) -> str:
    return _Encoder(ensure_ascii=False).encode(document)


def _neutralized(values: dict, list_keys) -> dict:
    return {
        key: [neutralize(v) for v in value] if key in list_keys else neutralize(value)
        for key, value in values.items()
    }


def json_chunks(selection: Selection):
    """``{…meta, "fields": [{key, label}…], "projects": [{key: value}, …]}``, streamed.
    Text is neutralised here too: the values often end up in a spreadsheet."""
    meta = dict(selection.meta)
    meta["filters"] = [{"label": label, "value": value} for label, value in meta["filters"]]
    if selection.codes:
        meta["columns"] = CODE_COLUMN_NAMES
    else:
        meta["fields"] = [{"key": field.key, "label": str(field.label)} for field in FIELDS]
    head = encode(meta)
    yield head[:-1] + ', "projects": ['
    separator = "\n"
    for values in selection.values():
        yield separator + encode(_neutralized(values, selection.list_keys))
        separator = ",\n"
    yield "\n]}\n"


def export_response(selection: Selection, extension: str, *, stem: str):
    """The selection as a downloadable CSV (streamed), XLSX or JSON (streamed) file.
    Raises ``TooManyRows`` for an XLSX past ``exports.MAX_XLSX_ROWS``."""
    if extension == "csv":
        response = StreamingHttpResponse(
            csv_lines(selection.headers, selection.rows()), content_type=CSV_CONTENT_TYPE
        )
    elif extension == "xlsx":
        if selection.queryset.order_by().count() > exports.MAX_XLSX_ROWS:
            raise TooManyRows
        workbook = xlsx_bytes(
            selection.headers,
            selection.rows(),
            sheet_title="projects" if selection.codes else gettext("Projects"),
            extra_sheets=[(gettext("About"), selection.about_rows())],
        )
        response = HttpResponse(workbook, content_type=XLSX_CONTENT_TYPE)
    elif extension == "json":
        response = StreamingHttpResponse(json_chunks(selection), content_type="application/json")
    else:
        raise Http404
    if selection.codes:
        stem += "-codes"
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem, extension)}"'
    return response


def project_document(project, *, codes: bool, absolute, meta: dict) -> dict:
    """A project's JSON record: what the file is (licence, links), then its fields."""
    if codes:
        values = code_values(project)
    else:
        context = {
            "licence": settings.DATA_LICENCE["name"],
            "publisher": PUBLISHER,
            "exported_at": meta["generated"],
        }
        values = labelled_values(project, absolute=absolute, context=context)
    document = dict(meta)
    if codes:
        document["columns"] = CODE_COLUMN_NAMES
    else:
        document["fields"] = [{"key": field.key, "label": str(field.label)} for field in FIELDS]
    document["project"] = values
    return document


def dictionary_url() -> str:
    return reverse("catalogue:data_dictionary")
