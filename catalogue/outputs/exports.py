"""Project spreadsheets: the columns shared by imports and exports, and the exports.

The columns below are the one definition of a project row (documented in
``docs/import-columns.md``): the admin export, the public exports and the import all use
them, so an export can be edited and imported back. Every text cell goes through
``neutralize`` (spreadsheet formula injection); numbers stay numbers. The child rows'
cells are written by ``catalogue.outputs.exports_children``.

Over 500 lines because ``PROJECT_COLUMNS``, half of it, is kept whole: one list read
top to bottom as the column guide is.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravan.models import Dimension, Ministry
from catalogue.models import PolicyGoal, Source
from catalogue.outputs.exports_children import child_prefetches, child_values
from catalogue.register.rules import EXAMPLE_REFERENCE
from smartcities.core.spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    csv_lines,
    neutralize,
    xlsx_bytes,
)

__all__ = [
    "PROJECT_COLUMNS",
    "Column",
    "export_rows",
    "json_chunks",
    "neutralize",
    "project_values",
]

# Rows per database round trip when exporting (with the projects' dimensions and ministries).
CHUNK_SIZE = 2_000
# An XLSX is built in memory; past this many rows, CSV or JSON (streamed) are the way.
MAX_XLSX_ROWS = 10_000
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    """One column of a project spreadsheet."""

    name: str
    help: str
    required: bool = False  # an import file must have it
    importable: bool = True  # False: written by exports, ignored by imports
    example: str = ""


PROJECT_COLUMNS = [
    Column(
        "reference",
        _(
            "The project's reference, e.g. GAB-2020-001: three capital letters, a year, a "
            "number. It identifies the project: a known reference updates that project, a "
            "new one creates a draft."
        ),
        required=True,
        example=EXAMPLE_REFERENCE,  # never a real project: the example row is refused
    ),
    Column(
        "title_fr",
        _("Title in French (required, 200 characters at most)."),
        required=True,
        example="Éclairage public intelligent du centre-ville",
    ),
    Column("title_ar", _("Title in Arabic."), example="الإنارة العمومية الذكية لوسط المدينة"),
    Column("title_en", _("Title in English."), example="Smart street lighting in the city centre"),
    Column(
        "summary_fr",
        _("Summary in French: two or three sentences, 600 characters at most (required)."),
        required=True,
        example="Remplacement de 2 000 points lumineux par des lampes LED pilotées à distance.",
    ),
    Column("summary_ar", _("Summary in Arabic (600 characters at most).")),
    Column("summary_en", _("Summary in English (600 characters at most).")),
    Column("description_fr", _("Longer description in French.")),
    Column("description_ar", _("Longer description in Arabic.")),
    Column("description_en", _("Longer description in English.")),
    Column(
        "municipality",
        _("The municipality: its four-digit DGCL code (e.g. 5111 for Gabès) or its slug."),
        required=True,
        example="5111",
    ),
    Column(
        "municipality_name",
        _("The municipality's name, for reading only (ignored on import)."),
        importable=False,
        example="Gabès",
    ),
    Column(
        "caravan_edition",
        _(
            "Number of the caravan edition during which the project was identified; the "
            "municipality must have been a stop of that edition. Empty: none."
        ),
        example="2",
    ),
    Column(
        "sector",
        _("OC4IDS sector code, e.g. energy.solar or transport.urban. Empty: not classified."),
        example="energy",
    ),
    Column(
        "dimensions",
        _("Smart-city dimension codes, separated by semicolons, e.g. environment; mobility."),
        example="environment",
    ),
    Column(
        "ministries",
        _("Partner ministries by acronym or slug, separated by semicolons, e.g. ME; MAL."),
        example="ME; MAL",
    ),
    Column(
        "stage",
        _(
            "Stage code: prospective, planning, announced, procurement, awarded, delivery or "
            "operational. Empty: not stated."
        ),
        example="prospective",
    ),
    Column(
        "contract_model",
        _(
            "Contract model code: ppp, concession, public_works or tbd (the authority has "
            "not chosen yet). Empty: not stated."
        ),
        example="ppp",
    ),
    Column(
        "contract_subtype",
        _(
            "Sub-type code, only for ppp or concession: bot, boo, rot, dbfo, lease or "
            "management. May be empty."
        ),
        example="dbfo",
    ),
    Column(
        "initiation",
        _("Who proposed the project: solicited or unsolicited. May be empty."),
        example="solicited",
    ),
    Column(
        "investment_tnd",
        _(
            "Estimated investment in dinars (TND): a number, with a point or a comma for the "
            "decimals and no thousands separator other than spaces. May be empty."
        ),
        example="3500000",
    ),
    Column("land_area_ha", _("Land area in hectares (a number). May be empty."), example="1.5"),
    Column("expected_jobs", _("Expected jobs (a whole number). May be empty."), example="25"),
    Column(
        "duration_years",
        _("Contract duration in years (1 to 99). May be empty."),
        example="15",
    ),
    # The pipeline facts after OC4IDS (catalogue.models.pipeline), also published in the
    # OC4IDS package.
    Column(
        "purpose_fr",
        _("The project's socio-economic purpose in French (600 characters at most)."),
        example="Réduire la facture d'éclairage public de la commune.",
    ),
    Column("purpose_ar", _("The purpose in Arabic.")),
    Column("purpose_en", _("The purpose in English.")),
    Column(
        "project_type",
        _(
            "OC4IDS project type code: construction, rehabilitation, replacement or "
            "expansion. Empty: not stated."
        ),
        example="rehabilitation",
    ),
    Column(
        "payment_mechanism",
        _(
            "How the private partner is paid: user_fees, availability (payments by the "
            "authority) or mixed. Empty: not stated."
        ),
        example="availability",
    ),
    Column(
        "policy_goals",
        _(
            "The policy goals the project serves, as labelled in the admin's list, separated "
            "by semicolons, e.g. SDG 11; SDG 7; U4SSC EN (SDG-11 is read too). Empty: none."
        ),
        example="SDG 11; SDG 7",
    ),
    Column(
        "planned_start",
        _("Planned start date, as YYYY-MM-DD (e.g. 2026-09-01). May be empty."),
        example="2026-09-01",
    ),
    Column(
        "planned_end",
        _("Planned end date, as YYYY-MM-DD, not before the planned start. May be empty."),
        example="2028-06-30",
    ),
    Column("actual_start", _("Actual start date, as YYYY-MM-DD. May be empty.")),
    Column(
        "actual_end",
        _("Actual end date, as YYYY-MM-DD, not before the actual start. May be empty."),
    ),
    # The child rows: one line per row, its fields separated by " | " (exports_children).
    Column(
        "milestones",
        _(
            "One milestone per line: type | planned date | actual date | status | title "
            "(French) | title (Arabic) | title (English). Empty cell: no milestones."
        ),
        example="procurement | 2026-03-01 |  | scheduled | Appel d'offres",
    ),
    Column(
        "funding",
        _(
            "One funding line per line: amount | currency | source | from | until | "
            "description (French, Arabic, English). Empty cell: no funding lines."
        ),
        example="1500000 | TND | Budget municipal | 2026-01-01 | 2027-12-31",
    ),
    Column(
        "risks",
        _(
            "One risk per line: who carries it (public, private or shared) | the risk in "
            "French | in Arabic | in English. Empty cell: no risks."
        ),
        example="shared | Risque de demande",
    ),
    Column(
        "related_projects",
        _(
            "One related project per line: its reference | the relation (construction, "
            "rehabilitation, replacement, expansion or phase). Empty cell: none."
        ),
        example="",
    ),
    Column(
        "latitude",
        _(
            "Latitude in decimal degrees (30 to 38), with the longitude or neither. Empty: "
            "the municipality's location."
        ),
        example="33.88146",
    ),
    Column("longitude", _("Longitude in decimal degrees (7 to 12)."), example="10.09820"),
    Column("contact_name", _("Contact person."), example="Direction technique"),
    Column("contact_email", _("Contact e-mail address."), example="contact@commune-gabes.tn"),
    Column("contact_phone", _("Contact phone number."), example="+216 75 270 000"),
    Column(
        "featured",
        _("yes to show the project on the home page, otherwise no. Empty: no."),
        example="no",
    ),
    Column("is_demo", _("yes for synthetic demonstration data. Empty: no."), example="no"),
    Column(
        "status",
        _(
            "Workflow status, for reading only: an import never changes it. New projects are "
            "created as drafts and follow the usual workflow."
        ),
        importable=False,
        example="draft",
    ),
    Column(
        "edit_version",
        _(
            "Edit version at the time of the export. If given, the import refuses to change a "
            "project that someone edited since. May be empty."
        ),
        example="",
    ),
    Column(
        "updated_at",
        _("When the project was last changed, for reading only (ignored on import)."),
        importable=False,
        example="",
    ),
    Column(
        "published_at",
        _("When the project was first published, for reading only. Empty: never published."),
        importable=False,
        example="",
    ),
    Column(
        "screening",
        _(
            "Screening status, for reading only: not_screened, or the eligibility committee's "
            "latest decision (eligible_ppp, eligible_concession, public_works, "
            "needs_information, not_eligible)."
        ),
        importable=False,
        example="not_screened",
    ),
    Column(
        "screened_at",
        _("When the committee decided, for reading only. Empty: not screened."),
        importable=False,
        example="",
    ),
    Column(
        "screening_score",
        _("The review's weighted score out of 100, for reading only."),
        importable=False,
        example="",
    ),
    Column(
        "verified_at",
        _(
            "When staff last confirmed that the project is still current, for reading only. "
            "Empty: not verified since its publication."
        ),
        importable=False,
        example="",
    ),
    Column(
        "verification_due",
        _("yes when the project is due for verification, for reading only."),
        importable=False,
        example="no",
    ),
    Column(
        "sources",
        _(
            "The sources the project's facts come from (title, publisher, date, address), "
            "separated by semicolons, for reading only."
        ),
        importable=False,
        example="",
    ),
    Column(
        "licence",
        _("The licence the data is published under, for reading only."),
        importable=False,
        example="",
    ),
]
COLUMN_NAMES = [column.name for column in PROJECT_COLUMNS]
IMPORTABLE = frozenset(column.name for column in PROJECT_COLUMNS if column.importable)
REQUIRED = [column.name for column in PROJECT_COLUMNS if column.required]
LIST_COLUMNS = ("dimensions", "ministries", "policy_goals", "sources")


def for_export(queryset, *, public_related_only=True):
    """Projects with what a spreadsheet row shows: places, stop, sector, dimensions,
    ministries, policy goals, sources and child rows (one prefetch query each per chunk);
    ``public_related_only`` (public files): name only the public related projects; the
    admin's round trip (``iter_projects``) names them all."""
    return queryset.select_related("municipality", "stop__edition", "sector").prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.only("id", "code")),
        Prefetch("ministries", queryset=Ministry.objects.only("id", "acronym")),
        Prefetch("policy_goals", queryset=PolicyGoal.objects.only("id", "framework", "code")),
        Prefetch("sources", queryset=Source.objects.order_by("-date", "title")),
        *child_prefetches(public_related_only=public_related_only),
    )


