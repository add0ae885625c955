"""PDF project sheets and dossiers (WeasyPrint), cached by what they show.

A sheet's cache key is a hash of everything it displays (texts, figures, related names,
photo files, screening outcome) plus the PDF templates themselves, so an unchanged sheet
is served from storage without rendering, and any visible change makes a new one. Files
live in the default storage (``pdf-cache/``), shared by every app server.
"""

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint.urls import path2url

from municipalities import maps as geometry

from . import pdf_renderer
from .choices import Stage
from .models import Project, ProjectReview

CACHE_DIR = "pdf-cache"
MAP_SCALE = 1  # PNG pixels per map unit (the map is 400 units wide)
MAP_SUPERSAMPLING = 3  # drawn larger, then reduced: smooth borders
TEMPLATES = (
    "catalogue/pdf/sheet.html",
    "catalogue/pdf/dossier.html",
    "catalogue/pdf/_project.html",
)
STATIC_FILES = ("catalogue/pdf/pdf.css",)


@dataclass
class Rendered:
    """A PDF in the cache: its storage name and its download file name."""

    name: str
    filename: str
    created: bool  # rendered now (False: served from the cache)

    def open(self):
        return default_storage.open(self.name, "rb")


@cache
def _template_fingerprint() -> str:
    """Hash of the PDF templates and stylesheet: a new layout means new files."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        for directory in settings.TEMPLATES[0]["DIRS"]:
            path = directory / name
            if path.exists():
                digest.update(path.read_bytes())
    for name in STATIC_FILES:
        digest.update((settings.BASE_DIR / "static" / name).read_bytes())
    return digest.hexdigest()[:16]


def _data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _qr_code(url: str) -> str:
    """A small black-and-white PNG QR code (cheap to place, sharp when printed)."""
    image = qrcode.make(url, box_size=4, border=1)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return _data_uri(buffer.getvalue(), "image/png")


def _assets_dir():
    """Local folder of derived, shared images (maps): made on demand, never backed up."""
    folder = settings.VAR_DIR / "pdf-assets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def _governorate_map(code_ins: str) -> str:
    """file:// URL of a PNG of Tunisia with one governorate highlighted.

    Drawn once per governorate with Pillow (a raster image costs WeasyPrint little to
    place, where the SVG shapes had to be painted again on every sheet), and the same
    URL on every sheet lets WeasyPrint embed each map once per dossier.
    """
    path = _assets_dir() / f"governorate-{code_ins}-{_template_fingerprint()}.png"
    if not path.exists():
        frame = geometry.frame()
        scale = MAP_SUPERSAMPLING * MAP_SCALE
        image = Image.new("RGB", (frame.width * scale, frame.height * scale), "white")
        draw = ImageDraw.Draw(image)
        for code, rings in geometry.governorate_rings().items():
            fill = (143, 193, 201) if code == code_ins else (232, 236, 240)
            for ring in rings:
                draw.polygon(
                    [(x * scale, y * scale) for x, y in ring],
                    fill=fill,
                    outline=(154, 166, 178),
                    width=MAP_SUPERSAMPLING,
                )
        image = image.resize((frame.width * MAP_SCALE, frame.height * MAP_SCALE), Image.LANCZOS)
        image.save(path, "PNG", optimize=True)
    return path2url(str(path))


def _location_map(project) -> dict:
    """The governorate map and where the project's marker sits on it (in %)."""
    frame = geometry.frame()
    marker = None
    if point := project.point:
        x, y = frame.project(*point)
        marker = {"left": round(100 * x / frame.width, 2), "top": round(100 * y / frame.height, 2)}
    return {"url": _governorate_map(project.municipality.governorate.code_ins), "marker": marker}


def _cover_photo(project):
    """The first gallery photo (its thumbnail) as a data URI, and its caption."""
    images = list(project.images.all())
    if not images:
        return None, ""
    image = images[0]
    source = image.thumbnail or image.image
    try:
        with default_storage.open(source.name, "rb") as handle:
            content = handle.read()
    except OSError:
        return None, ""
    mime = "image/jpeg" if source.name.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return _data_uri(content, mime), image.caption


