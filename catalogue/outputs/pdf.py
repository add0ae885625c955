"""PDF project sheets and dossiers (WeasyPrint), cached by what they show.

A sheet's cache key is a hash of everything it displays (texts, figures, related names,
photo files, its public record and sources, the data's licence) plus the PDF templates
themselves and the portal partials they include, so an unchanged sheet is served from
storage without rendering, and any visible change makes a new one. Files live in the
default storage (``pdf-cache/``), shared by every app server.

Each sheet is rendered once per language as its *pages*: the sheet without page furniture
(running header, generation date, "page X / Y"), cached under ``pdf-cache/sheet-pages/``.
A downloadable sheet and a dossier are both assembled from cached pages: WeasyPrint
renders everything else (a dossier's cover, summary table and contents, and the furniture
of every page, with a blank page for each sheet page; a dossier's in one document per
worker, numbered from the sheets' known page counts), and pypdf lays each sheet page
under its blank page as a form XObject, without parsing any content. A dossier thus
renders only the sheets that no earlier sheet or dossier has rendered.
"""

import base64
import hashlib
import io
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
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
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)
from weasyprint.urls import path2url

from catalogue.models import Project, ProjectReview
from catalogue.outputs import pdf_renderer
from catalogue.register.choices import ELIGIBLE_DECISIONS, Stage
from catalogue.register.images import make_thumbnail
from municipalities import maps as geometry

CACHE_DIR = "pdf-cache"
# Map pixels per map unit: the map (400 units wide, 846 tall) is printed 62 mm tall,
# so 0.6 gives about 200 dpi; more only makes every sheet heavier to embed.
MAP_SCALE = 0.6
MAP_SUPERSAMPLING = 3  # drawn larger, then reduced: smooth borders
TEMPLATE_DIR = "catalogue/pdf"
STYLESHEET = "catalogue/pdf/pdf.css"
STATIC_FILES = (STYLESHEET, "img/logo.svg")
# The portal's partials a sheet includes (its screening and dates, as on the project page).
PARTIALS = ("catalogue/partials/record_dates.html", "catalogue/partials/screening.html")
THUMBNAILS = "projects/thumbnails/"  # ProjectImage.thumbnail's folder
SHEETS_PER_DOCUMENT = 8  # sheets laid out together in one worker call (see _pages_call)
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
    """What the workers render with: the base URL of relative links (the static folder),
    the folders they may read, and the stylesheet (parsed once per worker)."""
    static = settings.BASE_DIR / "static"
    base_url = path2url(str(static)) + "/"
    return base_url, [str(static), str(_assets_dir())], [base_url + STYLESHEET]


def _warm_up() -> tuple:
    """A document that a new rendering worker renders once, before any visitor's: it loads
    WeasyPrint's machinery, the stylesheet and both fonts."""
    html = (
        "<p>Warm <strong>up</strong> 0123</p>"
        '<p dir="rtl" lang="ar">تجربة <strong>تجربة</strong></p>'
    )
    return html, *_render_settings()


def _submit(calls) -> pdf_renderer.Batch:
    """Hand ``calls`` to the rendering workers (see ``RenderPool.submit``)."""
    return pdf_renderer.pool.submit(calls, timeout=settings.PDF_RENDER_TIMEOUT, warm_up=_warm_up())


def _run(calls, on_result=None) -> list:
    return _submit(calls).results(on_result)


def _render_call(html: str) -> tuple:
    return pdf_renderer.render, (html, *_render_settings())


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
    key = RENDERING_KEY.format(hashlib.sha256(name.encode()).hexdigest())
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


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _generated_on() -> str:
    return formats.date_format(timezone.localtime(), "DATETIME_FORMAT")


# Sheet pages ------------------------------------------------------------------------


def _pages_name(facts: dict, language: str) -> str:
    key = _fingerprint("sheet", language, facts)
    return f"{CACHE_DIR}/sheet-pages/{facts['reference']}-{language}-{key}.pdf"


