"""Arabic and English as first-class languages of the public pages and PDF sheets.

A text left untranslated shows its French isolated (``lang``/``dir``) and labelled;
figures are grouped and units placed as each language writes them; dates are day, month,
year everywhere; French punctuation gets its no-break spaces.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from catalogue.outputs import pdf
from municipalities.models import Municipality
from smartcities.core.fields import TextInLanguage, fallback_language
from tests.factories import EditionFactory, ProjectFactory

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"
FRENCH_TITLE = "Éclairage public intelligent à Gabès."
FALLBACK_TITLE = re.compile(
    r'<h1><span class="lang-fallback" lang="fr" dir="ltr">'
    + re.escape("Éclairage public intelligent à Gabès.")
    + r'</span> <span class="lang-note">\([^)]+\)</span></h1>'
)


def page(client, language, name, **kwargs):
    with translation.override(language):
        url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def project_page(client, language, project):
    return page(client, language, "catalogue:project_detail", reference=project.reference)


@pytest.fixture
def untranslated():
    """A published project whose texts exist only in French."""
    return ProjectFactory(
        published=True,
        title_fr=FRENCH_TITLE,
        title_ar="",
        summary_fr="Des lampadaires qui s'allument au passage.",
        description_fr="Première phase : 400 points lumineux.\n\nSeconde phase : le reste.",
        investment_tnd=Decimal("12500000"),
        land_area_ha=Decimal("12.5"),
        expected_jobs=1500,
    )


def test_an_arabic_page_shows_a_french_title_left_to_right_isolated_and_labelled(
    client, untranslated
):
    html = project_page(client, "ar", untranslated)
    assert '<html lang="ar" dir="rtl">' in html
    assert FALLBACK_TITLE.search(html)


def test_an_arabic_page_sets_french_paragraphs_in_a_left_to_right_block(client, untranslated):
    html = project_page(client, "ar", untranslated)
    block = re.search(r'<div class="lang-fallback" lang="fr" dir="ltr">(.*?)</div>', html, re.S)
    assert block is not None
    assert "<p>Des lampadaires qui s&#x27;allument au passage.</p>" in block.group(1)
    assert html.count('<div class="lang-fallback" lang="fr" dir="ltr">') == 2  # and description
    assert html.count('class="lang-note-block"') == 2


def test_a_translated_text_is_shown_in_the_pages_language_without_a_label(client, untranslated):
    untranslated.title_ar = "إنارة عمومية ذكية في قابس."
    untranslated.summary_ar = "أعمدة إنارة تشتعل عند المرور."
    untranslated.save()
    html = project_page(client, "ar", untranslated)
    assert "<h1>إنارة عمومية ذكية في قابس.</h1>" in html
    assert html.count('class="lang-fallback"') == 1  # only the untranslated description


def test_an_english_page_labels_its_french_fallbacks_too(client, untranslated):
    html = project_page(client, "en", untranslated)
    assert '<html lang="en" dir="ltr">' in html
    assert FALLBACK_TITLE.search(html)
    assert "(in French)" in html


def test_a_french_page_has_no_fallback_markup(client, untranslated):
    html = project_page(client, "fr", untranslated)
    assert f"<h1>{FRENCH_TITLE}</h1>" in html
    assert "lang-fallback" not in html
    assert "lang-note" not in html


def test_municipality_names_stored_without_english_are_not_labelled_in_english():
    municipality = Municipality.objects.get(code="5111")
    with translation.override("en"):
        assert fallback_language(municipality.name) == ""
    with translation.override("ar"):
        assert municipality.name == municipality.name_ar


def test_a_fallback_text_survives_pickling_with_its_language():
    import pickle

    text = pickle.loads(pickle.dumps(TextInLanguage("Texte.", "fr")))
    assert (text, text.language) == ("Texte.", "fr")


@pytest.mark.parametrize(
    "language, investment, area, jobs",
    [
        ("fr", f"12{NNBSP}500{NNBSP}000{NBSP}TND", f"12,5{NBSP}ha", f"1{NNBSP}500"),
        ("ar", f"12{NNBSP}500{NNBSP}000{NBSP}د.ت", f"12,5{NBSP}هك", f"1{NNBSP}500"),
        ("en", f"12,500,000{NBSP}TND", f"12.5{NBSP}ha", "1,500"),
    ],
)
def test_project_figures_are_grouped_with_western_digits_and_units_after_them(
    client, untranslated, language, investment, area, jobs
):
    html = project_page(client, language, untranslated)
    assert f"<dd>{investment}</dd>" in html
    assert f"<dd>{area}</dd>" in html
    assert f"<dd>{jobs}</dd>" in html
    assert not re.search("[\u0660-\u0669]", html)  # no Eastern Arabic digit


@pytest.mark.parametrize(
    "language, area, population",
    [
        ("fr", f"1{NNBSP}234,5{NBSP}km²", f"637{NNBSP}568"),
        ("ar", f"1{NNBSP}234,5{NBSP}كم²", f"637{NNBSP}568"),  # the unit in Arabic letters
        ("en", f"1,234.5{NBSP}km²", "637,568"),
    ],
)
def test_municipality_areas_put_km2_after_the_grouped_number(client, language, area, population):
    Municipality.objects.filter(code="1111").update(
        area_km2=Decimal("1234.5"), population_2014=637568
    )
    html = page(client, language, "municipalities:municipality_detail", slug="tunis")
    assert f"<dd>{area}</dd>" in html
    assert f"<dd>{population}</dd>" in html


@pytest.mark.parametrize(
    "language, long, short",
    [
        ("fr", "9 mars 2020", "09/03/2020"),
        ("en", "9 March 2020", "09/03/2020"),
        ("ar", "9 مارس 2020", "09/03/2020"),
    ],
)
def test_dates_are_day_month_year_in_every_language(language, long, short):
    with translation.override(language):
        assert formats.date_format(date(2020, 3, 9)) == long
        assert formats.date_format(date(2020, 3, 9), "SHORT_DATE_FORMAT") == short
        assert "%m/%d/%Y" not in formats.get_format("DATE_INPUT_FORMATS")


TUNISIAN_MONTHS = "جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر".split()


def test_arabic_dates_name_the_months_as_tunisia_does(admin_client):
    """جانفي … ديسمبر, not the Middle-Eastern يناير … ديسمبر of Django's Arabic: in dates
    (full, abbreviated, alternative forms) and in the admin's calendar."""
    with translation.override("ar"):
        for month, name in enumerate(TUNISIAN_MONTHS, 1):
            assert formats.date_format(date(2020, month, 9)) == f"9 {name} 2020"
            assert formats.date_format(date(2020, month, 9), "N") == name  # abbreviated
            assert formats.date_format(date(2020, month, 9), "E") == name  # alternative
    # The admin's catalogue for its calendar (not under a language prefix: the reader's
    # language comes with the request), its texts written as JSON escapes.
    calendar = admin_client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="ar").text
    assert '"July": "' + "جويلية".encode("unicode_escape").decode() + '"' in calendar
    assert "يوليو".encode("unicode_escape").decode() not in calendar


