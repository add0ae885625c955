"""The shipped reference data of the catalogue: sectors, the announced projects and their
source; the whole load, run twice. (Territory: tests/municipalities/test_loaders.py;
ministries, dimensions and the caravan: tests/caravan/test_loaders.py.)"""

from decimal import Decimal

import pytest
from django.core.management import call_command

from caravan.models import Dimension, Edition, Ministry, ReferenceExperience, Stop
from catalogue.models import Project, Sector, Source
from catalogue.register.choices import Screening, SourceKind, Status
from municipalities.models import Governorate, Municipality

pytestmark = pytest.mark.django_db


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


def test_sectors_follow_the_oc4ids_codelist():
    assert Sector.objects.count() == 23
    assert Sector.objects.get(code="transport.urban").name_fr == "Transport urbain"


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


def test_loading_twice_duplicates_nothing():
    before = counts()
    call_command("load_reference_data", verbosity=0)
    assert counts() == before


def test_reloading_keeps_what_staff_edited():
    project = Project.objects.get(reference="GAB-2020-001")
    project.investment_tnd = Decimal("1000000")
    project.save()
    call_command("load_reference_data", verbosity=0)
    project.refresh_from_db()
    assert project.investment_tnd == Decimal("1000000")
