"""Names sort as a reader of each language expects, on SQLite and on PostgreSQL.

French and English: accents and case only break ties ("Mégrine" before "Mornag", which a
byte order puts after). Arabic: the alphabet's order, hamza seats sorting with alef, teh
marbuta with teh, vowel marks ignored (so "مرناق" comes before "مقرين", the other way round
from their French names).
"""

import pytest
from django.urls import reverse
from django.utils import translation

from caravan.models import Ministry
from municipalities.models import Governorate, Municipality
from smartcities.core.collation import collated, sort_key, sorted_by_name
from tests.factories import MinistryFactory

pytestmark = pytest.mark.django_db

BEN_AROUS = "ben-arous"


@pytest.fixture
def megrine():
    """The reference data spells it "Megrine"; its inhabitants write "Mégrine"."""
    municipality = Municipality.objects.get(code="1318")
    municipality.name_fr = "Mégrine"
    municipality.save(update_fields=["name_fr"])
    return municipality


def names(items):
    return [str(item) for item in items]


def positions(listed, *wanted):
    return [listed.index(name) for name in wanted]


@pytest.mark.parametrize(
    "language, texts",
    [
        ("fr", ["Béja", "Bembla", "Ben Arous", "El Kef", "Éljem", "Mégrine", "Mornag"]),
        ("fr", ["megrine", "Megrine", "Mégrine", "Mornag"]),  # accents, then case, break ties
        ("fr", ["Oeuvre", "Œuvres", "Oz"]),  # œ is "oe"
        ("en", ["Ezzahra", "Fouchana", "Gabès", "Gafsa"]),
        # Hamza seats and bare alef are one letter: the next letter decides.
        ("ar", ["الحامة", "أولاد الشامخ", "بنزرت"]),
        ("ar", ["أريانة", "المرسى", "مرناق", "مقرين"]),
        ("ar", ["تا", "ةب", "تج"]),  # teh marbuta sorts with teh
        ("ar", ["يا", "ىب", "يج"]),  # alef maksura with yeh
        ("ar", ["با", "بَا", "بب"]),  # vowel marks only break ties
        ("ar", ["قابس", "Gabès"]),  # an Arabic reader's own script first
    ],
)
def test_sort_key_orders_as_a_reader_of_the_language_expects(language, texts):
    shuffled = list(reversed(texts))
    assert sorted(shuffled, key=lambda text: sort_key(text, language)) == texts


def test_the_default_order_of_municipalities_is_the_french_alphabet_on_the_database(megrine):
    listed = names(Municipality.objects.filter(governorate__slug=BEN_AROUS))
    mégrine, mornag = positions(listed, "Mégrine", "Mornag")
    assert mégrine < mornag
    assert listed == sorted(listed, key=lambda name: sort_key(name, "fr"))


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_database_orders_every_municipality_name_as_the_python_key_does(language, megrine):
    """The database's collation (ICU on PostgreSQL, the registered function on SQLite)
    and the key used for lists sorted in Python agree on all 350 real names."""
    with translation.override(language):
        by_database = names(Municipality.objects.order_by(collated("name", languages=("fr", "ar"))))
        by_python = names(sorted_by_name(Municipality.objects.all()))
    assert by_database == by_python


def test_arabic_and_french_readers_get_megrine_and_mornag_in_opposite_orders(megrine):
    pair = Municipality.objects.filter(code__in=["1318", "1320"])
    with translation.override("fr"):
        assert names(pair.order_by(collated("name"))) == ["Mégrine", "Mornag"]
    with translation.override("ar"):
        assert names(pair.order_by(collated("name"))) == ["مرناق", "مقرين"]


def test_an_empty_translation_sorts_under_the_french_name_the_page_shows():
    governorates = Governorate.objects.filter(slug__in=["gabes", "sfax", "tunis"])
    governorates.filter(slug="gabes").update(name_en="")
    with translation.override("en"):
        listed = names(governorates.order_by(collated("name")))
    assert listed == ["Gabès", "Sfax", "Tunis"]


@pytest.mark.parametrize(
    "language, first, second", [("fr", "Mégrine", "Mornag"), ("ar", "مرناق", "مقرين")]
)
def test_the_governorate_page_lists_its_municipalities_in_the_readers_order(
    client, megrine, language, first, second
):
    with translation.override(language):
        url = reverse("municipalities:governorate_detail", kwargs={"slug": BEN_AROUS})
    listed = [m.name for m in client.get(url).context["municipalities"]]
    with translation.override(language):
        assert listed == sorted(listed, key=lambda name: sort_key(name, language))
    assert listed.index(first) < listed.index(second)


@pytest.mark.parametrize(
    "language, first, second", [("fr", "Mégrine", "Mornag"), ("ar", "مرناق", "مقرين")]
)
def test_the_municipality_list_groups_governorates_and_names_in_the_readers_order(
    client, megrine, language, first, second
):
    with translation.override(language):
        response = client.get(reverse("municipalities:municipality_list"))
        rows = [(m.governorate.name, m.name) for m in response.context["municipalities"]]
    assert len(rows) == 350
    assert rows == sorted(
        rows, key=lambda row: (sort_key(row[0], language), sort_key(row[1], language))
    )
    listed = [name for _group, name in rows]
    assert listed.index(first) < listed.index(second)


def test_the_catalogue_filter_offers_municipalities_by_governorate_then_name(megrine):
    from catalogue.selection.vocabulary import Vocabulary

    vocabulary = Vocabulary()
    for language in ("fr", "ar"):
        with translation.override(language):
            pairs = [
                (group, label) for _key, label, group, _id in vocabulary.labels("municipality")
            ]
            governorates = [label for _key, label, _group, _id in vocabulary.labels("governorate")]
        assert pairs == sorted(
            pairs, key=lambda pair: (sort_key(pair[0], language), sort_key(pair[1], language))
        )
        assert governorates == sorted(governorates, key=lambda name: sort_key(name, language))


def test_ministries_with_the_same_display_order_are_listed_by_name(client):
    Ministry.objects.update(display_order=1)
    MinistryFactory(name_fr="Ministère de l'Économie", name_ar="وزارة الاقتصاد", display_order=1)
    MinistryFactory(name_fr="Ministère de l'Équipement", name_ar="وزارة التجهيز", display_order=1)
    for language in ("fr", "ar"):
        with translation.override(language):
            response = client.get(reverse("caravan:ministry_list"))
            listed = [ministry.name for ministry in response.context["ministries"]]
        assert listed == sorted(listed, key=lambda name: sort_key(name, language))
