"""PDF project sheets and dossiers: content, languages, safety, cache and limits."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from pypdf import PdfReader

from catalogue.models import Project, ProjectImage
from catalogue.outputs import pdf
from catalogue.outputs.dossier import select_dossier
from catalogue.outputs.pdf_renderer import SafeURLFetcher
from catalogue.register.choices import Stage, Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def read(response) -> PdfReader:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def text_of(reader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def project():
    return ProjectFactory(
        reference="GAB-2025-077",
        title_fr="Parc photovoltaïque de Gabès",
        title_ar="محطة فولطاضوئية بقابس",
        summary_fr="Une centrale solaire sur les toits municipaux.",
        published=True,
        stage=Stage.PROCUREMENT,
        investment_tnd=Decimal("12500000"),
    )


def test_the_french_sheet_holds_the_key_facts(client, project):
    reader = read(client.get(f"/fr/catalogue/{project.reference}/sheet.pdf"))
    text = " ".join(text_of(reader).split())
    assert "GAB-2025-077" in text
    assert "Parc photovoltaïque de Gabès" in text
    assert "Gabès" in text
    assert "12 500 000" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "En cours de passation" in text or "Under procurement" in text
    assert len(reader.pages) <= 2
    assert reader.metadata.title.startswith(("Fiche projet", "Project sheet"))
    assert reader.metadata.author


def test_the_arabic_sheet_is_right_to_left_with_the_arabic_title(client, project):
    reader = read(client.get(f"/ar/catalogue/{project.reference}/sheet.pdf"))
    text = text_of(reader)
    # pypdf returns Arabic in visual order; compare without spaces, in either order.
    title = "محطة فولطاضوئية بقابس".replace(" ", "")
    flat = text.replace(" ", "").replace("\n", "")
    assert title in flat or title[::-1] in flat


@translation.override("fr")
def test_a_sheet_is_cached_and_remade_only_when_what_it_shows_changes(project):
    project = pdf.sheets_queryset().get(pk=project.pk)
    first = pdf.project_sheet(project, "https://catalogue.example.tn")
    again = pdf.project_sheet(
        pdf.sheets_queryset().get(pk=project.pk), "https://catalogue.example.tn"
    )
    assert first.created and not again.created and again.name == first.name
    Project.objects.filter(pk=project.pk).update(title_fr="Nouveau titre")
    edited = pdf.project_sheet(
        pdf.sheets_queryset().get(pk=project.pk), "https://catalogue.example.tn"
    )
    assert edited.created and edited.name != first.name
    # A field the French sheet does not show changes nothing.
    Project.objects.filter(pk=project.pk).update(title_ar="عنوان جديد")
    unchanged = pdf.project_sheet(
        pdf.sheets_queryset().get(pk=project.pk), "https://catalogue.example.tn"
    )
    assert not unchanged.created and unchanged.name == edited.name
    # Related data it shows counts too: a partner ministry.
    from caravan.models import Ministry

    project.ministries.add(Ministry.objects.get(acronym="MF"))
    with_ministry = pdf.project_sheet(
        pdf.sheets_queryset().get(pk=project.pk), "https://catalogue.example.tn"
    )
    assert with_ministry.created and with_ministry.name != edited.name


def test_the_download_filename_is_safe_whatever_the_title(client):
    project = ProjectFactory(
        title_fr='Projet "spécial"\r\nContent-Type: text/html ; ../../etc', published=True
    )
    response = client.get(f"/fr/catalogue/{project.reference}/sheet.pdf")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="fiche-projet-{project.reference}-fr.pdf"'


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.PUBLISHED])
def test_a_project_that_is_not_public_never_gets_a_sheet(client, status):
    project = ProjectFactory(status=status, withdrawn_reason="x" if status == "withdrawn" else "")
    assert client.get(f"/fr/catalogue/{project.reference}/sheet.pdf").status_code == 404


def test_html_in_the_description_cannot_read_local_files(client):
    project = ProjectFactory(
        published=True,
        description_fr=(
            '<img src="file:///etc/hostname"> <link rel="attachment" href="file:///etc/passwd">'
            '<img src="http://127.0.0.1:1/tracker.png">'
        ),
    )
    reader = read(client.get(f"/fr/catalogue/{project.reference}/sheet.pdf"))
    text = text_of(reader)
    hostname = open("/etc/hostname").read().strip()
    assert "root:x:0:0" not in text
    assert hostname not in text.replace("file:///etc/hostname", "")
    assert not reader.attachments
    assert "<img" in text or "&lt;img" in text  # shown as text, not interpreted


def test_the_url_fetcher_serves_only_the_portals_own_files(settings, tmp_path):
    static = settings.BASE_DIR / "static"
    fetcher = SafeURLFetcher([str(static)])
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch(f"file://{static}/../manage.py")
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1/")
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.org/logo.png")
    assert fetcher.fetch(f"file://{static}/img/logo.svg").read().startswith(b"<svg")
    assert fetcher.fetch("data:text/plain;base64,SGVsbG8=").read() == b"Hello"


def test_a_dossier_holds_exactly_the_filtered_public_projects_in_order_with_contents(client):
    tozeur = Municipality.objects.get(code="6211")
    projects = [
        ProjectFactory(
            municipality=tozeur,
            published=True,
            title_fr=f"Projet de Tozeur {n}",
            investment_tnd=Decimal(n * 1000),
        )
        for n in (3, 1, 2)
    ]
    ProjectFactory(municipality=tozeur, title_fr="Brouillon caché")
    reader = read(
        client.get("/fr/catalogue/dossier.pdf", {"municipality": "tozeur", "sort": "investment"})
    )
    text = " ".join(text_of(reader).split())
    assert "Brouillon caché" not in text
    order = [
        text.index(p.reference, text.index(p.reference) + 1)
        for p in sorted(projects, key=lambda p: p.investment_tnd)
    ]
    assert order == sorted(order), "sheets follow the catalogue's order"
    assert "Sommaire" in text or "Contents" in text
    assert "Tozeur" in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(outline) == 2  # the dossier's title and its contents, the sheets under it
    (sheets,) = [item for item in reader.outline if isinstance(item, list)]
    assert [item.title.split(" · ")[0] for item in sheets] == [
        p.reference for p in sorted(projects, key=lambda p: p.investment_tnd)
    ]
    assert reader.metadata.title and reader.metadata.author
    assert len(reader.pages) >= 1 + len(projects)


def test_municipality_governorate_and_edition_dossiers(client):
    assert read(client.get("/fr/municipalities/gabes/dossier.pdf"))
    assert read(client.get("/fr/governorates/sfax/dossier.pdf"))
    reader = read(client.get("/ar/caravan/2/dossier.pdf"))
    assert len(reader.pages) >= 5


def test_a_dossier_above_the_limit_is_refused_with_advice(client, settings):
    settings.DOSSIER_MAX_PROJECTS = 3
    response = client.get("/en/catalogue/dossier.pdf")
    assert response.status_code == 400
    assert "Narrow the selection" in response.text


def test_a_large_dossier_is_built_in_the_background(client, settings):
    settings.DOSSIER_SYNC_MAX_PROJECTS = 1  # the governorate of Sfax has 2 shipped projects
    response = client.get("/fr/catalogue/dossier.pdf", {"governorate": "sfax"})
    assert response.status_code == 302
    status_url = response["Location"]
    assert "/fr/catalogue/dossiers/" in status_url
    # The immediate task backend has built it already: the status page serves it.
    reader = read(client.get(status_url))
    assert "SFA-2020-001" in text_of(reader)


def test_the_status_page_of_an_unknown_dossier_is_404(client):
    assert client.get("/fr/catalogue/dossiers/" + "a" * 32 + "/").status_code == 404
    assert client.get("/fr/catalogue/dossiers/../../x/").status_code == 404


def test_cached_pdfs_live_in_the_shared_storage(client, project):
    client.get(f"/fr/catalogue/{project.reference}/sheet.pdf")
    _dirs, files = default_storage.listdir("pdf-cache/sheets")
    assert any(name.startswith(project.reference) for name in files)


def page_texts(reader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def tozeur_projects():
    """Projects of one municipality, enough for two pages of summary table, some of them
    with a sheet of two pages."""
    tozeur = Municipality.objects.get(code="6211")
    long_text = "Un paragraphe de description assez long pour remplir la page. " * 60
    return [
        ProjectFactory(
            municipality=tozeur,
            published=True,
            title_fr=f"Projet de Tozeur numéro {n}",
            description_fr=long_text if n % 7 == 0 else "",
            investment_tnd=Decimal(n * 1000),
        )
        for n in range(1, 36)
    ]


def test_the_contents_bookmarks_and_footers_give_the_right_page_numbers(
    client, settings, tozeur_projects
):
    settings.DOSSIER_SYNC_MAX_PROJECTS = 50
    reader = read(client.get("/fr/municipalities/tozeur/dossier.pdf"))
    pages = page_texts(reader)
    total = len(pages)
    for number, text in enumerate(pages, 1):
        assert f"page {number} / {total}" in text.replace("\u202f", " ")
    bookmarks = {}
    for item in reader.outline:
        if isinstance(item, list):
            for child in item:
                bookmarks[child.title.split(" · ")[0]] = reader.get_destination_page_number(child)
    assert set(bookmarks) == {p.reference for p in tozeur_projects}
    # The contents: each row ends with the sheet's first page.
    first_sheet = min(bookmarks.values())
    front = " ".join(pages[:first_sheet])
    listed = {}
    for project in tozeur_projects:
        # Within the row (never past the next reference): its last number.
        row = re.search(
            re.escape(project.reference) + r"(?:(?!TST-).)*? (\d+)(?= TST-| •| Généré|$)", front
        )
        listed[project.reference] = int(row[1])
    for reference, page in listed.items():
        # The sheet starts on the listed page (its only page with the programme's identity),
        # and its bookmark points there.
        assert pages[page - 1].startswith("RÉPUBLIQUE TUNISIENNE"), reference
        assert reference in pages[page - 1]
        assert bookmarks[reference] == page - 1
    assert total - first_sheet > len(listed)  # some sheets take two pages


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_a_short_sheet_fits_on_one_page(client, language):
    project = ProjectFactory(
        published=True,
        summary_fr="Un court résumé.",
        summary_ar="ملخص قصير.",
        summary_en="A short summary.",
        description_fr="Une description de quelques lignes. " * 8,
        description_ar="وصف من بضعة أسطر. " * 8,
        description_en="A description of a few lines. " * 8,
    )
    reader = read(client.get(f"/{language}/catalogue/{project.reference}/sheet.pdf"))
    assert len(reader.pages) == 1
    assert "page 1 / 1" in reader.pages[0].extract_text() or language == "ar"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_small_dossier_spends_one_page_on_its_cover_and_contents(client, language):
    tozeur = Municipality.objects.get(code="6211")
    projects = [
        ProjectFactory(municipality=tozeur, published=True, investment_tnd=Decimal(n * 1000))
        for n in (1, 2)
    ]
    reader = read(client.get(f"/{language}/municipalities/tozeur/dossier.pdf"))
    # The cover, then one page per (short) sheet.
    assert len(reader.pages) == 1 + len(projects)
    cover = reader.pages[0].extract_text()
    assert all(project.reference in cover for project in projects)
    sheets = [page.extract_text() for page in reader.pages[1:]]
    for project in projects:
        assert sum(project.reference in text for text in sheets) == 1


def image_widths(reader) -> list[int]:
    """Widths of the raster images drawn on the pages, in forms or not."""
    widths, seen = [], set()

    def visit(resources):
        for reference in (resources or {}).get("/XObject", {}).values():
            xobject = reference.get_object()
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            if xobject["/Subtype"] == "/Image":
                widths.append(xobject["/Width"])
            elif xobject["/Subtype"] == "/Form":
                visit(xobject.get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return widths


@pytest.mark.parametrize("thumbnail", [True, False])
def test_the_cover_photo_is_embedded_at_thumbnail_size(client, project, thumbnail):
    image = ProjectImage.objects.create(project=project, image=image_file(size=(3000, 2000)))
    if not thumbnail:  # a photo saved before thumbnails were made
        ProjectImage.objects.filter(pk=image.pk).update(thumbnail="")
    reader = read(client.get(f"/fr/catalogue/{project.reference}/sheet.pdf"))
    widths = image_widths(reader)
    assert 640 in widths  # the photo, reduced
    assert max(widths) <= 640


def links(page) -> list[str]:
    return [
        annotation.get_object()["/A"]["/URI"]
        for annotation in page.get("/Annots", ())
        if "/A" in annotation.get_object()
    ]


def test_the_project_address_is_a_link_on_the_sheet_and_in_dossiers(client, project):
    url = f"http://testserver/fr/catalogue/{project.reference}/"
    # Besides the QR code and the address: the licence (its name and its address) and the
    # methodology page.
    others = {"https://creativecommons.org/licenses/by/4.0/", "http://testserver/fr/methodology/"}
    reader = read(client.get(f"/fr/catalogue/{project.reference}/sheet.pdf"))
    assert set(links(reader.pages[0])) == {url, *others}
    reader = read(client.get("/fr/catalogue/dossier.pdf", {"q": project.reference}))
    assert {url, *others} in [set(links(page)) for page in reader.pages]


def flat_text(reader) -> str:
    return " ".join(text_of(reader).split()).replace("\u202f", " ").replace("\xa0", " ")


LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def test_a_sheet_states_what_no_source_states_instead_of_a_default(client):
    project = ProjectFactory(published=True, sector=None)  # no stage, contract or amount
    assert project.stage == "" and project.contract_model == ""
    text = flat_text(read(client.get(f"/en/catalogue/{project.reference}/sheet.pdf")))
    assert "Stage: not stated by the sources." in text
    for label in ("Sector", "Stage", "Contract model", "Estimated investment", "Land area"):
        assert f"{label} not stated" in text, label
    assert "Expected jobs not stated" in text and "Contract duration not stated" in text
    assert "To be determined" not in text and "Prospective" not in text.split("7 ")[-1]
    assert "0/7" not in text


def test_a_sheet_prints_no_contact_that_the_project_does_not_give(client):
    project = ProjectFactory(published=True)
    text = flat_text(read(client.get(f"/en/catalogue/{project.reference}/sheet.pdf")))
    assert "coordination unit" not in text and "Contact" not in text
    text = flat_text(read(client.get(f"/fr/catalogue/{project.reference}/sheet.pdf")))
    assert "cellule de coordination" not in text
    Project.objects.filter(pk=project.pk).update(
        contact_name="Service technique", contact_email="technique@commune-gabes.tn"
    )
    text = flat_text(read(client.get(f"/en/catalogue/{project.reference}/sheet.pdf")))
    assert "Contact Service technique technique@commune-gabes.tn" in text


def test_a_sheet_shows_its_screening_dates_sources_licence_and_methodology(client, project):
    from datetime import date, timedelta

    from django.utils import timezone

    from catalogue.models import Source
    from catalogue.register.choices import DatePrecision, Screening, SourceKind

    url = f"/en/catalogue/{project.reference}/sheet.pdf"
    reader = read(client.get(url))
    text = flat_text(reader)
    assert "Public record" in text
    assert "Not yet screened by the eligibility committee" in text
    published = timezone.localtime(project.published_at).date()
    assert f"First published {published.day} {published:%B %Y}" in text
    assert "Last verified not verified since its publication" in text
    assert "To be verified" not in text
    assert "No source is cited for this project yet." in text
    assert "Data published under the CC BY 4.0 licence." in text
    methodology = "http://testserver/en/methodology/"
    assert methodology in text and LICENCE_URL in text
    assert {methodology, LICENCE_URL} <= set(links(reader.pages[0]))

    screened = timezone.now() - timedelta(days=500)
    Project.objects.filter(pk=project.pk).update(
        screening=Screening.ELIGIBLE_PPP,
        screened_at=screened,
        screening_score=Decimal("72.5"),
        published_at=screened,
    )
    article = Source.objects.create(
        title="La deuxième édition de la caravane",
        kind=SourceKind.PRESS_ARTICLE,
        date=date(2020, 6, 1),
        date_precision=DatePrecision.MONTH,
    )
    decision = Source.objects.create(
        title="Délibération du conseil municipal",
        publisher="Commune de Gabès",
        kind=SourceKind.MUNICIPAL_SUBMISSION,
        date=date(2024, 11, 14),
        url="https://www.commune-gabes.gov.tn/deliberation.pdf",
    )
    project.sources.set([article, decision])
    reader = read(client.get(url))
    text = flat_text(reader)
    day = timezone.localtime(screened).date()
    assert f"Eligible as a PPP contract on {day.day} {day:%B %Y}, score 72.5/100" in text
    assert "To be verified" in text  # published 500 days ago, never confirmed
    assert (
        "La deuxième édition de la caravane — Press article · publisher not stated · June 2020"
        in text
    )
    assert (
        "Délibération du conseil municipal — Municipal submission · Commune de Gabès · "
        "14 November 2024 https://www.commune-gabes.gov.tn/deliberation.pdf"
    ) in text
    assert "https://www.commune-gabes.gov.tn/deliberation.pdf" in links(reader.pages[0])


def test_a_text_of_another_direction_is_isolated_and_escaped():
    from catalogue.templatetags.pdf_tags import isolate

    assert isolate("<b>Délibération</b>") == "\u2068&lt;b&gt;Délibération&lt;/b&gt;\u2069"


def test_the_arabic_sheet_links_to_the_arabic_methodology_page(client, project):
    reader = read(client.get(f"/ar/catalogue/{project.reference}/sheet.pdf"))
    assert "http://testserver/ar/methodology/" in links(reader.pages[0])


@translation.override("fr")
def test_a_sheet_is_made_again_when_its_record_its_sources_or_the_licence_change(project, settings):
    from django.utils import timezone

    from catalogue.models import Source
    from catalogue.register.choices import Screening, SourceKind

    def sheet():
        return pdf.project_sheet(
            pdf.sheets_queryset().get(pk=project.pk), "https://catalogue.example.tn"
        )

    first = sheet()
    names = [first.name]
    assert first.created and sheet().name == first.name  # nothing changed: the same file
    Project.objects.filter(pk=project.pk).update(
        screening=Screening.ELIGIBLE_PPP, screened_at=timezone.now(), screening_score=80
    )
    names.append(sheet().name)  # screened
    settings.VERIFICATION_INTERVAL_DAYS = 0
    names.append(sheet().name)  # due for verification, no date changed
    Project.objects.filter(pk=project.pk).update(verified_at=timezone.now())
    names.append(sheet().name)  # verified: no longer due, and a "last verified" date
    source = Source.objects.create(title="Délibération", kind=SourceKind.MUNICIPAL_SUBMISSION)
    project.sources.add(source)
    names.append(sheet().name)  # a source cited
    Source.objects.filter(pk=source.pk).update(publisher="Commune de Gabès")
    names.append(sheet().name)  # the source's publisher now known
    settings.DATA_LICENCE = {
        "name": "ODbL 1.0",
        "url": "https://opendatacommons.org/licenses/odbl/",
    }
    names.append(sheet().name)  # another licence
    assert len(set(names)) == len(names), names
    # The dossier holding the sheet changes with it.
    dossier = select_dossier(
        f"q={project.reference}", title="Sélection", site_url="https://catalogue.example.tn"
    )
    settings.DATA_LICENCE = {"name": "CC BY 4.0", "url": LICENCE_URL}
    again = select_dossier(
        f"q={project.reference}", title="Sélection", site_url="https://catalogue.example.tn"
    )
    assert dossier.key != again.key


def tozeur_with_amounts(*amounts):
    tozeur = Municipality.objects.get(code="6211")
    return [
        ProjectFactory(municipality=tozeur, published=True, investment_tnd=amount)
        for amount in amounts
    ]


@pytest.mark.parametrize(
    "amounts, says",
    [
        (
            [10_000_000, 2_000_000, 500_000, None, None],
            "12,500,000 TND for 3 of 5 projects; 2 state no amount",
        ),
        ([10_000_000, None], "10,000,000 TND for 1 of 2 projects; 1 states no amount"),
        ([10_000_000, 2_500_000], "Total estimated investment 12,500,000 TND Date"),
        ([None, None], "not stated: none of the 2 projects states an amount"),
        ([None], "not stated: the project states no amount"),
    ],
)
def test_a_dossiers_total_says_how_many_projects_state_no_amount(client, amounts, says):
    tozeur_with_amounts(*amounts)
    reader = read(client.get("/en/municipalities/tozeur/dossier.pdf"))
    cover = " ".join(reader.pages[0].extract_text().split())
    assert says in cover
    # The cover names the licence and the methodology page too.
    assert "Licence CC BY 4.0" in cover and "Methodology http://testserver/en/methodology/" in cover
    assert {LICENCE_URL, "http://testserver/en/methodology/"} <= set(links(reader.pages[0]))
    summary = cover  # the contents are on the cover
    assert "not stated" in summary and "0. " not in summary  # the stages nobody stated
