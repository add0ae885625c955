"""The methodology page: stages, screening (gates, criteria with their current weights,
bands), verification, sources, licence; linked from every page, the catalogue and PDFs."""

import re

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from catalogue.models import ScreeningCriterion
from catalogue.register.choices import Gate, Stage

pytestmark = pytest.mark.django_db


def flat(html: str) -> str:
    """The page's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("language, direction", [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_the_page_answers_in_each_language(client, language, direction):
    response = client.get(f"/{language}/methodology/")
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in response.text
    with translation.override(language):
        for value, label in Stage.choices:
            assert str(label) in response.text, value
        for label in Gate.labels:
            assert str(label) in response.text.replace("&#x27;", "'")


def test_the_page_explains_the_stages_the_screening_and_its_bands(client):
    text = flat(client.get("/en/methodology/").text)
    # The seven stages, each with its definition, and what "not stated" means.
    for _value, label in Stage.choices:
        assert f"{label} —" in text, label
    assert "not yet formally planned or funded" in text
    assert "Not stated —" in text
    # Four gates, scores 0–4, a weighted score 0–100 and the bands from catalogue.register.choices.
    assert "4 pass/fail gates" in text
    assert "from 0 (not met) to 4 (fully met)" in text
    assert "runs from 0 to 100" in text
    assert "60 or more" in text and "40 to under 60" in text and "Under 40" in text
    assert "Better carried out as public works" in text
    # What eligible means, the 2020 projects, the verification interval, the licence.
    assert "Only a project whose latest screening is eligible can be published" in text
    assert "Not yet screened by the eligibility committee" in text
    assert "every 365 days" in text
    assert "data4tunisia.org" in text and "OpenStreetMap" in text


def test_each_active_criterion_is_listed_with_its_current_weight(client):
    criteria = list(ScreeningCriterion.objects.filter(is_active=True))
    assert len(criteria) == 11
    html = client.get("/en/methodology/").text
    total = sum(c.weight for c in criteria)
    for criterion in criteria:
        item = re.search(rf'<li id="criterion-{criterion.code}">(.*?)</li>', html, re.S)
        assert item, criterion.code
        share = floatformat(100 * criterion.weight / total, 0)
        assert f"weight {criterion.weight}, {share} % of the score" in flat(item.group(1))
        assert criterion.name_en in item.group(1)
    assert f"(here {total})" in html
    # The guidance of a criterion is shown with it.
    assert "IMF PFRAM questions" in html


def test_an_inactive_criterion_is_not_listed(client):
    ScreeningCriterion.objects.filter(code="S6").update(is_active=False)
    html = client.get("/en/methodology/").text
    assert 'id="criterion-S6"' not in html
    assert "11 scored criteria" not in html and "10 scored criteria" in flat(html)


def test_a_new_weight_shows_at_once_although_the_page_is_cached(client, settings):
    settings.CACHE_PUBLIC_PAGES = True
    html = client.get("/en/methodology/").text
    assert "weight 1, 4 % of the score" in flat(html)  # S6: 1 of 24
    assert client.get("/en/methodology/").text == html  # served from the cache
    criterion = ScreeningCriterion.objects.get(code="S6")
    criterion.weight = 5
    criterion.save()
    again = flat(client.get("/en/methodology/").text)
    assert "weight 5, 18 % of the score" in again  # 5 of 28
    assert "(here 28)" in again


def test_the_page_names_the_licence_and_how_to_cite(client, settings):
    settings.DATA_LICENCE = {"name": "Licence Ouverte 2.0", "url": "https://www.etalab.gouv.fr/lo"}
    html = client.get("/en/methodology/").text
    assert '<a href="https://www.etalab.gouv.fr/lo" rel="license">Licence Ouverte 2.0</a>' in html
    assert "How to cite:" in html
    assert "http://testserver/en/catalogue/" in html


@pytest.mark.parametrize("address", ["/fr/", "/ar/caravan/2/", "/en/municipalities/gabes/"])
def test_every_page_links_to_it_and_to_the_licence_from_its_footer(client, address):
    html = client.get(address).text
    footer = html[html.index('<footer class="site-footer">') :]
    language = address.split("/")[1]
    assert f'href="/{language}/methodology/"' in footer
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in (
        footer
    )


def test_the_catalogue_links_to_it_beside_its_downloads(client):
    html = client.get("/fr/catalogue/").text
    downloads = html[html.index('class="downloads"') :]
    downloads = downloads[: downloads.index('id="results-title"')]
    assert 'href="/fr/methodology/"' in downloads
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in downloads


def test_the_main_menu_does_not_mark_the_catalogue_as_the_current_page(client):
    response = client.get("/fr/methodology/")
    assert response.status_code == 200
    assert 'aria-current="page"' not in response.text
