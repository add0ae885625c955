"""Large dossiers rendered in parts by the task workers side by side, then put together.

A dossier built in the background (more than ``DOSSIER_SYNC_MAX_PROJECTS`` projects) is
cut into parts of ``DOSSIER_PART_PROJECTS`` sheets. Its task queues one task per part but
the first, renders the first itself, then every part no other worker has taken, from the
last back (the queue hands them out from the first), and waits for those being rendered
elsewhere: with one worker it renders them all, as one document would cost; with two, each
renders about half. A part is its sheets without page furniture ("bare"). Then one
document is rendered with the cover and, in place of each sheet, as many empty pages as
the sheet has, carrying the running header, the page numbers, the sheet's anchor and
bookmark (the "blanks"); pypdf lays each empty page over its part page. The result is
the single document a small dossier is (``catalogue.outputs.dossier``): same cover and
contents, links, bookmarks and "page X / Y", all from WeasyPrint.

Kept because it wins: 1.5 times as fast as one document on two workers (bench/README.md,
"Dossiers in parts on the task workers").
"""

import io

from django.conf import settings
from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import translation
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import NameObject

from catalogue.outputs.dossier import Dossier, front_matter, render_one_document
from catalogue.outputs.pdf import (
    CACHE_DIR,
    _fingerprint,
    _render_once,
    generated_now,
    is_rendering,
    render_document,
)


def part_name(language: str, title: str, facts: list[dict], generated_on: str) -> str:
    key = _fingerprint("part", language, title, generated_on, facts)
    return f"{CACHE_DIR}/dossier-parts/{key}.pdf"


def _render_part(title: str, facts: list[dict], generated_on: str) -> bytes:
    return render_document(title, facts, bare=True, generated_on=generated_on)


@task()
def render_part(*, language: str, title: str, facts: list[dict], generated_on: str, dossier: str):
    """Render one part of the dossier stored as ``dossier`` while its task builds it."""
    if not is_rendering(dossier):  # finished without this worker, or given up
        return
    with translation.override(language):
        name = part_name(language, title, facts, generated_on)
        _render_once(name, lambda: _render_part(title, facts, generated_on))
    if not is_rendering(dossier):  # finished meanwhile: no part is left behind
        default_storage.delete(name)


def render_in_parts(dossier: Dossier) -> bytes:
    """The PDF of ``dossier``, its parts shared with the other task workers."""
    language = translation.get_language()
    generated_on = generated_now()
    size = max(1, settings.DOSSIER_PART_PROJECTS)
    chunks = [dossier.facts[i : i + size] for i in range(0, len(dossier.facts), size)]
    if len(chunks) < 2:  # nothing to share
        return render_one_document(dossier)
    names = [part_name(language, dossier.title, chunk, generated_on) for chunk in chunks]
    for chunk in chunks[1:]:
        render_part.enqueue(
            language=language,
            title=dossier.title,
            facts=chunk,
            generated_on=generated_on,
            dossier=dossier.name,
        )
    parts: dict[int, bytes] = {}
    try:
        # The first part here, then the others from the last back: the workers take them
        # from the first. A part another worker renders or has stored is waited for.
        for index in [0, *range(len(chunks) - 1, 0, -1)]:
            chunk = chunks[index]
            content = _render_once(
                names[index], lambda chunk=chunk: _render_part(dossier.title, chunk, generated_on)
            )
            if content is None:
                with default_storage.open(names[index], "rb") as stored:
                    content = stored.read()
            parts[index] = content
        return assemble(dossier, [parts[i] for i in range(len(chunks))], generated_on)
    finally:
        for name in names:
            default_storage.delete(name)


def _page_counts(part: PdfReader) -> list[int]:
    """How many pages each sheet of a part has (each starts with its bookmark)."""
    starts = [part.get_destination_page_number(item) for item in part.outline]
    return [end - start for start, end in zip(starts, [*starts[1:], len(part.pages)], strict=True)]


def assemble(dossier: Dossier, parts: list[bytes], generated_on: str) -> bytes:
    """The dossier: its cover, then the parts' pages, each under its blank page's furniture."""
    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    counts = [count for reader in readers for count in _page_counts(reader)]
    blanks = [
        {**facts, "more_pages": range(count - 1)}
        for facts, count in zip(dossier.facts, counts, strict=True)
    ]
    furniture = PdfReader(
        io.BytesIO(
            render_document(
                dossier.title,
                [],
                generated_on=generated_on,
                blanks=blanks,
                **front_matter(dossier),
            )
        )
    )
    sheet_pages = sum(len(reader.pages) for reader in readers)
    front = len(furniture.pages) - sheet_pages
    writer = PdfWriter()
    writer.append(furniture, pages=(0, front), import_outline=False)
    for reader in readers:  # with their anchors: the contents' links land on them
        writer.append(reader, import_outline=False)
    for page, blank in zip(writer.pages[front:], furniture.pages[front:], strict=True):
        page.merge_page(blank)  # light onto heavy: pypdf renames little
        page.compress_content_streams()  # merging wrote it uncompressed
    writer.add_metadata(furniture.metadata)
    if "/Lang" in furniture.root_object:
        writer.root_object[NameObject("/Lang")] = furniture.root_object["/Lang"]
    _copy_outline(writer, furniture, furniture.outline)
    _copy_internal_links(writer, furniture, front)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _copy_outline(writer: PdfWriter, reader: PdfReader, items: list, parent=None) -> None:
    """The bookmarks of ``reader`` (its pages numbered as the writer's), nested alike."""
    last = None
    for item in items:
        if isinstance(item, list):
            _copy_outline(writer, reader, item, parent=last)
        else:
            last = writer.add_outline_item(
                title=item.title,
                page_number=reader.get_destination_page_number(item),
                parent=parent,
            )


def _copy_internal_links(writer: PdfWriter, reader: PdfReader, pages: int) -> None:
    """The links of the first ``pages`` of ``reader`` to its anchors (the contents' page
    numbers), which pypdf does not copy with the pages."""
    anchors = reader.named_destinations
    for number, page in enumerate(reader.pages[:pages]):
        for annotation in page.get("/Annots", ()):
            link = annotation.get_object()
            if link.get("/Dest") in anchors:
                writer.add_annotation(
                    page_number=number,
                    annotation=Link(
                        rect=link["/Rect"],
                        target_page_index=reader.get_destination_page_number(
                            anchors[link["/Dest"]]
                        ),
                    ),
                )
