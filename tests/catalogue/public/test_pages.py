"""The public pages answer in the three languages and show public projects only."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from catalogue.register.choices import Status
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", {}),
    ("catalogue:project_list", {}),
    ("catalogue:project_detail", {"reference": "GAB-2020-001"}),
    ("municipalities:municipality_list", {}),
    ("municipalities:municipality_detail", {"slug": "gabes"}),
    ("municipalities:governorate_detail", {"slug": "gabes"}),
    ("caravan:edition_list", {}),
    ("caravan:edition_detail", {"number": 2}),
    ("caravan:ministry_list", {}),
    ("caravan:ministry_detail", {"slug": "finances"}),
    ("catalogue:methodology", {}),
]


def url(name, kwargs, language):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("language, direction", [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
@pytest.mark.parametrize("name, kwargs", PAGES)
def test_public_page_answers_in_each_language(client, name, kwargs, language, direction):
    address = url(name, kwargs, language)
    assert address.startswith(f"/{language}/")
    response = client.get(address)
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in response.text


def test_the_root_redirects_to_a_language():
    from django.test import Client

    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 302 and response["Location"] == "/ar/"


def test_the_language_switcher_keeps_the_current_page(client):
    response = client.get("/fr/catalogue/GAB-2020-001/")
    for language in ("ar", "en"):
        assert f'href="/{language}/catalogue/GAB-2020-001/"' in response.text


def test_content_shows_in_the_current_language(client):
    assert "قابس، الواحة الذكية" in client.get("/ar/catalogue/GAB-2020-001/").text
    assert "Gabès, the smart oasis" in client.get("/en/catalogue/GAB-2020-001/").text
    assert "Gabès, l'oasis intelligente" in client.get("/fr/catalogue/GAB-2020-001/").text.replace(
        "&#x27;", "'"
    )


@pytest.mark.parametrize(
    "status", [s for s in Status.values if s not in (Status.PUBLISHED, Status.WITHDRAWN)]
)
def test_a_project_that_is_not_published_is_not_found(client, status):
    project = ProjectFactory(status=status, title_fr="Projet caché")
    assert client.get(f"/fr/catalogue/{project.reference}/").status_code == 404
    assert "Projet caché" not in client.get("/fr/catalogue/").text
    assert "Projet caché" not in client.get("/fr/municipalities/gabes/").text


def test_a_withdrawn_project_is_not_found(client):
    project = ProjectFactory(status=Status.WITHDRAWN, withdrawn_reason="Abandonné")
    assert client.get(f"/fr/catalogue/{project.reference}/").status_code == 404


def test_unknown_objects_are_404(client):
    for address in (
        "/fr/catalogue/NOPE-1/",
        "/fr/municipalities/atlantis/",
        "/fr/governorates/atlantis/",
        "/fr/caravan/99/",
        "/fr/ministries/atlantis/",
    ):
        assert client.get(address).status_code == 404, address


HIDDEN_STATUSES = [s for s in Status.values if s != Status.PUBLISHED]


def test_non_public_projects_appear_nowhere_public(client):
    from caravan.models import Ministry

    finances = Ministry.objects.get(slug="finances")
    hidden = []
    for status in HIDDEN_STATUSES:
        project = ProjectFactory(
            status=status,
            title_fr=f"Projet caché {status}",
            featured=True,
            withdrawn_reason="Raison" if status == Status.WITHDRAWN else "",
            investment_tnd=123456789,
        )
        project.ministries.add(finances)
        hidden.append(project)
    pages = [
        "/fr/",
        "/fr/catalogue/?per_page=100",
        "/fr/catalogue/?q=cache",
        "/fr/catalogue/?sector=energy.solar",
        "/fr/municipalities/gabes/",
        "/fr/governorates/gabes/",
        "/fr/ministries/finances/",
        "/fr/ministries/",
        "/fr/municipalities/",
    ]
    for address in pages:
        text = client.get(address).text
        assert "Projet caché" not in text, address
        assert "123" + "\u202f" + "456" not in text and "123456789" not in text, address
    for project in hidden:
        assert client.get(f"/fr/catalogue/{project.reference}/").status_code == 404
    # Counts ignore them too: no public energy.solar project exists in the shipped data.
    response = client.get("/fr/catalogue/")
    solar = next(
        o for o in response.context["facets"]["sector"].options if o.value == "energy.solar"
    )
    assert solar.count == 0
    assert client.get("/fr/").context["figures"]["investment"] is None


def test_a_governorate_page_shows_its_caravan_stops_and_a_map_of_its_municipalities(client):
    html = client.get("/fr/governorates/gabes/").text
    assert "Étapes de la caravane" in html
    assert 'href="/fr/municipalities/el-hamma/"' in html  # stop 13 of the 2020 edition
    assert html.count('class="map__marker"') == 16  # one marker per municipality


SEED_MINISTRY_ORDER = ["MTCEN", "MEHAT", "MAL", "ME", "MDICI", "MT", "MF"]


def listed_acronyms(html: str) -> list[str]:
    return re.findall(r'<span class="muted">\((\w+)\)</span>', html)


def test_the_ministries_page_lists_them_in_the_seed_articles_order(client):
    assert listed_acronyms(client.get("/fr/ministries/").text) == SEED_MINISTRY_ORDER


def test_the_ministries_page_follows_their_display_order(client):
    from caravan.models import Ministry

    for position, acronym in enumerate(reversed(SEED_MINISTRY_ORDER), 1):
        Ministry.objects.filter(acronym=acronym).update(display_order=position)
    project = ProjectFactory(published=True)
    project.ministries.set(Ministry.objects.filter(acronym__in=["MF", "MAL"]))
    html = client.get("/fr/ministries/").text
    assert listed_acronyms(html) == SEED_MINISTRY_ORDER[::-1]


def bar_values(html: str, chart_id: str) -> dict[str, int]:
    """{label: value} of the bars of one chart of the home page."""
    section = html[html.index(f'id="{chart_id}"') :]
    section = section[: section.index("</section>")]
    return {
        " ".join(label.split()): int(value)
        for label, value in re.findall(
            r'<span class="bars__label">(.*?)</span>.*?<span class="bars__value">(\d+)</span>',
            section,
            re.S,
        )
    }


def test_the_home_charts_add_up_to_the_published_projects(client):
    from catalogue.models import Project

    ProjectFactory(published=True, sector=None, stage="")
    ProjectFactory(published=True, stage="planning")
    ProjectFactory(sector=None, stage="")  # a draft counts nowhere
    with translation.override("en"):
        html = client.get("/en/").text
    published = Project.objects.public().count()
    sectors = bar_values(html, "sector-chart-title")
    stages = bar_values(html, "stage-chart-title")
    assert sum(sectors.values()) == published
    assert sum(stages.values()) == published
    assert sectors["Sector not stated"] == Project.objects.public().filter(sector=None).count()
    assert stages["Stage not stated"] == Project.objects.public().filter(stage="").count() >= 1
    # The bar of projects without a sector links to no filter (the catalogue has none).
    assert 'bars__row--not-stated"><span class="bars__label">Sector not stated' in html


def test_without_a_project_lacking_a_sector_or_a_stage_there_is_no_such_bar(client):
    from catalogue.models import Project

    Project.objects.update(status=Status.DRAFT)
    ProjectFactory(published=True, stage="planning")
    html = client.get("/en/").text
    assert "Sector not stated" not in html and "Stage not stated" not in html
    assert sum(bar_values(html, "sector-chart-title").values()) == 1


def test_the_home_page_says_how_many_published_projects_were_screened(client):
    from catalogue.models import Project
    from catalogue.register.choices import Screening

    ProjectFactory(published=True, screening=Screening.ELIGIBLE_PPP)
    html = " ".join(client.get("/en/").text.split())
    published = Project.objects.public().count()
    screened = Project.objects.public().exclude(screening=Screening.NOT_SCREENED).count()
    assert screened == 1
    assert f"{screened} of {published} published projects screened so far" in html
    assert "screened by the partner ministries" not in html
    assert 'href="/en/methodology/#screening"' in html


def test_municipality_and_edition_pages_cite_their_sources(client):
    from caravan.models import Edition
    from catalogue.models import Source
    from catalogue.register.choices import SourceKind
    from municipalities.models import Municipality

    article = "La deuxième édition de la caravane"
    assert article in client.get("/en/municipalities/gabes/").text
    assert article in client.get("/en/caravan/2/").text
    decision = Source.objects.create(
        title="Délibération du conseil municipal de Tozeur",
        kind=SourceKind.MUNICIPAL_SUBMISSION,
        url="https://www.commune-tozeur.gov.tn/deliberation.pdf",
    )
    decision.municipalities.add(Municipality.objects.get(code="6211"))
    html = client.get("/en/municipalities/tozeur/").text
    assert 'href="https://www.commune-tozeur.gov.tn/deliberation.pdf"' in html
    assert "publisher not stated" in html
    # A place no source mentions has no Sources section.
    assert 'id="sources-title"' not in client.get("/en/municipalities/tunis/").text
    Edition.objects.get(number=2).sources.clear()
    assert 'id="sources-title"' not in client.get("/en/caravan/2/").text