def source_citation(source) -> str:
    """A source in one line: title, publisher, date at its precision, address."""
    parts = (source.title, source.publisher, source.iso_date, source.url)
    return ", ".join(part for part in parts if part)


def _number(value):
    """A Decimal without trailing zeros (5000000.000 → 5000000), still a number."""
    if value is None:
        return None
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return Decimal(format(normalized, "f"))


DATE_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end")


def _iso_day(value) -> str:
    return value.isoformat() if value else ""


def project_values(project) -> dict:
    """The project's row as native values (lists for dimensions and ministries)."""
    municipality = project.municipality
    return {
        "reference": project.reference,
        "title_fr": project.title_fr,
        "title_ar": project.title_ar,
        "title_en": project.title_en,
        "summary_fr": project.summary_fr,
        "summary_ar": project.summary_ar,
        "summary_en": project.summary_en,
        "description_fr": project.description_fr,
        "description_ar": project.description_ar,
        "description_en": project.description_en,
        "municipality": municipality.code,
        "municipality_name": municipality.name_fr,
        "caravan_edition": project.stop.edition.number if project.stop_id else None,
        "sector": project.sector.code if project.sector_id else "",
        "dimensions": sorted(d.code for d in project.dimensions.all()),
        "ministries": sorted(m.acronym for m in project.ministries.all()),
        "stage": project.stage,
        "contract_model": project.contract_model,
        "contract_subtype": project.contract_subtype,
        "initiation": project.initiation,
        "investment_tnd": _number(project.investment_tnd),
        "land_area_ha": _number(project.land_area_ha),
        "expected_jobs": project.expected_jobs,
        "duration_years": project.duration_years,
        "purpose_fr": project.purpose_fr,
        "purpose_ar": project.purpose_ar,
        "purpose_en": project.purpose_en,
        "project_type": project.project_type,
        "payment_mechanism": project.payment_mechanism,
        "policy_goals": [goal.label for goal in project.policy_goals.all()],
        # ISO text, never a spreadsheet date: an export reads back as it was written.
        **{name: _iso_day(getattr(project, name)) for name in DATE_COLUMNS},
        **child_values(project),
        "latitude": _number(project.latitude),
        "longitude": _number(project.longitude),
        "contact_name": project.contact_name,
        "contact_email": project.contact_email,
        "contact_phone": project.contact_phone,
        "featured": project.featured,
        "is_demo": project.is_demo,
        "status": project.status,
        "edit_version": project.lock_version,
        "updated_at": project.updated_at,
        "published_at": project.published_at,
        "screening": project.screening,
        "screened_at": project.screened_at,
        "screening_score": _number(project.screening_score),
        "verified_at": project.verified_at,
        "verification_due": project.verification_due,
        "sources": [source_citation(source) for source in project.sources.all()],
        "licence": settings.DATA_LICENCE["name"],
    }