def _chunks(items: list, workers: int) -> list[list]:
    """``items`` in consecutive groups of at most SHEETS_PER_DOCUMENT, of even sizes, as
    many groups for each worker (so that the workers finish together)."""
    if not items:
        return []
    documents = -(-len(items) // SHEETS_PER_DOCUMENT)  # ceiling divisions
    documents = min(len(items), -(-documents // workers) * workers)
    size, larger = divmod(len(items), documents)
    chunks, start = [], 0
    for number in range(documents):
        end = start + size + (number < larger)
        chunks.append(items[start:end])
        start = end
    return chunks


def _pages_call(facts: list[dict]) -> tuple:
    """A worker call that renders the pages of these sheets, one PDF for each. Laying a
    few sheets out as one document spares WeasyPrint its set-up per sheet; several
    documents keep both workers busy to the end and bound a worker's memory."""
    html = render_to_string(
        f"{TEMPLATE_DIR}/sheet_pages.html", {"projects": [_with_images(f) for f in facts]}
    )
    anchors = [f"sheet-{f['reference']}" for f in facts]
    return pdf_renderer.render_parts, (html, *_render_settings(), anchors)


class _SheetPages:
    """The pages of sheets (PDF readers): the missing ones are handed to the workers at
    once, each document as soon as its HTML is made, while the cached ones are read."""

    def __init__(self, facts: list[dict], alongside=()):
        """``alongside``: other worker calls to run at the same time."""
        language = translation.get_language()
        self.names = [_pages_name(f, language) for f in facts]
        self.readers: list[PdfReader | None] = [None] * len(facts)
        cached = [default_storage.exists(name) for name in self.names]
        missing = [index for index, found in enumerate(cached) if not found]
        self.chunks = _chunks(missing, pdf_renderer.pool.workers)
        calls = (_pages_call([facts[i] for i in chunk]) for chunk in self.chunks)
        self.rendering = _submit(itertools.chain(calls, alongside))
        for index, name in enumerate(self.names):
            if cached[index]:
                self.readers[index] = _parsed(_read(name))

    def _stored(self, call_index: int, result) -> None:
        if call_index < len(self.chunks):
            for index, content in zip(self.chunks[call_index], result, strict=True):
                _store(self.names[index], content)
                self.readers[index] = _parsed(content)

    def results(self) -> tuple[list[PdfReader], list]:
        """The sheets' pages, and the results of the calls ``alongside``."""
        results = self.rendering.results(on_result=self._stored)
        return self.readers, results[len(self.chunks) :]


def _parsed(content: bytes) -> PdfReader:
    """A reader of ``content`` that has read its pages already (now, not later)."""
    reader = _reader(content)
    len(reader.pages)
    return reader


# Assembly -----------------------------------------------------------------------------


def _as_form(writer: PdfWriter, page) -> tuple[DictionaryObject, list]:
    """A copy of ``page`` in ``writer`` as a form XObject, its content stream untouched,
    and copies of its links (to go on the page it is drawn on)."""
    contents = page["/Contents"]
    if isinstance(contents, ArrayObject):
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in contents))
        form = writer._add_object(form).get_object()
    else:
        form = contents.clone(writer, force_duplicate=True)
        if form.indirect_reference is None or form.indirect_reference.pdf is not writer:
            form = writer._add_object(form).get_object()
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(page.mediabox)
    form[NameObject("/Resources")] = page.raw_get("/Resources").clone(writer)
    if "/Group" in page:
        form[NameObject("/Group")] = page.raw_get("/Group").clone(writer)
    links = []
    for annotation in page.get("/Annots", ()):
        link = annotation.clone(writer)
        link.get_object().pop(NameObject("/P"), None)
        links.append(link)
    return form, links


def _lay_under(writer: PdfWriter, target, form, links) -> None:
    """Draw ``form`` (a page made by ``_as_form``) under the content of page ``target``."""
    resources = DictionaryObject(target["/Resources"])
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
    xobjects[NameObject("/SheetPage")] = form.indirect_reference
    resources[NameObject("/XObject")] = xobjects
    target[NameObject("/Resources")] = resources
    under = DecodedStreamObject()
    under.set_data(b"q /SheetPage Do Q\n")
    contents = target.raw_get("/Contents")
    parts = contents.get_object() if isinstance(contents.get_object(), ArrayObject) else [contents]
    target[NameObject("/Contents")] = ArrayObject([writer._add_object(under), *parts])
    if links:  # links in the sheet stay clickable
        target[NameObject("/Annots")] = ArrayObject([*target.get("/Annots", ()), *links])


class _Assembly:
    """A PDF made of furniture pages with the sheets' pages laid under their blank pages.

    The sheets' pages are copied in first, as form XObjects (which the web process does
    while the workers render the furniture); ``finish`` then adds the furniture
    documents, one after the other, and lays each sheet page under its blank page (the
    last ones). The first furniture document gives the metadata and the outline, under
    whose last entry (a dossier's contents) each sheet gets a bookmark.
    """

    def __init__(self, sheets: list[PdfReader]):
        self.writer = PdfWriter()
        self.forms = [[_as_form(self.writer, page) for page in sheet.pages] for sheet in sheets]

    @property
    def counts(self) -> list[int]:
        """The number of pages of each sheet."""
        return [len(forms) for forms in self.forms]

    def finish(self, furniture: list[bytes], bookmarks: list[str], pages: int) -> bytes:
        """The PDF, which should have ``pages`` pages (its furniture's page numbers)."""
        writer = self.writer
        first = _reader(furniture[0])
        for reader in [first, *map(_reader, furniture[1:])]:
            writer.append(reader, import_outline=False)
        if len(writer.pages) != pages:
            # The page numbers printed on the pages would be wrong: never serve that.
            raise ValueError(f"The furniture has {len(writer.pages)} pages, not {pages}")
        writer.add_metadata(first.metadata)
        if "/Lang" in first.root_object:
            writer.root_object[NameObject("/Lang")] = TextStringObject(first.root_object["/Lang"])
        parent = None
        for item in first.outline:
            if not isinstance(item, list):
                parent = writer.add_outline_item(
                    title=item.title, page_number=first.get_destination_page_number(item)
                )
        number = pages - sum(self.counts)
        for forms, bookmark in zip(self.forms, bookmarks, strict=True):
            writer.add_outline_item(title=bookmark, page_number=number, parent=parent)
            for form, links in forms:
                _lay_under(writer, writer.pages[number], form, links)
                number += 1
        # Sheets of one governorate embed the same map (and every sheet the same logo):
        # keep one copy of each.
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=False)
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()


