"""Large dossiers rendered in parts (catalogue/outputs/dossier_parts.py): the same document
as one rendering, each part rendered once, nothing left behind."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from pypdf import PdfReader

from catalogue.outputs import dossier, dossier_parts, pdf
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PARTS = "pdf-cache/dossier-parts"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, monkeypatch):
    """Tasks run when queued (the part tasks before the dossier's task looks for them), and
    one "generated on" for both renderings compared."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.DOSSIER_PART_PROJECTS = 4
    for module in (pdf, dossier_parts):
        monkeypatch.setattr(module, "generated_now", lambda: "3 décembre 2026 10:00")


@pytest.fixture
def tozeur_dossier():
    """A dossier of 10 projects (three parts), some sheets of two pages."""
    tozeur = Municipality.objects.get(code="6211")
    long_text = "Un paragraphe de description assez long pour remplir la page. " * 60
    for n in range(1, 11):
        ProjectFactory(
            municipality=tozeur,
            published=True,
            title_fr=f"Projet de Tozeur numéro {n}",
            title_ar=f"مشروع توزر رقم {n}",
            description_fr=long_text if n % 3 == 0 else "",
            description_ar=("فقرة وصف طويلة بما يكفي لملء الصفحة. " * 60) if n % 3 == 0 else "",
            investment_tnd=Decimal(n * 1000),
        )

    def make():
        return dossier.select_dossier(
            "municipality=tozeur", title="Tozeur", site_url="http://testserver"
        )

    return make


def page_of(reader: PdfReader, destination) -> int:
    """The page a link's or a name's destination points at (a name or [page, …])."""
    if isinstance(destination, str):
        destination = reader.named_destinations[destination]
        return reader.get_destination_page_number(destination)
    return reader.get_page_number(destination[0].get_object())


def outline(reader: PdfReader, items=None) -> list:
    return [
        outline(reader, item)
        if isinstance(item, list)
        else (item.title, reader.get_destination_page_number(item))
        for item in (reader.outline if items is None else items)
    ]


def internal_links(reader: PdfReader) -> list[tuple[int, int]]:
    """(page, target page) of every link to a place in the document."""
    return [
        (number, page_of(reader, annotation.get_object()["/Dest"]))
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots", ())
        if "/Dest" in annotation.get_object()
    ]


def page_text(page) -> str:
    """A page's text to compare. pypdf reads back an Arabic damma and a hamza on alif from
    the glyph maps of the fonts' subsets, which differ with what a document holds (a
    damma may come out as "أُ", a space moved): those are left out."""
    return "".join(page.extract_text().replace("\u0623", "").replace("\u064f", "").split())


def described(content: bytes) -> dict:
    reader = PdfReader(io.BytesIO(content))
    return {
        "pages": [page_text(page) for page in reader.pages],
        "outline": outline(reader),
        "anchors": {name: page_of(reader, name) for name in reader.named_destinations},
        "links": sorted(set(internal_links(reader))),
        "title": reader.metadata.title,
        "author": reader.metadata.author,
        "language": reader.root_object.get("/Lang"),
    }


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_dossier_in_parts_reads_as_the_one_document(tozeur_dossier, language):
    with translation.override(language):
        whole = described(dossier.render_one_document(tozeur_dossier()))
        in_parts = described(dossier_parts.render_in_parts(tozeur_dossier()))
    assert len(whole["pages"]) > 1 + 10  # some sheets take two pages
    assert in_parts["pages"] == whole["pages"]  # texts, page numbers and contents included
    assert in_parts["outline"] == whole["outline"]
    assert len(in_parts["outline"][-1]) == 10  # the sheets, under the contents
    assert in_parts["anchors"] == whole["anchors"]
    assert in_parts["links"] == whole["links"]  # each contents row leads to its sheet
    assert len(in_parts["links"]) == 10
    assert in_parts["title"] == whole["title"] == "Tozeur"
    assert in_parts["author"] == whole["author"]
    assert in_parts["language"] == whole["language"] == language


def test_each_part_is_rendered_once_and_none_is_left_behind(tozeur_dossier, monkeypatch):
    rendered = []
    render_part = dossier_parts._render_part

    def counting(title, facts, generated_on):
        rendered.append([facts["reference"] for facts in facts])
        return render_part(title, facts, generated_on)

    monkeypatch.setattr(dossier_parts, "_render_part", counting)
    with translation.override("fr"):
        made = tozeur_dossier()
        stored = dossier.render_dossier(made, render=dossier_parts.render_in_parts)
    # Three parts of at most four sheets, each rendered once: the part tasks ran when
    # queued (the last two), the dossier's task rendered the first and found them done.
    assert [len(part) for part in rendered] == [4, 2, 4]
    assert sorted(sum(rendered, [])) == sorted(facts["reference"] for facts in made.facts)
    assert not default_storage.exists(PARTS) or default_storage.listdir(PARTS) == ([], [])
    assert stored.created and default_storage.exists(made.name)


def test_a_part_task_renders_nothing_once_its_dossier_is_not_being_built(
    tozeur_dossier, monkeypatch
):
    """A part task that a worker takes after the dossier was finished, or given up (its
    task failed), has nothing to help with and leaves nothing behind."""
    monkeypatch.setattr(dossier_parts, "_render_part", pytest.fail)
    with translation.override("fr"):
        made = tozeur_dossier()
    dossier_parts.render_part.call(
        language="fr",
        title=made.title,
        facts=made.facts[:4],
        generated_on="3 décembre 2026 10:00",
        dossier=made.name,
    )
    assert not default_storage.exists(PARTS) or default_storage.listdir(PARTS) == ([], [])


def test_the_task_worker_builds_a_large_dossier_in_parts(client, settings, tozeur_dossier):
    settings.DOSSIER_SYNC_MAX_PROJECTS = 5
    response = client.get("/fr/municipalities/tozeur/dossier.pdf")
    assert response.status_code == 302  # to the waiting page: built by the task
    pdf_response = client.get(response["Location"])
    assert pdf_response.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(pdf_response.streaming_content)))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        assert f"page {number} / {total}" in page.extract_text().replace("\u202f", " ")
    assert len(outline(reader)[-1]) == 10


def test_a_dossier_of_one_part_is_rendered_as_one_document(tozeur_dossier, settings, monkeypatch):
    monkeypatch.setattr(dossier_parts, "_render_part", pytest.fail)
    settings.DOSSIER_PART_PROJECTS = 50  # ten sheets fit in one part: nothing to share
    with translation.override("fr"):
        made = tozeur_dossier()
        assert described(dossier_parts.render_in_parts(made)) == described(
            dossier.render_one_document(made)
        )
