"""PDF project sheets: what a sheet shows of a project, rendered with WeasyPrint, cached.

A sheet's cache key is a hash of everything it displays (texts, figures, related names,
photo files, its public record and sources, the data's licence) plus the PDF templates
themselves and the portal partials they include, so an unchanged sheet is served from
storage without rendering, and any visible change makes a new one. Files live in the
default storage (``pdf-cache/``), shared by every app server. A sheet, like a dossier
(``catalogue.outputs.dossier``), is one WeasyPrint document (``catalogue/pdf/document.html``)
whose page numbers come from CSS: the plain way measured as fast as the assembly engine it
replaced (bench/README.md, "Engines and their plain alternatives").
"""

import base64
import hashlib
import io
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

import qrcode
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from weasyprint.urls import path2url

from catalogue.models import Project, ProjectReview, pipeline_prefetches
from catalogue.outputs import pdf_renderer
from catalogue.outputs.pdf_pipeline import pipeline_facts
from catalogue.register.choices import ELIGIBLE_DECISIONS, Stage
from catalogue.register.images import make_thumbnail
from municipalities import maps as geometry

CACHE_DIR = "pdf-cache"
# Map pixels per map unit: the map (400 units wide, 846 tall) is printed 54 mm tall,
# so 0.6 gives about 240 dpi; more only makes every sheet heavier to embed.
MAP_SCALE = 0.6
MAP_SUPERSAMPLING = 3  # drawn larger, then reduced: smooth borders
TEMPLATE_DIR = "catalogue/pdf"
STYLESHEET = "catalogue/pdf/pdf.css"
STATIC_FILES = (STYLESHEET, "img/logo.svg")
# The portal's partials a sheet includes (its screening and dates, as on the project page).
PARTIALS = ("catalogue/partials/record_dates.html", "catalogue/partials/screening.html")
THUMBNAILS = "projects/thumbnails/"  # ProjectImage.thumbnail's folder
# While one request renders a PDF, the others that want it wait for its file: the key of
# that rendering in the shared cache, and how often they look for the file.
RENDERING_KEY = "pdf-rendering:{}"
RENDERING_POLL = 0.05  # seconds


@dataclass
class Rendered:
    """A PDF in the cache: its storage name and its download file name, and its bytes
    when it was rendered by this request."""

    name: str
    filename: str
    created: bool  # rendered now (False: served from the cache)
    content: bytes | None = None

    def open(self):
        if self.content is not None:  # served as rendered: no second read of the storage
            return io.BytesIO(self.content)
        return default_storage.open(self.name, "rb")


@cache
def _template_fingerprint() -> str:
    """Hash of the PDF templates, the partials they include and the stylesheet: a new
    layout means new files."""
    digest = hashlib.sha256()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        folder = directory / TEMPLATE_DIR
        if folder.is_dir():
            for path in sorted(folder.glob("*.html")):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        for name in PARTIALS:
            if (directory / name).is_file():
                digest.update(name.encode())
                digest.update((directory / name).read_bytes())
    for name in STATIC_FILES:
        digest.update((settings.BASE_DIR / "static" / name).read_bytes())
    return digest.hexdigest()[:16]