def _furniture_html(title: str, blanks: list[int], *, first_page=1, total=0, **front) -> str:
    """The furniture document of pages ``first_page`` … (of ``total``): a dossier's front
    matter if ``front`` is given, then ``blanks[i]`` blank pages for each sheet."""
    return render_to_string(
        f"{TEMPLATE_DIR}/furniture.html",
        {
            "title": title,
            "blanks": [range(count) for count in blanks],
            "first_page": first_page,
            "total": total,
            "generated_on": _generated_on(),
            "LANGUAGE_CODE": translation.get_language(),
            **front,
        },
    )


def _reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def _bookmark(facts: dict) -> str:
    return f"{facts['reference']} · {facts['title']}"


# Sheets -------------------------------------------------------------------------------


def project_sheet(project, site_url: str) -> Rendered:
    """The project's sheet in the active language: from the cache, or assembled now from
    its cached pages (rendered first if need be) and its page furniture."""
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

    def furniture_call(count):
        return _render_call(_furniture_html(title, [count], total=count))

    def render() -> bytes:
        # Most sheets fit on one page: the furniture of one page is rendered on the other
        # worker while the sheet's pages are, and again only if the guess was wrong.
        (pages,), (furniture,) = _SheetPages([facts], alongside=[furniture_call(1)]).results()
        assembly = _Assembly([pages])
        (count,) = assembly.counts
        if count != 1:
            furniture = _run([furniture_call(count)])[0]
        return assembly.finish([furniture], [_bookmark(facts)], pages=count)

    content = _render_once(name, render)
    return Rendered(name=name, filename=filename, created=content is not None, content=content)


# Dossiers -----------------------------------------------------------------------------


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


def _front_matter(dossier: Dossier, starts: list) -> dict:
    """The context of a dossier's cover, summary table and contents; ``starts`` are the
    numbers of the sheets' first pages."""
    amounts = [p["investment_value"] for p in dossier.facts if p["investment_value"] is not None]
    return {
        "dossier": True,
        "criteria": dossier.criteria,
        "count": len(dossier.facts),
        "total_investment": _amount(sum(amounts)) if amounts else None,
        # The total is only that of the projects that state an amount: say how many.
        "with_amount": len(amounts),
        "without_amount": len(dossier.facts) - len(amounts),
        # Every sheet names them too (and their facts are in the dossier's key).
        "licence": dossier.facts[0]["licence"] if dossier.facts else None,
        "methodology": dossier.facts[0]["methodology"] if dossier.facts else None,
        "contents": [
            {**facts, "page": start} for facts, start in zip(dossier.facts, starts, strict=True)
        ],
    }