def row_cells(values: dict) -> list:
    """A row for CSV or XLSX: lists joined with semicolons; text neutralised on writing."""
    return [
        LIST_SEPARATOR.join(values[name]) if name in LIST_COLUMNS else values[name]
        for name in COLUMN_NAMES
    ]


def iter_projects(queryset):
    """The projects of ``queryset`` in chunks, each chunk with its prefetched relations."""
    return for_export(queryset, public_related_only=False).iterator(chunk_size=CHUNK_SIZE)


def export_rows(queryset):
    """The spreadsheet rows of ``queryset`` (header not included)."""
    for project in iter_projects(queryset):
        yield row_cells(project_values(project))


def csv_chunks(queryset):
    """A CSV file of the projects, streamed line by line."""
    return csv_lines(COLUMN_NAMES, export_rows(queryset))


def xlsx_file(queryset) -> bytes:
    return xlsx_bytes(COLUMN_NAMES, export_rows(queryset), sheet_title="projects")


def template_rows():
    """The example row of the import template."""
    return [[column.example for column in PROJECT_COLUMNS]]


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime):
            return timezone.localtime(o).isoformat(timespec="seconds")
        return super().default(o)


def json_chunks(queryset, *, meta: dict):
    """A JSON document ``{…meta, "columns": […], "projects": [{column: value}, …]}``,
    streamed project by project. Text is neutralised here too: the values often end up
    in a spreadsheet."""
    encoder = _Encoder(ensure_ascii=False)
    head = encoder.encode({**meta, "columns": COLUMN_NAMES})
    yield head[:-1] + ', "projects": ['
    separator = "\n"
    for project in iter_projects(queryset):
        values = project_values(project)
        values = {
            name: [neutralize(v) for v in value] if name in LIST_COLUMNS else neutralize(value)
            for name, value in values.items()
        }
        yield separator + encoder.encode(values)
        separator = ",\n"
    yield "\n]}\n"


def export_filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


class TooManyRows(Exception):
    """More rows than an XLSX built in memory may hold (``MAX_XLSX_ROWS``)."""


def project_export_response(queryset, extension: str, *, stem: str, meta: dict | None = None):
    """The projects of ``queryset`` as a downloadable CSV (streamed), XLSX or JSON
    (streamed) file. Raises ``TooManyRows`` for an XLSX past ``MAX_XLSX_ROWS``."""
    if extension == "csv":
        response = StreamingHttpResponse(csv_chunks(queryset), content_type=CSV_CONTENT_TYPE)
    elif extension == "xlsx":
        if queryset.order_by().count() > MAX_XLSX_ROWS:
            raise TooManyRows
        response = HttpResponse(xlsx_file(queryset), content_type=XLSX_CONTENT_TYPE)
    elif extension == "json":
        response = StreamingHttpResponse(
            json_chunks(queryset, meta=meta or {}), content_type="application/json"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem, extension)}"'
    return response
