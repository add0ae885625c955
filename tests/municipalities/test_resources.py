"""The municipalities' spreadsheet: an export imports back unchanged; an import updates
profiles of existing municipalities only, all or nothing, and never their official names."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from municipalities.models import Municipality
from municipalities.resources import MunicipalityResource, MunicipalityWidget
from tests.factories import EditorFactory, municipality
from tests.helpers import write_csv

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/municipalities/municipality/import/"


def import_rows(headers, *rows, dry_run=False):
    dataset = tablib.Dataset(*rows, headers=headers)
    return MunicipalityResource().import_data(
        dataset, dry_run=dry_run, rollback_on_validation_errors=True
    )


def test_an_export_imports_back_unchanged():
    exported = MunicipalityResource().export()
    assert len(exported) == 350
    assert exported.headers[:3] == ["code", "name_fr", "governorate"]
    history = Municipality.history.count()
    result = import_rows(exported.headers, *exported)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 350
    assert Municipality.history.count() == history


def test_an_import_updates_a_profile_and_records_it():
    result = import_rows(
        ["code", "website", "population_2020"], ["5111", "https://gabes.example.tn", "150000"]
    )
    assert result.totals["update"] == 1
    gabes = municipality("5111")
    assert (gabes.website, gabes.population_2020) == ("https://gabes.example.tn", 150000)
    assert gabes.history.first().website == "https://gabes.example.tn"


def test_the_official_columns_are_read_only():
    import_rows(
        ["code", "name_fr", "governorate", "seats_2018"], ["5111", "Gabès-Plage", "34", "40"]
    )
    gabes = municipality("5111")
    assert (gabes.name_fr, gabes.governorate.code_ins, gabes.seats_2018) == ("Gabès", "51", 40)


def test_an_import_never_creates_a_municipality():
    result = import_rows(["code", "population_2020"], ["5111", "99"], ["6999", "10"])
    assert [row.number for row in result.invalid_rows] == [3]
    assert municipality("5111").population_2020 != 99
    assert not Municipality.objects.filter(code="6999").exists()


def test_a_bad_value_is_refused_with_its_line_and_writes_nothing():
    result = import_rows(
        ["code", "population_2020", "latitude", "longitude"],
        ["5111", "150000", "", ""],
        ["3411", "-3", "", ""],
        ["3412", "1000", "48.85", "2.35"],
    )
    assert [row.number for row in result.invalid_rows] == [3, 4]
    assert municipality("5111").population_2020 != 150000


@pytest.mark.parametrize("value", ["5111", "gabes", " GABES "])
def test_the_widget_finds_a_municipality_by_code_or_slug(value):
    assert MunicipalityWidget().clean(value) == municipality("5111")


def test_the_widget_names_what_it_did_not_find():
    assert MunicipalityWidget().clean("") is None
    with pytest.raises(ValueError, match="nowhere"):
        MunicipalityWidget().clean("nowhere")


def test_the_admin_import_checks_every_row_then_imports_on_confirmation(client):
    client.force_login(EditorFactory())
    rows = [
        {"code": "5111", "population_2020": "150000", "website": "https://gabes.example.tn"},
        {"code": "3411", "population_2020": "-3"},
    ]
    upload = SimpleUploadedFile("m.csv", write_csv(rows))
    response = client.post(IMPORT_URL, {"import_file": upload, "resource": "0"})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [3]
    assert "confirm_form" not in response.context
    assert municipality("5111").population_2020 != 150000

    good = SimpleUploadedFile("m.csv", write_csv(rows[:1]))
    checked = client.post(IMPORT_URL, {"import_file": good, "format": "0", "resource": "0"})
    confirm = checked.context["confirm_form"].initial
    client.post("/admin/municipalities/municipality/process_import/", confirm)
    assert municipality("5111").population_2020 == 150000