@cache
def _font_files() -> list[tuple[str, frozenset]]:
    """The shipped Latin and Arabic fonts, with the characters each covers."""
    from fontTools.ttLib import TTFont

    files = []
    for name in ("NotoSans-Regular-subset.ttf", "NotoSansArabic-Regular-subset.ttf"):
        path = str(settings.BASE_DIR / "static" / "fonts" / name)
        with TTFont(path) as font:
            files.append((path, frozenset(font.getBestCmap())))
    return files


@cache
def _font(path: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8192)
def _text_width(text: str, size: float, arabic_first: bool) -> float:
    """Width in CSS pixels of ``text`` at ``size`` pixels, each character in the first
    font that has it, as in the stylesheet's font lists (shaped by Pillow like by Pango)."""
    fonts = _font_files()[::-1] if arabic_first else _font_files()
    width, run, run_font = 0.0, "", None
    for character in text:
        path = next((p for p, covered in fonts if ord(character) in covered), fonts[0][0])
        if path != run_font and run:
            width += _font(run_font, size).getlength(run)
            run = ""
        run, run_font = run + character, path
    if run:
        width += _font(run_font, size).getlength(run)
    return width


def _lines(text: str, width: float, size: float) -> int:
    """Lines that ``text`` takes in a column ``width`` pixels wide (broken at spaces)."""
    arabic = translation.get_language_bidi()
    space = _text_width(" ", size, arabic)
    lines, used = 1, 0.0
    for word in str(text).split():
        word_width = _text_width(word, size, arabic)
        if used and used + space + word_width > width:
            lines, used = lines + 1, word_width
        else:
            used += word_width + (space if used else 0)
    return lines


def _pages_of(rows: list[float], page: float, heading: float, repeated: float) -> int:
    """Pages taken by rows of these heights (unbroken), after a heading, with a header
    repeated on every page."""
    pages, used = 1, heading
    for row in rows:
        if used + row > page:
            pages, used = pages + 1, repeated
        used += row
    return pages


PX = 4 / 3  # CSS pixels per point


def _stage_cell(facts: dict) -> str:
    """The summary table's stage cell, as furniture.html writes it."""
    if facts["stage_position"]:
        return f"{facts['stage_position']}. {facts['stage']}"
    return _("not stated")


def front_pages_guess(dossier: Dossier) -> int:
    """How many pages the cover, summary table and contents take, reckoned from their
    texts' widths in the shipped fonts and pdf.css's sizes (in CSS pixels, as WeasyPrint
    lays them out): to number the pages before they are laid out. A wrong guess costs
    one more layout."""
    page = 259 / 25.4 * 96  # A4 height less the margins (18 mm + 20 mm)
    heading = 29.8 * PX  # a section's title, with its margins
    width = 178 / 25.4 * 96
    # The summary table: 8 pt text, cells padded with 3 pt (8 px), rows of 5.5 pt more
    # than their lines (padding and border).
    widths = [0.17 * width - 8, 0.35 * width - 8, 0.17 * width - 8, 0.17 * width - 8]
    headers = [_("Reference"), _("Project"), _("Municipality"), _("Stage")]
    headers.append(_("Investment (TND)"))
    widths.append(0.14 * width - 8)

    def row(texts):
        lines = max(
            _lines(text, column, 8 * PX) for text, column in zip(texts, widths, strict=False)
        )
        return (5.5 + 11.6 * lines) * PX

    summary = [row(["", f["title"], f["municipality"], _stage_cell(f)]) for f in dossier.facts]
    header = row(headers)
    # The contents: 9.5 pt text (10 pt in Arabic), less the page numbers' 14 mm, rows of
    # 4.4 pt more than their lines; the reference is spaced out by 0.3 pt a character.
    # An Arabic line is taller than its line height (the font's ascent and descent).
    if translation.get_language_bidi():
        size, first, line = 10 * PX, 26.13, 20.27
    else:
        size, first, line = 9.5 * PX, (4.4 + 13.775) * PX, 13.775 * PX
    entry = width - 14 / 25.4 * 96
    contents = [
        first
        + line
        * (_lines(f"{f['reference']} {f['title']}", entry - 0.4 * len(f["reference"]), size) - 1)
        for f in dossier.facts
    ]
    return (
        1
        + _pages_of(summary, page, heading=heading + header, repeated=header)
        + _pages_of(contents, page, heading=heading, repeated=0)
    )