def _amount(value, decimals=0):
    if value is None:
        return None
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def project_facts(project, outcome, public_url: str) -> dict:
    """Everything a sheet shows of a project, in the active language.

    The cache key is computed from this, so it must hold every displayed value.
    """
    cover, caption = _cover_photo(project)
    return {
        "reference": project.reference,
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "municipality": project.municipality.name,
        "governorate": project.municipality.governorate.name,
        "sector": project.sector.name if project.sector else "",
        "stage": str(project.get_stage_display()),
        "stage_position": project.stage_position,
        "stages": [str(label) for _value, label in Stage.choices],
        "contract": str(project.get_contract_model_display()),
        "subtype": str(project.get_contract_subtype_display()) if project.contract_subtype else "",
        "initiation": str(project.get_initiation_display()) if project.initiation else "",
        "investment": _amount(project.investment_tnd),
        "investment_value": (
            float(project.investment_tnd) if project.investment_tnd is not None else None
        ),
        "land_area": _amount(project.land_area_ha, 2) if project.land_area_ha is not None else None,
        "jobs": _amount(project.expected_jobs),
        "duration": project.duration_years,
        "dimensions": [d.name for d in project.dimensions.all()],
        "ministries": [m.name for m in project.ministries.all()],
        "contact": [project.contact_name, project.contact_email, project.contact_phone],
        "outcome": (
            {
                "decision": str(outcome.get_decision_display()),
                "date": formats.date_format(timezone.localtime(outcome.decided_at), "DATE_FORMAT"),
                "score": _amount(outcome.score, 1) if outcome.score is not None else None,
                "summary": outcome.public_summary,
            }
            if outcome
            else None
        ),
        "cover": cover,
        "cover_caption": caption,
        "map": _location_map(project),
        "url": public_url,
        "qr": _qr_code(public_url),
        "is_demo": project.is_demo,
    }


