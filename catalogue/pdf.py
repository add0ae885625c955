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
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from weasyprint.urls import path2url

from municipalities import maps as geometry

from . import pdf_renderer
from .choices import Stage
from .models import Project, ProjectReview

CACHE_DIR = "pdf-cache"
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
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=1)
    buffer = io.BytesIO()
    image.save(buffer)
    return _data_uri(buffer.getvalue(), "image/svg+xml")


def _assets_dir():
    """Local folder of derived, shared images (maps): made on demand, never backed up."""
    folder = settings.VAR_DIR / "pdf-assets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def _governorate_map(code_ins: str) -> str:
    """file:// URL of Tunisia with one governorate highlighted (one file per governorate).

    The same URL on every sheet lets WeasyPrint parse each map once per dossier.
    """
    frame = geometry.frame()
    shapes = "".join(
        f'<path d="{d}" fill="{"#8fc1c9" if code == code_ins else "#e8ecf0"}"/>'
        for code, d in geometry.governorate_paths().items()
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{frame.viewbox}" '
        f'width="{frame.width}" height="{frame.height}">'
        f'<g stroke="#9aa6b2" stroke-width="0.8">{shapes}</g></svg>'
    )
    path = _assets_dir() / f"governorate-{code_ins}-{_template_fingerprint()}.svg"
    if not path.exists():
        path.write_text(svg, encoding="utf-8")
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


def _render(template: str, context: dict, name: str) -> None:
    html = render_to_string(template, context)
    static = settings.BASE_DIR / "static"
    content = pdf_renderer.pool.render(
        html,
        base_url=path2url(str(static)) + "/",
        allowed_roots=[str(static), str(_assets_dir())],
        timeout=settings.PDF_RENDER_TIMEOUT,
    )
    default_storage.delete(name)
    default_storage.save(name, ContentFile(content))


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


def render_dossier(dossier: Dossier) -> Rendered:
    """Render a dossier into the cache unless it is there already."""
    if dossier.is_cached:
        return Rendered(name=dossier.name, filename=dossier.filename, created=False)
    amounts = [p["investment_value"] for p in dossier.facts if p["investment_value"] is not None]
    _render(
        "catalogue/pdf/dossier.html",
        {
            "title": dossier.title,
            "criteria": dossier.criteria,
            "projects": dossier.facts,
            "count": len(dossier.facts),
            "total_investment": _amount(sum(amounts)) if amounts else None,
            "generated_on": _generated_on(),
            "LANGUAGE_CODE": translation.get_language(),
        },
        dossier.name,
    )
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