# The front matter takes about as long to render as this many blank pages, plus this
# many per project (to share the furniture's work fairly between the workers).
FRONT_COST = (10, 1.2)


def _furniture_calls(dossier: Dossier, counts: list[int], front_pages: int) -> list[tuple]:
    """The dossier's furniture as one document per worker, rendered side by side: the
    front matter with the first sheets' blank pages (``render_numbered``: it numbers its
    pages from its own length, ``front_pages`` being a guess), then the other sheets'
    blank pages (numbered from the guess), split between sheets, so that each document
    starts on a sheet's first page."""
    offsets = [1 + sum(counts[:index]) for index in range(len(counts))]
    # Where to cut: equal shares of the work, the front matter counting as FRONT_COST.
    documents = pdf_renderer.pool.workers
    work = FRONT_COST[0] + len(counts) * FRONT_COST[1]
    share = (work + sum(counts)) / documents
    cuts, done = [0], work
    for index, count in enumerate(counts):
        if done >= share * len(cuts) and len(cuts) < documents:
            cuts.append(index)
        done += count
    cuts.append(len(counts))
    marker = pdf_renderer.own_length_marker
    front = _furniture_html(
        dossier.title,
        counts[: cuts[1]],
        total=marker(sum(counts)),
        **_front_matter(dossier, [marker(offset) for offset in offsets]),
    )
    calls = [
        (
            pdf_renderer.render_numbered,
            (front, *_render_settings(), front_pages, sum(counts[: cuts[1]])),
        )
    ]
    for start, end in zip(cuts[1:], cuts[2:], strict=False):
        html = _furniture_html(
            dossier.title,
            counts[start:end],
            first_page=front_pages + offsets[start],
            total=front_pages + sum(counts),
        )
        calls.append(_render_call(html))
    return calls


def render_dossier(dossier: Dossier) -> Rendered:
    """Assemble a dossier into the cache unless it is there already.

    The sheets' pages come from the cache; only the missing ones are rendered, side by
    side on the workers. Their page counts and the front matter's length (reckoned from
    its texts) give the contents' page numbers and every page's furniture, rendered in
    one document per worker while the web process copies the sheets' pages into the PDF;
    each sheet page is then laid under its blank page. Should the front matter's length
    be reckoned wrong, its document corrects its own numbers and the others are rendered
    again: the page numbers are always right.
    """
    if dossier.is_cached:
        return Rendered(name=dossier.name, filename=dossier.filename, created=False)
    content = _render_once(dossier.name, lambda: _dossier_pdf(dossier))
    return Rendered(
        name=dossier.name, filename=dossier.filename, created=content is not None, content=content
    )


def _dossier_pdf(dossier: Dossier) -> bytes:
    """The PDF of a dossier (see ``render_dossier``)."""
    pages = _SheetPages(dossier.facts)
    front_pages = front_pages_guess(dossier)  # while the workers render the sheets
    sheets, _alongside = pages.results()
    counts = [len(sheet.pages) for sheet in sheets]
    rendering = _submit(_furniture_calls(dossier, counts, front_pages))
    # Meanwhile, the sheets' pages are copied into the PDF.
    assembly = _Assembly(sheets)
    furniture = rendering.results()
    actual, furniture[0] = furniture[0]
    if actual != front_pages and len(furniture) > 1:
        # The guess was wrong: the other documents' page numbers are too.
        furniture[1:] = _run(_furniture_calls(dossier, counts, actual)[1:])
    bookmarks = [_bookmark(facts) for facts in dossier.facts]
    return assembly.finish(furniture, bookmarks, pages=actual + sum(counts))


def too_large_message(count: int) -> str:
    return _(
        "This selection holds %(count)s projects; a dossier can hold at most %(max)s. "
        "Narrow the selection with the catalogue's filters (a governorate, a sector, a "
        "stage…) and download the dossier again."
    ) % {"count": count, "max": settings.DOSSIER_MAX_PROJECTS}


def select_dossier(query: str, *, title: str, site_url: str) -> Dossier:
    """The dossier of a catalogue query string (same filters and order as the catalogue)."""
    from catalogue.public.selection import select

    selection = select(query, base=sheets_queryset())
    projects = list(selection.projects[: settings.DOSSIER_MAX_PROJECTS + 1])
    criteria = [
        _("%(label)s: %(value)s") % {"label": label, "value": value}
        for label, value in selection.described
    ]
    return dossier_for(projects, title=title, criteria=criteria, site_url=site_url)
