"""The programme shipped in fixtures/programme/: ministries, dimensions, the 2020 caravan
and its reference experiences; dimensions follow the file, the rest is seed content."""

import json
import shutil

import pytest
from django.core.management import call_command

from caravan.loaders import load_programme
from caravan.models import Dimension, Edition, Ministry, ReferenceExperience, Stop

pytestmark = pytest.mark.django_db

ARTICLE_STOPS = [
    ("4212", "Sbeitla"),
    ("4211", "Kasserine"),
    ("4311", "Sidi Bouzid"),
    ("4314", "Bir El Hafey"),
    ("6115", "Metlaoui"),
    ("6211", "Tozeur"),
    ("6214", "Nefta"),
    ("6216", "Hazoua"),
    ("6313", "Douz"),
    ("5313", "Ghomrassen"),
    ("3425", "Mahrès"),
    ("5111", "Gabès"),
    ("5116", "El Hamma"),
    ("3426", "Kerkennah"),
]


@pytest.fixture
def programme(settings, tmp_path):
    """A copy of the shipped programme files, to edit."""
    directory = tmp_path / "programme"
    shutil.copytree(settings.BASE_DIR / "fixtures" / "programme", directory)
    return directory


def edit_json(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(change(data), ensure_ascii=False), encoding="utf-8")


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Ministry, Dimension, Edition, Stop, ReferenceExperience)
    }


def test_the_seven_partner_ministries_are_loaded_in_the_article_order():
    acronyms = list(Ministry.objects.values_list("acronym", flat=True))
    assert acronyms == ["MTCEN", "MEHAT", "MAL", "ME", "MDICI", "MT", "MF"]
    assert all(m.name_ar and m.name_en for m in Ministry.objects.all())


def test_the_2020_edition_has_its_14_stops_in_the_article_order():
    edition = Edition.objects.get()
    assert (edition.number, edition.year) == (2, 2020)
    assert str(edition.start_date) == "2020-03-09" and str(edition.end_date) == "2020-03-16"
    assert edition.theme_fr == "Une édition axée sur les projets"
    assert edition.ministries.count() == 7
    stops = list(edition.stops.order_by("order").select_related("municipality"))
    assert [(s.municipality.code, s.municipality.name_fr) for s in stops] == ARTICLE_STOPS
    assert [s.order for s in stops] == list(range(1, 15))
    assert all(s.date is None for s in stops), "stop dates are not published: left empty"


def test_the_dimensions_are_the_six_of_giffinger():
    assert list(Dimension.objects.values_list("code", flat=True)) == [
        "economy",
        "people",
        "governance",
        "mobility",
        "environment",
        "living",
    ]
    assert all(d.name_fr and d.name_ar and d.name_en for d in Dimension.objects.all())


def test_the_reference_experiences_of_the_caravan_are_loaded():
    names = set(ReferenceExperience.objects.values_list("slug", flat=True))
    assert names == {"bizerte-smart-city", "splt-lac-de-tunis", "gabes-smart-city"}
    assert ReferenceExperience.objects.get(slug="bizerte-smart-city").municipality.code == "1711"
    assert all(e.editions.get().number == 2 for e in ReferenceExperience.objects.all())


def test_loading_twice_duplicates_nothing():
    before = counts()
    call_command("load_reference_data", verbosity=0)
    assert counts() == before


def test_reloading_keeps_the_seed_content_staff_edited():
    Ministry.objects.filter(acronym="MF").update(website="https://www.finances.gov.tn/")
    edition = Edition.objects.get(number=2)
    edition.theme_fr = "La caravane du Sud"
    edition.save()
    edition.ministries.remove(Ministry.objects.get(acronym="MT"))
    Stop.objects.filter(edition=edition, order=12).update(summary_fr="Visite de l'oasis.")
    call_command("load_reference_data", verbosity=0)
    edition.refresh_from_db()
    assert Ministry.objects.get(acronym="MF").website == "https://www.finances.gov.tn/"
    assert edition.theme_fr == "La caravane du Sud"
    assert edition.ministries.count() == 6
    assert edition.stops.get(order=12).summary_fr == "Visite de l'oasis."


def test_dimensions_follow_the_file(programme):
    Dimension.objects.filter(code="economy").update(name_en="Economy", display_order=9)

    def rename(dimensions):
        next(d for d in dimensions if d["code"] == "people")["name_en"] = "Smart citizens"
        return dimensions

    edit_json(programme / "dimensions.json", rename)
    load_programme(programme)
    assert Dimension.objects.get(code="economy").name_en == "Smart economy"
    assert Dimension.objects.get(code="economy").display_order == 1
    assert Dimension.objects.get(code="people").name_en == "Smart citizens"


def test_a_new_edition_in_the_file_is_loaded_with_its_stops(programme):
    def add_edition(caravan):
        caravan["editions"].append(
            {
                "number": 3,
                "year": 2021,
                "start_date": "2021-10-04",
                "end_date": "2021-10-08",
                "theme_fr": "Le Nord-Ouest",
                "ministries": ["MAL", "MF"],
                "stops": ["2111", "2211", "5111"],
            }
        )
        return caravan

    edit_json(programme / "caravan.json", add_edition)
    assert load_programme(programme) == {"ministries": 7, "editions": 2, "stops": 17}
    third = Edition.objects.get(number=3)
    assert (third.theme_fr, third.theme_ar, third.year) == ("Le Nord-Ouest", "", 2021)
    assert set(third.ministries.values_list("acronym", flat=True)) == {"MAL", "MF"}
    assert list(third.stops.values_list("order", "municipality__code")) == [
        (1, "2111"),
        (2, "2211"),
        (3, "5111"),
    ]