def test_an_english_caravan_page_never_writes_dates_month_first(client):
    edition = EditionFactory(
        theme_fr="Villes du Sud", start_date=date(2021, 3, 9), end_date=date(2021, 3, 16)
    )
    html = page(client, "en", "caravan:edition_detail", number=edition.number)
    assert "9 March 2021 – 16 March 2021" in html
    assert "March 9" not in html
    # No English theme: the French one, isolated and labelled rather than quoted.
    assert f'<span class="lang-fallback" lang="fr" dir="ltr">{edition.theme_fr}</span>' in html


def test_an_english_theme_is_between_english_quotation_marks(client):
    edition = EditionFactory(theme_en="Smart towns")
    html = page(client, "en", "caravan:edition_detail", number=edition.number)
    assert "\u201cSmart towns\u201d" in html


def test_the_french_caravan_page_quotes_its_theme_with_non_breaking_guillemets(client):
    edition = EditionFactory(theme_fr="Villes intelligentes")
    html = page(client, "fr", "caravan:edition_detail", number=edition.number)
    assert f"«{NBSP}Villes intelligentes{NBSP}»" in html


def render(source, language, **context):
    with translation.override(language):
        return Template("{% load formatting %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "language, expected", [("ar", "صفاقس، قابس، تونس"), ("fr", "Sfax, Gabès, Tunis")]
)
def test_lists_are_joined_with_the_languages_comma(language, expected):
    names = ["صفاقس", "قابس", "تونس"] if language == "ar" else ["Sfax", "Gabès", "Tunis"]
    assert render("{{ names|join_list }}", language, names=names) == expected


