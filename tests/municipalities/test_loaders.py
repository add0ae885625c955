"""The territory shipped in fixtures/territory/: 24 governorates, 350 municipalities, and
their loader (official figures updated in place, curated fields kept)."""

import csv
import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse

from municipalities.loaders import load_territory
from municipalities.models import Governorate, Municipality
from tests.factories import EditorFactory
from tests.helpers import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(settings, tmp_path):
    """A copy of the shipped territory files, to edit."""
    directory = tmp_path / "territory"
    shutil.copytree(settings.BASE_DIR / "fixtures" / "territory", directory)
    return directory


def edit_csv(path, change):
    """Rewrite a CSV file of the territory; ``change`` takes and returns its rows."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        headers, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)


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


def test_governorates_have_english_names_and_le_kef_is_not_a_transliteration():
    assert not Governorate.objects.filter(name_en="").exists()
    assert Governorate.objects.get(code_ins="23").name_en == "Kef"


def test_slugs_are_unique_and_a_name_shared_by_two_governorates_is_told_apart():
    slugs = list(Municipality.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 350
    assert Municipality.objects.get(code="5111").slug == "gabes"


def test_loading_twice_duplicates_nothing_and_records_no_history():
    counts = (Governorate.objects.count(), Municipality.objects.count())
    history = Municipality.history.count()
    call_command("load_reference_data", verbosity=0)
    assert (Governorate.objects.count(), Municipality.objects.count()) == counts
    assert Municipality.history.count() == history


def test_reloading_restores_official_figures_and_keeps_what_staff_curated():
    gabes = Municipality.objects.get(code="5111")
    official = gabes.population_2014
    gabes.population_2014 = 1
    gabes.website = "https://www.commune-gabes.gov.tn/"
    gabes.description_fr = "Oasis maritime."
    gabes.slug = "gabes-ville"
    gabes.save()
    call_command("load_reference_data", verbosity=0)
    gabes.refresh_from_db()
    assert gabes.population_2014 == official
    assert gabes.website == "https://www.commune-gabes.gov.tn/"
    assert gabes.description_fr == "Oasis maritime."
    assert gabes.slug == "gabes-ville"


@pytest.mark.usefixtures("english")
def test_a_new_municipality_in_the_files_is_created_with_its_history(territory):
    def add_one(rows):
        new = dict(next(row for row in rows if row["code_municipalite"] == "5111"))
        # A name already used in another governorate: its slug gets the governorate's.
        new.update(code_municipalite="5149", name_fr="Sfax", name_ar="صفاقس الجديدة")
        return [*rows, new]

    edit_csv(territory / "tn_municipalities.csv", add_one)
    assert load_territory(territory) == {"governorates": 24, "municipalities": 351}
    created = Municipality.objects.get(code="5149")
    assert (created.governorate.code_ins, created.name_ar) == ("51", "صفاقس الجديدة")
    assert created.slug == "sfax-gabes"
    record = created.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == "Loaded from the shipped territory files"


def test_the_load_records_history_so_a_first_edit_keeps_the_value_before(client, settings):
    # Every municipality loaded for this run got its creation record.
    created = Municipality.history.filter(history_type="+").values("id").distinct().count()
    assert created == Municipality.objects.count() == 350
    # A database loaded before the history was written, and a figure out of date.
    gabes = Municipality.objects.get(code="5111")
    official = gabes.population_2014
    gabes.history.all().delete()
    Municipality.objects.filter(pk=gabes.pk).update(population_2014=1)
    before = Municipality.history.count()
    territory = settings.BASE_DIR / "fixtures" / "territory"
    load_territory(territory)
    assert Municipality.history.count() == before + 1  # Gabès only; the others are current
    record = gabes.history.get()
    assert (record.population_2014, record.history_type) == (official, "+")
    load_territory(territory)
    assert Municipality.history.count() == before + 1  # nothing changed, nothing recorded
    # The first edit in the admin diffs against the loaded values.
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse("admin:municipalities_municipality_change", args=[gabes.pk])
    data = change_form_data(client.get(url))
    data["population_2014"] = str(official + 100)
    assert client.post(url, data).status_code == 302
    latest, previous = gabes.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("population_2014", official, official + 100)
    ]
    assert latest.history_user == editor


def test_a_corrected_figure_in_the_files_updates_the_row_and_its_history(territory):
    def correct(rows):
        for row in rows:
            if row["code_municipalite"] == "5111":
                row["seats_2018"] = "40"
        return rows

    edit_csv(territory / "tn_municipalities.csv", correct)
    gabes = Municipality.objects.get(code="5111")
    records = gabes.history.count()
    load_territory(territory)
    gabes.refresh_from_db()
    assert gabes.seats_2018 == 40
    assert gabes.history.count() == records + 1
    assert gabes.history.first().seats_2018 == 40


def test_a_curated_french_name_wins_over_the_source_spelling(territory):
    def rename(rows):
        for row in rows:
            if row["code_municipalite"] == "5111":
                row["name_fr"] = "Gabès-Ville"
        return rows

    edit_csv(territory / "municipality_names.csv", rename)
    load_territory(territory)
    assert Municipality.objects.get(code="5111").name_fr == "Gabès-Ville"
