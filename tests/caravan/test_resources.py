"""The spreadsheets of the ministries and the caravan stops: natural keys, an export that
imports back unchanged, and refused rows that write nothing."""

import pytest
import tablib

from caravan.models import Ministry, Stop
from caravan.resources import EditionWidget, MinistryResource, StopResource
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db


def import_rows(resource, headers, *rows):
    return resource.import_data(
        tablib.Dataset(*rows, headers=headers), dry_run=False, rollback_on_validation_errors=True
    )


@pytest.mark.parametrize("resource, count", [(MinistryResource, 7), (StopResource, 14)])
def test_an_export_imports_back_unchanged(resource, count):
    exported = resource().export()
    assert len(exported) == count
    result = import_rows(resource(), exported.headers, *exported)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == count


def test_a_ministry_is_found_by_its_slug_and_a_new_slug_adds_one():
    result = import_rows(
        MinistryResource(),
        ["slug", "acronym", "name_fr", "name_ar", "website", "display_order"],
        ["finances", "MF", "Ministère des Finances", "وزارة المالية", "https://finances.tn", "7"],
        ["sante", "MS", "Ministère de la Santé", "وزارة الصحة", "", "8"],
    )
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    assert Ministry.objects.get(slug="finances").website == "https://finances.tn"
    assert Ministry.objects.get(slug="sante").acronym == "MS"


def test_a_ministry_without_its_arabic_name_is_refused():
    result = import_rows(
        MinistryResource(),
        ["slug", "acronym", "name_fr", "name_ar"],
        ["sante", "MS", "Ministère de la Santé", ""],
    )
    assert [row.number for row in result.invalid_rows] == [2]
    assert not Ministry.objects.filter(slug="sante").exists()


def test_a_stop_is_found_by_its_edition_and_its_municipality_code_or_slug():
    result = import_rows(
        StopResource(),
        ["edition", "municipality", "order", "date", "summary_fr"],
        ["2", "gabes", "12", "2020-03-14", "Visite de l'oasis."],
        ["2", "5116", "13", "", ""],
    )
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    stop = Stop.objects.get(edition__number=2, municipality__code="5111")
    assert (str(stop.date), stop.summary_fr) == ("2020-03-14", "Visite de l'oasis.")


def test_stops_of_a_new_edition_are_added():
    EditionFactory(number=3)
    result = import_rows(
        StopResource(), ["edition", "municipality", "order"], ["3", "2111", "1"], ["3", "5111", "2"]
    )
    assert result.totals["new"] == 2
    assert list(
        Stop.objects.filter(edition__number=3).values_list("order", "municipality__code")
    ) == [(1, "2111"), (2, "5111")]


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "row, words",
    [
        (["7", "5111", "1"], "no caravan edition 7"),
        (["deux", "5111", "1"], "not a whole number"),
        (["2", "nowhere", "1"], "nowhere"),
        (["2", "1111", "3"], "share an order"),
    ],
)
def test_a_bad_stop_row_is_refused_with_a_reason_and_writes_nothing(row, words):
    before = list(Stop.objects.values_list("pk", "order", "municipality_id"))
    result = import_rows(StopResource(), ["edition", "municipality", "order"], row)
    # A key that finds nothing is a row error; a row that fails validation, an invalid row.
    problems = {line: [str(e.error) for e in errors] for line, errors in result.row_errors()}
    for invalid in result.invalid_rows:
        problems[invalid.number] = [str(m) for m in invalid.error_dict.values()]
    assert list(problems) == [2]
    assert words in " ".join(problems[2])
    assert list(Stop.objects.values_list("pk", "order", "municipality_id")) == before


def test_the_edition_widget_reads_spreadsheet_numbers():
    widget = EditionWidget()
    assert widget.clean("2.0").number == 2
    assert widget.clean(2).number == 2
    assert widget.clean("  ") is None