def _data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _qr_code(url: str) -> str:
    """A PNG of the QR code with one pixel per module, enlarged without smoothing by the
    stylesheet: sharp when printed, and tiny to embed. The mask pattern is fixed (any
    is valid): choosing the best of eight took most of the time."""
    code = qrcode.QRCode(border=1, mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    buffer = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(buffer, "PNG")
    return _data_uri(buffer.getvalue(), "image/png")


def _assets_dir():
    """Local folder of derived, shared images (maps): made on demand, never backed up."""
    folder = settings.VAR_DIR / "pdf-assets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def _governorate_map(code_ins: str) -> str:
    """file:// URL of a picture of Tunisia with one governorate highlighted.

    Drawn once per governorate with Pillow (a raster image costs WeasyPrint little to
    place, where the SVG shapes had to be painted again on every sheet), and the same
    URL on every sheet lets WeasyPrint embed each map once per document.
    """
    path = _assets_dir() / f"governorate-{code_ins}-{_template_fingerprint()}.jpg"
    if not path.exists():
        frame = geometry.frame()
        scale = MAP_SUPERSAMPLING * MAP_SCALE
        image = Image.new("RGB", (round(frame.width * scale), round(frame.height * scale)), "white")
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
        image = image.resize(
            (round(frame.width * MAP_SCALE), round(frame.height * MAP_SCALE)), Image.LANCZOS
        )
        # A JPEG (of high quality, without colour subsampling: no visible artefacts) is
        # embedded as it is, where WeasyPrint decodes and compresses a PNG again in
        # every PDF it goes into.
        image.save(path, "JPEG", quality=92, subsampling=0, optimize=True)
    return path2url(str(path))


def _location_map(project) -> dict:
    """The governorate map and where the project's marker sits on it (in %)."""
    frame = geometry.frame()
    marker = None
    if point := project.point:
        x, y = frame.project(*point)
        marker = {"left": round(100 * x / frame.width, 2), "top": round(100 * y / frame.height, 2)}
    return {"url": _governorate_map(project.municipality.governorate.code_ins), "marker": marker}


def _cover_photo(project) -> tuple[str, str]:
    """Storage name of the first gallery photo's thumbnail (or of the photo), and its
    caption. Only the name goes into the cache key (uploads get unique names): the file
    is read when a sheet is rendered."""
    images = list(project.images.all())
    if not images:
        return "", ""
    image = images[0]
    source = image.thumbnail or image.image
    return source.name, image.caption


def _cover_uri(name: str) -> str | None:
    """A data URI of the cover photo at thumbnail size (a photo without a thumbnail is
    reduced first: the sheet prints it about 130 mm wide, a full-size photo would only
    make the PDF heavier and slower to write)."""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
        if not name.startswith(THUMBNAILS):
            content = make_thumbnail(ContentFile(content, name=name)).read()
            name = "thumbnail.jpg"
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    mime = "image/jpeg" if name.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return _data_uri(content, mime)


def _amount(value, decimals=0):
    if value is None:
        return None
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _day(moment) -> str | None:
    """The local date of ``moment`` (ISO), as a sheet prints it: to the day."""
    return timezone.localtime(moment).date().isoformat() if moment else None


def _record(project) -> dict:
    """The project's public record as a sheet shows it: its screening, when it was first
    published, last updated and last verified, and whether it is due for verification.
    Dates to the day only: a second save on the same day leaves the sheet as it was."""
    return {
        "screening": project.screening,
        "screening_label": str(project.get_screening_display()),
        "screened_on": _day(project.screened_at),
        "score": str(project.screening_score) if project.screening_score is not None else None,
        "published_on": _day(project.published_at),
        "updated_on": _day(project.updated_at),
        "verified_on": _day(project.verified_at),
        "verification_due": project.verification_due,
    }


def _sources(project, site_url: str) -> list[dict]:
    """The project's sources as a sheet cites them: title, publisher, kind, date at its
    precision, and address (absolute) if any."""
    cited = []
    for source in project.sources.all():
        link = source.link
        if link.startswith("/"):  # an attached copy, in the portal's media
            link = site_url + link
        cited.append(
            {
                "title": source.title,
                "publisher": source.publisher,
                "kind": str(source.get_kind_display()),
                "date": source.shown_date,
                "url": link,
            }
        )
    return cited


def project_facts(project, outcome, public_url: str, *, site_url: str) -> dict:
    """Everything a sheet shows of a project, in the active language.

    The cache key is computed from this, so it must hold every displayed value (the
    images by what they are made from: the cover photo's file name, the page's address;
    ``_with_images`` makes them when the sheet is rendered): its public record and
    sources, the data's licence and the methodology page's address included.
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
        # The screening itself is in the record; the latest decision's public summary here.
        "outcome": {"summary": outcome.public_summary} if outcome else None,
        "record": _record(project),
        "sources": _sources(project, site_url),
        "licence": {"name": settings.DATA_LICENCE["name"], "url": settings.DATA_LICENCE["url"]},
        "methodology": site_url + reverse("catalogue:methodology"),
        "cover": cover,
        "cover_caption": caption,
        "map": _location_map(project),
        "url": public_url,
        "is_demo": project.is_demo,
        "pipeline": pipeline_facts(project),
    }


def _record_for_partials(record: dict) -> SimpleNamespace:
    """A sheet's record with the attributes of a project that the portal's partials
    read (``catalogue/partials/record_dates.html``), so that the sheet says what the
    project's page says."""

    def day(value):
        return date.fromisoformat(value) if value else None

    return SimpleNamespace(
        screening=record["screening"],
        get_screening_display=record["screening_label"],
        is_eligible_screening=record["screening"] in ELIGIBLE_DECISIONS,
        screened_at=day(record["screened_on"]),
        screening_score=Decimal(record["score"]) if record["score"] is not None else None,
        published_at=day(record["published_on"]),
        updated_at=day(record["updated_on"]),
        verified_at=day(record["verified_on"]),
        verification_due=record["verification_due"],
    )


def _with_images(facts: dict) -> dict:
    """The facts with the images a rendering embeds (made only when rendering), and the
    record in the shape the portal's partials read."""
    return {
        **facts,
        "cover": _cover_uri(facts["cover"]),
        "qr": _qr_code(facts["url"]),
        "record": _record_for_partials(facts["record"]),
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
            "sources",
            *pipeline_prefetches(),
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
    return project_facts(project, outcome, site_url + project.get_absolute_url(), site_url=site_url)


def _render_settings() -> tuple[str, list[str], list[str]]:
    """What WeasyPrint renders with: the base URL of relative links (the static folder),
    the folders it may read, and the stylesheet (parsed once per process)."""
    static = settings.BASE_DIR / "static"
    base_url = path2url(str(static)) + "/"
    return base_url, [str(static), str(_assets_dir())], [base_url + STYLESHEET]


def render_document(
    title: str, facts: list[dict], *, generated_on: str | None = None, **context
) -> bytes:
    """The PDF of the sheets of ``facts`` in one document, after a dossier's cover and
    contents when ``context`` gives theirs (``dossier.front_matter``); ``bare`` and
    ``blanks`` make the pieces of a dossier put together from parts
    (``catalogue.outputs.dossier_parts``), which also pass one ``generated_on``."""
    html = render_to_string(
        f"{TEMPLATE_DIR}/document.html",
        {
            "title": title,
            "projects": [_with_images(f) for f in facts],
            "generated_on": generated_on or generated_now(),
            "LANGUAGE_CODE": translation.get_language(),
            **context,
        },
    )
    return pdf_renderer.render(html, *_render_settings())


def _store(name: str, content: bytes) -> None:
    """Put ``content`` in the cache under ``name``, visible whole or not at all.

    A cache name stands for one content (its key is a hash of everything the PDF shows),
    so a file already there is never deleted: a request may be streaming it. In a folder
    (``FileSystemStorage``), the content is saved under a unique temporary name through
    the storage, then renamed over ``name`` in one step (``os.replace``), so that a reader
    never sees a partly written file. Any other storage (an S3 bucket, whose uploads
    appear whole) gets ``name`` saved once; should the storage pick another name because
    a concurrent request stored it first, that duplicate is removed.
    """
    if not isinstance(default_storage, FileSystemStorage):
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(content))
            if saved != name:
                default_storage.delete(saved)
        return
    temporary = default_storage.save(f"{name}.{uuid.uuid4().hex}.part", ContentFile(content))
    try:
        os.replace(default_storage.path(temporary), default_storage.path(name))
    except BaseException:
        default_storage.delete(temporary)
        raise


def _rendering_key(name: str) -> str:
    return RENDERING_KEY.format(hashlib.sha256(name.encode()).hexdigest())


def is_rendering(name: str) -> bool:
    """Whether a request or a worker is rendering the PDF ``name`` now."""
    return caches["shared"].get(_rendering_key(name)) is not None


def _render_once(name: str, render: Callable[[], bytes]) -> bytes | None:
    """Render and store the PDF ``name`` unless another request or worker is rendering it.

    Requests that want the same PDF at the same moment take turns through a short-lived
    entry in the shared cache (``add`` succeeds for one of them): one renders and stores
    the file while the others wait for it to appear and then read it from the storage.
    Returns the bytes rendered here, or None if the file was stored by someone else. If
    the renderer fails or dies, its entry goes (or expires) and a waiting request renders.
    A cache whose ``add`` is not atomic (files) may let two render: ``_store`` keeps that
    correct, one whole file.
    """
    shared = caches["shared"]
    key = _rendering_key(name)
    token = uuid.uuid4().hex
    # The entry outlives any rendering (several batches, each bound by the timeout).
    lifetime = 3 * settings.PDF_RENDER_TIMEOUT
    deadline = time.monotonic() + settings.PDF_RENDER_TIMEOUT
    while not (shared.add(key, token, lifetime) and shared.get(key) == token):
        if default_storage.exists(name):
            return None
        if time.monotonic() > deadline:
            raise pdf_renderer.RenderTimeout(f"{name} was still being rendered elsewhere")
        time.sleep(RENDERING_POLL)
    try:
        if default_storage.exists(name):  # stored while this request waited for its turn
            return None
        content = render()
        _store(name, content)
        return content
    finally:
        if shared.get(key) == token:
            shared.delete(key)


def generated_now() -> str:
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
    title = _("Project sheet %(reference)s · %(title)s") % {
        "reference": facts["reference"],
        "title": facts["title"],
    }
    content = _render_once(name, lambda: render_document(title, [facts]))
    return Rendered(name=name, filename=filename, created=content is not None, content=content)
