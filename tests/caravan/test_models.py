"""The caravan's editions, stops, ministries and dimensions: their rules and constraints.

(Municipality reviews: tests/caravan/test_reviews.py.)
"""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from caravan.models import Edition, Ministry, Stop
from tests.factories import (
    DimensionFactory,
    EditionFactory,
    MinistryFactory,
    ReferenceExperienceFactory,
    StopFactory,
    municipality,
)

pytestmark = pytest.mark.django_db


def test_a_stop_cannot_repeat_an_order_or_a_municipality_of_its_edition():
    edition = Edition.objects.get(number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stop.objects.create(edition=edition, order=1, municipality=municipality("1111"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Stop.objects.create(edition=edition, order=99, municipality=municipality("5111"))
    # Another edition may visit Gabès again, first.
    again = StopFactory(order=1, municipality=municipality("5111"))
    assert again.edition.number == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"start_date": date(2021, 5, 2), "end_date": date(2021, 5, 1)},
        {"number": 0},
    ],
    ids=["ends-before-it-starts", "number-zero"],
)
def test_the_database_rejects_a_bad_edition(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionFactory(**fields)


def test_a_stop_order_starts_at_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        StopFactory(order=0)


def test_a_one_day_edition_is_allowed():
    edition = EditionFactory(start_date=date(2022, 4, 1), end_date=date(2022, 4, 1))
    edition.full_clean()


def test_editions_latest_first_and_stops_in_tour_order():
    third = EditionFactory()
    StopFactory.create_batch(2, edition=third)
    assert list(Edition.objects.latest_first().values_list("number", flat=True)) == [3, 2]
    orders = list(Stop.objects.values_list("edition__number", "order"))
    assert orders == [(2, n) for n in range(1, 15)] + [(3, 1), (3, 2)]


def test_names_in_the_active_language():
    edition = Edition.objects.get(number=2)
    stop = edition.stops.get(order=12)
    with translation.override("en"):
        assert str(edition) == "Edition 2 (2020)"
        assert str(stop) == "Edition 2 (2020), stop 12: Gabès"
        assert str(Ministry.objects.get(acronym="MF")) == Ministry.objects.get(acronym="MF").name_en
    with translation.override("fr"):
        assert edition.get_absolute_url() == "/fr/caravan/2/"
        assert Ministry.objects.get(acronym="MF").get_absolute_url() == "/fr/ministries/finances/"


def test_a_municipality_visited_by_the_caravan_cannot_be_deleted():
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        municipality("5111").delete()


def test_deleting_an_edition_deletes_its_stops_only():
    edition = EditionFactory(ministries=[Ministry.objects.get(acronym="MF")])
    StopFactory.create_batch(3, edition=edition)
    ReferenceExperienceFactory().editions.add(edition)
    edition.delete()
    assert not Stop.objects.filter(edition__number=edition.number).exists()
    assert Ministry.objects.filter(acronym="MF").exists()


def test_acronyms_slugs_and_codes_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        MinistryFactory(acronym="MF")
    with pytest.raises(IntegrityError), transaction.atomic():
        MinistryFactory(slug="finances")
    with pytest.raises(IntegrityError), transaction.atomic():
        DimensionFactory(code="economy")
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionFactory(number=2)
