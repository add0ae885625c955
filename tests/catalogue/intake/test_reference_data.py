"""The shipped reference data: territory, programme, caravan and announced projects."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from caravan.models import Dimension, Edition, Ministry, ReferenceExperience, Stop
from catalogue.models import Project, Sector, Source
from catalogue.register.choices import Screening, SourceKind, Status
from municipalities.models import Governorate, Municipality

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


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Governorate,
            Municipality,
            Ministry,
            Dimension,
            Edition,
            Stop,
            ReferenceExperience,
            Sector,
            Project,
        )
    }


def test_the_territory_has_24_governorates_and_350_municipalities():
    assert Governorate.objects.count() == 24
    assert Municipality.objects.count() == 350
    assert Municipality.objects.values("code").distinct().count() == 350


def test_every_municipality_code_starts_with_its_governorate_ins_code():
    for code, gov_code in Municipality.objects.values_list("code", "governorate__code_ins"):
        assert code[:2] == gov_code


def test_ins_and_iso_codes_are_kept_apart():
    sfax = Governorate.objects.get(code_ins="34")
    assert sfax.code_iso == "TN-61"
    assert Governorate.objects.get(code_iso="TN-81").name_fr == "Gabès"


@pytest.mark.parametrize(
    "code, name_fr", [("5111", "Gabès"), ("2111", "Béja"), ("6311", "Kébili"), ("5211", "Médenine")]
)
def test_french_names_are_shown_with_their_accents(code, name_fr):
    assert Municipality.objects.get(code=code).name_fr == name_fr


def test_municipalities_have_arabic_names_figures_and_a_point_in_tunisia():
    gabes = Municipality.objects.get(code="5111")
    assert gabes.name_ar == "قابس"
    assert gabes.governorate.name_ar == "قابس"
    assert (gabes.population_2014, gabes.population_2020) == (99426, 106438)
    assert gabes.status_2016
    assert 33 < gabes.latitude < 34 and 9 < gabes.longitude < 11
    assert Municipality.objects.filter(latitude__isnull=True).count() == 0


def test_council_seats_add_up_to_the_2018_election_total():
    assert sum(Municipality.objects.values_list("seats_2018", flat=True)) == 7212


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


def test_sectors_follow_the_oc4ids_codelist_and_dimensions_are_the_six_of_giffinger():
    assert Sector.objects.count() == 23
    assert Sector.objects.get(code="transport.urban").name_fr == "Transport urbain"
    assert set(Dimension.objects.values_list("code", flat=True)) == {
        "economy",
        "people",
        "governance",
        "mobility",
        "environment",
        "living",
    }


def test_the_article_projects_are_published_with_only_the_facts_it_gives():
    projects = Project.objects.in_bulk(field_name="reference")
    assert set(projects) == {
        "GAB-2020-001",
        "GAB-2020-002",
        "SFA-2020-001",
        "HAZ-2020-001",
        "MAH-2020-002",
    }, "one free commercial zone, at Hazoua: a Mahrès free zone is not what the article states"
    assert all(p.status == Status.PUBLISHED for p in projects.values())
    # Nobody screened them, and the article states no stage nor contract model.
    assert all(p.screening == Screening.NOT_SCREENED for p in projects.values())
    assert all(p.stage == "" and p.contract_model == "" for p in projects.values())
    oasis = projects["GAB-2020-001"]
    assert oasis.land_area_ha == Decimal("42")
    assert oasis.municipality.code == "5111"
    assert projects["SFA-2020-001"].municipality.code == "3411"
    assert projects["HAZ-2020-001"].sector.code == "economy"
    # The article gives no amounts, jobs or durations: they stay empty.
    assert all(p.investment_tnd is None for p in projects.values())
    assert all(p.expected_jobs is None and p.duration_years is None for p in projects.values())


def test_the_article_is_the_cited_source_of_the_shipped_data_with_its_reading_marked():
    source = Source.objects.get()
    assert source.kind == SourceKind.PRESS_ARTICLE
    assert (source.date.year, source.date.month, source.date_precision) == (2020, 6, "month")
    assert "zone commerciale franche à Hazoua et Mahres" in source.excerpt_fr
    assert "interprétation" in source.note_fr and "interpretation" in source.note_en
    assert set(source.projects.values_list("reference", flat=True)) == set(
        Project.objects.values_list("reference", flat=True)
    )
    assert source.editions.get().number == 2
    assert source.municipalities.filter(code="6216").exists()  # Hazoua


def test_the_reference_experiences_of_the_caravan_are_loaded():
    names = set(ReferenceExperience.objects.values_list("slug", flat=True))
    assert names == {"bizerte-smart-city", "splt-lac-de-tunis", "gabes-smart-city"}
    assert ReferenceExperience.objects.get(slug="bizerte-smart-city").municipality.code == "1711"


def test_loading_twice_duplicates_nothing():
    before = counts()
    call_command("load_reference_data", verbosity=0)
    assert counts() == before


def test_reloading_keeps_what_staff_edited():
    project = Project.objects.get(reference="GAB-2020-001")
    project.investment_tnd = Decimal("1000000")
    project.save()
    municipality = Municipality.objects.get(code="5111")
    municipality.website = "https://www.commune-gabes.gov.tn/"
    municipality.save()
    call_command("load_reference_data", verbosity=0)
    project.refresh_from_db()
    municipality.refresh_from_db()
    assert project.investment_tnd == Decimal("1000000")
    assert municipality.website == "https://www.commune-gabes.gov.tn/"