def _fingerprint(*parts) -> str:
    payload = json.dumps([_template_fingerprint(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def sheets_queryset():
    """Public projects with what a sheet shows, in few queries."""
    return (
        Project.objects.public()
        .select_related("municipality__governorate", "sector")
        .prefetch_related(
            "dimensions",
            "ministries",
            "images",
            Prefetch(
                "reviews",
                queryset=ProjectReview.objects.decided().order_by("-version"),
                to_attr="decided_reviews",
            ),
        )
    )


def facts_for(project, site_url: str) -> dict:
    """The facts of a project loaded with ``sheets_queryset``; links point at ``site_url``."""
    outcome = project.decided_reviews[0] if project.decided_reviews else None
    return project_facts(project, outcome, site_url + project.get_absolute_url())


def _render_documents(documents: list[str]) -> list[bytes]:
    """PDF bytes of HTML documents, rendered side by side in the worker processes."""
    static = settings.BASE_DIR / "static"
    return pdf_renderer.pool.render_many(
        documents,
        base_url=path2url(str(static)) + "/",
        allowed_roots=[str(static), str(_assets_dir())],
        timeout=settings.PDF_RENDER_TIMEOUT,
    )


def _store(name: str, content: bytes) -> None:
    default_storage.delete(name)
    default_storage.save(name, ContentFile(content))


def _render(template: str, context: dict, name: str) -> None:
    _store(name, _render_documents([render_to_string(template, context)])[0])


def _generated_on() -> str:
    return formats.date_format(timezone.localtime(), "DATETIME_FORMAT")


def project_sheet(project, site_url: str) -> Rendered:
    """The project's sheet in the active language: from the cache, or rendered now."""
    facts = facts_for(project, site_url)
    language = translation.get_language()
    key = _fingerprint("sheet", language, facts)
    name = f"{CACHE_DIR}/sheets/{project.reference}-{language}-{key}.pdf"
    filename = f"fiche-projet-{project.reference}-{language}.pdf"
    if default_storage.exists(name):
        return Rendered(name=name, filename=filename, created=False)
    _render(
        "catalogue/pdf/sheet.html",
        {"project": facts, "generated_on": _generated_on(), "LANGUAGE_CODE": language},
        name,
    )
    return Rendered(name=name, filename=filename, created=True)


@dataclass
class Dossier:
    """A selection of public projects to put in one PDF, with its cache key."""

    title: str
    criteria: list[str]
    facts: list[dict]
    key: str

    @property
    def name(self) -> str:
        return f"{CACHE_DIR}/dossiers/{self.key}.pdf"

    @property
    def filename(self) -> str:
        slug = slugify(self.title)[:60] or "catalogue"
        return f"dossier-{slug}-{timezone.localdate():%Y-%m-%d}.pdf"

    @property
    def is_cached(self) -> bool:
        return default_storage.exists(self.name)


def dossier_for(projects, *, title: str, criteria: list[str], site_url: str) -> Dossier:
    """The dossier of ``projects`` (loaded with ``sheets_queryset``), in this order."""
    facts = [facts_for(project, site_url) for project in projects]
    key = _fingerprint("dossier", translation.get_language(), title, criteria, facts)
    return Dossier(title=title, criteria=criteria, facts=facts, key=key)


def _dossier_sheets(facts: list[dict]) -> tuple[list[PdfReader], list[int]]:
    """The projects' pages for a dossier (no page furniture), and each sheet's page count.

    The sheets are split into one document per rendering process, rendered side by side:
    fewer, longer documents spare WeasyPrint the per-document set-up.
    """
    workers = pdf_renderer.pool.workers
    size = -(-len(facts) // workers)  # ceiling division
    chunks = [facts[i : i + size] for i in range(0, len(facts), size)]
    documents = _render_documents(
        [render_to_string("catalogue/pdf/dossier_sheets.html", {"projects": c}) for c in chunks]
    )
    readers = [PdfReader(io.BytesIO(content)) for content in documents]
    counts = []
    for reader in readers:
        # Each sheet's title is a bookmark: its page is where the sheet starts.
        starts = [
            reader.get_destination_page_number(item)
            for item in reader.outline
            if not isinstance(item, list)
        ]
        ends = starts[1:] + [len(reader.pages)]
        counts += [end - start for start, end in zip(starts, ends, strict=True)]
    return readers, counts


def render_dossier(dossier: Dossier) -> Rendered:
    """Assemble a dossier into the cache unless it is there already.

    The project sheets are rendered first, in parallel; the cover, summary table and
    contents follow once the sheets' page counts are known; then the page headers and
    footers ("page X / Y") are laid over every page and the bookmarks and metadata are
    added.
    """
    if dossier.is_cached:
        return Rendered(name=dossier.name, filename=dossier.filename, created=False)
    language = translation.get_language()
    sheets, page_counts = _dossier_sheets(dossier.facts)
    amounts = [p["investment_value"] for p in dossier.facts if p["investment_value"] is not None]
    context = {
        "title": dossier.title,
        "criteria": dossier.criteria,
        "count": len(dossier.facts),
        "total_investment": _amount(sum(amounts)) if amounts else None,
        "generated_on": _generated_on(),
        "LANGUAGE_CODE": language,
    }
    # The contents give each sheet's first page, which depends on the front matter's
    # own length: guess it, and render again in the rare case the guess was wrong.
    front_pages = 3
    for _attempt in range(3):
        page = front_pages + 1
        entries = []
        for item, count in zip(dossier.facts, page_counts, strict=True):
            entries.append({**item, "page": page})
            page += count
        html = render_to_string("catalogue/pdf/dossier.html", {**context, "projects": entries})
        front = PdfReader(io.BytesIO(_render_documents([html])[0]))
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    total = page - 1
    furniture = PdfReader(
        io.BytesIO(
            _render_documents(
                [
                    render_to_string(
                        "catalogue/pdf/page_furniture.html", {**context, "pages": range(total)}
                    )
                ]
            )[0]
        )
    )
    writer = PdfWriter()
    writer.append(front, import_outline=False)
    for sheet in sheets:
        writer.append(sheet, import_outline=False)
    for number, page_object in enumerate(writer.pages):
        page_object.merge_page(furniture.pages[number])
    # The front matter's bookmarks (its title, the summary table, the contents) keep their
    # pages; each project goes under the last of them, the contents.
    contents = None
    for item in front.outline:
        if not isinstance(item, list):
            contents = writer.add_outline_item(
                title=item.title, page_number=front.get_destination_page_number(item)
            )
    for entry in entries:
        writer.add_outline_item(
            title=f"{entry['reference']} · {entry['title']}",
            page_number=entry["page"] - 1,
            parent=contents,
        )
    writer.add_metadata(
        {
            "/Title": dossier.title,
            "/Author": _("National smart and sustainable cities programme"),
            "/Subject": _("Dossier of projects"),
            "/Creator": _("Tunisian Smart Cities"),
        }
    )
    writer._root_object[NameObject("/Lang")] = TextStringObject(language)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    _store(dossier.name, buffer.getvalue())
    return Rendered(name=dossier.name, filename=dossier.filename, created=True)


def too_large_message(count: int) -> str:
    return _(
        "This selection holds %(count)s projects; a dossier can hold at most %(max)s. "
        "Narrow the selection with the catalogue's filters (a governorate, a sector, a "
        "stage…) and download the dossier again."
    ) % {"count": count, "max": settings.DOSSIER_MAX_PROJECTS}


def select_dossier(query: str, *, title: str, site_url: str) -> Dossier:
    """The dossier of a catalogue query string (same filters and order as the catalogue)."""
    from django.http import QueryDict

    from .filters import SORTS, ProjectFilterSet, parse_sort

    params = QueryDict(query)
    filterset = ProjectFilterSet(params, queryset=sheets_queryset())
    order = SORTS[parse_sort(params.get("sort"))][1]()
    projects = list(filterset.qs.order_by(*order)[: settings.DOSSIER_MAX_PROJECTS + 1])
    criteria = [
        _("%(label)s: %(value)s") % {"label": label, "value": value}
        for label, value in filterset.describe()
    ]
    return dossier_for(projects, title=title, criteria=criteria, site_url=site_url)