def test_an_arabic_project_page_separates_municipality_and_governorate_with_the_arabic_comma(
    client, untranslated
):
    html = project_page(client, "ar", untranslated)
    municipality = untranslated.municipality
    assert f"{municipality.name_ar}\u060c {municipality.governorate.name_ar}" in html


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Phase 1: études", f"Phase 1{NBSP}: études"),
        ("Pourquoi ? Parce que !", f"Pourquoi{NNBSP}? Parce que{NNBSP}!"),
        ("Voir « le plan » ; puis", f"Voir «{NBSP}le plan{NBSP}»{NNBSP}; puis"),
        ("https://example.tn/?q=1 à 14:30", "https://example.tn/?q=1 à 14:30"),
    ],
)
def test_french_typography_keeps_punctuation_on_its_line(text, expected):
    assert render("{{ text|typography }}", "fr", text=text) == expected.replace("'", "&#x27;")


def test_typography_leaves_english_and_arabic_alone():
    assert render("{{ text|typography }}", "en", text="Why? Because: data.") == (
        "Why? Because: data."
    )


def test_an_arabic_pdf_sheet_isolates_and_labels_its_french_texts(untranslated):
    with translation.override("ar"):
        project = pdf.sheets_queryset().get(pk=untranslated.pk)
        facts = pdf.facts_for(project, "http://testserver")
        html = render_to_string(
            "catalogue/pdf/document.html", {"projects": [pdf._with_images(facts)]}
        )
    assert re.search(
        r'<h1 class="sheet__title"><span class="lang-fallback" lang="fr" dir="ltr">'
        + re.escape(FRENCH_TITLE)
        + r'</span> <span class="lang-note">',
        html,
    )
    assert f'<div class="lang-fallback" lang="fr" dir="ltr"><p>Première phase{NBSP}:' in html
    assert f"12{NNBSP}500{NNBSP}000&nbsp;د.ت" in html


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_labelled_csv_exports_write_dates_in_iso_8601_in_every_language(
    client, untranslated, language
):
    with translation.override(language):
        url = reverse("catalogue:project_export", kwargs={"format": "csv"})
    response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    published = timezone.localdate(untranslated.published_at)
    assert published.isoformat() in text
    assert published.strftime("%m/%d/%Y") not in text
    assert published.strftime("%d/%m/%Y") not in text


def test_a_french_page_keeps_the_punctuation_of_its_data_on_the_line(client):
    project = ProjectFactory(
        published=True,
        title_fr="Gabès : la ville solaire ?",
        description_fr="Deux phases ; la première « pilote ».",
    )
    html = project_page(client, "fr", project)
    assert f"<h1>Gabès{NBSP}: la ville solaire{NNBSP}?</h1>" in html
    assert f"<p>Deux phases{NNBSP}; la première «{NBSP}pilote{NBSP}».</p>" in html
