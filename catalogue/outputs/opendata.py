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
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from caravan.models import Dimension, Ministry
from catalogue.models import Source
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


@dataclass(frozen=True)
class Field:
    """One field of the labelled exports: its stable key (the JSON key), its label (the
    CSV/XLSX header, in the page's language) and what it holds (data dictionary)."""

    key: str
    label: str
    help: str
    codes: str = ""  # the codes variant's column(s) holding the same fact


FIELDS = [
    Field(
        "reference",
        _("Reference"),
        _("The project's reference in the catalogue, e.g. GAB-2020-001. It never changes."),
        "reference",
    ),
    Field(
        "title",
        _("Title"),
        _("The project's title in the page's language (French when not translated)."),
        "title_fr, title_ar, title_en",
    ),
    Field(
        "summary",
        _("Summary"),
        _("Two or three sentences, in the page's language (French when not translated)."),
        "summary_fr, summary_ar, summary_en",
    ),
    Field(
        "description",
        _("Description"),
        _("The longer description, in the page's language (French when not translated)."),
        "description_fr, description_ar, description_en",
    ),
    Field(
        "municipality",
        _("Municipality"),
        _("The municipality carrying the project."),
        "municipality (DGCL code), municipality_name",
    ),
    Field("governorate", _("Governorate"), _("The municipality's governorate.")),
    Field(
        "caravan_edition",
        _("Caravan edition"),
        _("The caravan edition during which the project was identified. Empty: none."),
        "caravan_edition (number)",
    ),
    Field(
        "sector",
        _("Sector"),
        _("The project's OC4IDS sector. “Not stated” when no source gives it."),
        "sector (OC4IDS code)",
    ),
    Field(
        "dimensions",
        _("Smart-city dimensions"),
        _("The smart-city dimensions the project serves, separated by semicolons."),
        "dimensions (codes)",
    ),
    Field(
        "ministries",
        _("Partner ministries"),
        _("The partner ministries involved, separated by semicolons."),
        "ministries (acronyms)",
    ),
    Field(
        "stage",
        _("Stage"),
        _("Where the project stands (see the methodology). “Not stated” when no source says."),
        "stage (code)",
    ),
    Field(
        "contract_model",
        _("Contract model"),
        _("The legal frame the project would be procured under. “Not stated” when no source says."),
        "contract_model (code)",
    ),
    Field(
        "contract_subtype",
        _("Contract sub-type"),
        _("The arrangement within a PPP contract or a concession. Empty: not stated."),
        "contract_subtype (code)",
    ),
    Field(
        "initiation",
        _("Initiation"),
        _("Who proposed the project. Empty: not stated."),
        "initiation (code)",
    ),
    Field(
        "investment_tnd",
        _("Estimated investment (TND)"),
        _("In Tunisian dinars, a number. Empty: not stated."),
        "investment_tnd",
    ),
    Field(
        "land_area_ha",
        _("Land area (ha)"),
        _("In hectares, a number. Empty: not stated."),
        "land_area_ha",
    ),
    Field(
        "expected_jobs",
        _("Expected jobs"),
        _("A whole number. Empty: not stated."),
        "expected_jobs",
    ),
    Field(
        "duration_years",
        _("Contract duration (years)"),
        _("A whole number of years. Empty: not stated."),
        "duration_years",
    ),
    Field(
        "latitude",
        _("Latitude"),
        _(
            "The project's own location in decimal degrees (WGS 84). Empty: the portal "
            "shows it at its municipality's location."
        ),
        "latitude",
    ),
    Field("longitude", _("Longitude"), _("See the latitude."), "longitude"),
    Field(
        "contact_name",
        _("Contact"),
        _("A contact, only when the project names one."),
        "contact_name",
    ),
    Field("contact_email", _("Contact e-mail"), _("Empty: none given."), "contact_email"),
    Field("contact_phone", _("Contact phone"), _("Empty: none given."), "contact_phone"),
    Field(
        "screening",
        _("Screening"),
        _(
            "The eligibility committee's latest decision on the project, or “Not yet "
            "screened” (see the methodology)."
        ),
        "screening (code)",
    ),
    Field(
        "screened_at",
        _("Screened on"),
        _("The date of that decision. Empty: not screened."),
        "screened_at",
    ),
    Field(
        "screening_score",
        _("Screening score (0–100)"),
        _("The review's weighted score out of 100. Empty: not screened or not scored."),
        "screening_score",
    ),
    Field(
        "published_at",
        _("First published"),
        _("The date the project first appeared in the catalogue."),
        "published_at",
    ),
    Field(
        "updated_at",
        _("Last updated"),
        _("The date the project's record last changed."),
        "updated_at",
    ),
    Field(
        "verified_at",
        _("Last verified"),
        _(
            "The date staff last confirmed the project is still current. Empty: not since "
            "its publication."
        ),
        "verified_at",
    ),
    Field(
        "verification_due",
        _("To be verified"),
        _(
            "“Yes” when nobody confirmed the project as current for longer than the interval "
            "the methodology gives."
        ),
        "verification_due (yes/no)",
    ),
    Field(
        "sources",
        _("Sources"),
        _(
            "The sources the facts come from (title, publisher, date, address), separated by "
            "semicolons."
        ),
        "sources",
    ),
    Field("url", _("Page"), _("The project's page on the portal, in the page's language.")),
    Field(
        "licence",
        _("Licence"),
        _("The licence the data is published under (the same on every row)."),
        "licence",
    ),
    Field(
        "publisher",
        pgettext_lazy("data publisher", "Source"),
        _("Who publishes the data (the same on every row)."),
    ),
    Field(
        "exported_at",
        _("Exported on"),
        _("The date and time the file was produced (the same on every row)."),
    ),
]
FIELD_KEYS = [field.key for field in FIELDS]
LIST_FIELDS = ("dimensions", "ministries", "sources")


def not_stated() -> str:
    return gettext("Not stated")


def for_public_export(queryset):
    """Projects with what a labelled row shows: places, stop, sector, and the names of
    their dimensions, ministries and sources (three prefetch queries per chunk)."""
    return queryset.select_related(
        "municipality__governorate", "stop__edition", "sector"
    ).prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.order_by("display_order", "code")),
        Prefetch("ministries", queryset=Ministry.objects.order_by("display_order", "slug")),
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
