"""Governorates, municipalities and focal points: what validation and the database refuse."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from municipalities.models import FocalPoint, Governorate, Municipality
from tests.factories import (
    FocalPointFactory,
    FocalPointUserFactory,
    GovernorateFactory,
    MunicipalityFactory,
    governorate,
    municipality,
)

pytestmark = pytest.mark.django_db


def test_a_new_governorate_and_municipality_pass_full_validation():
    created = GovernorateFactory()
    created.full_clean()
    commune = MunicipalityFactory(governorate=created)
    commune.full_clean()
    assert commune.code.startswith(created.code_ins)


@pytest.mark.parametrize(
    "field, value",
    [("code_ins", "81"), ("code_ins", "5"), ("code_iso", "TN-91"), ("code_iso", "51")],
)
def test_governorate_codes_follow_the_ins_and_iso_formats(field, value):
    created = GovernorateFactory.build(**{field: value})
    with pytest.raises(ValidationError) as error:
        created.full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize("code", ["511", "51111", "5105", "5150", "9111", "ab11"])
def test_a_municipality_code_is_the_governorate_code_then_11_to_49(code):
    commune = MunicipalityFactory.build(code=code)
    with pytest.raises(ValidationError) as error:
        commune.full_clean()
    assert "code" in error.value.message_dict


@pytest.mark.parametrize(
    "fields",
    [
        {"latitude": Decimal("48.85"), "longitude": Decimal("2.35")},
        {"latitude": Decimal("34.0"), "longitude": None},
        {"area_km2": Decimal("0")},
        {"area_km2": Decimal("-3")},
    ],
    ids=["point-outside-tunisia", "half-a-point", "zero-area", "negative-area"],
)
@pytest.mark.parametrize("model", [Governorate, Municipality])
def test_the_database_rejects_a_bad_point_or_area(model, fields):
    row = model.objects.order_by("pk").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**fields)


def test_codes_and_slugs_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        MunicipalityFactory(code="5111")
    with pytest.raises(IntegrityError), transaction.atomic():
        MunicipalityFactory(slug="gabes")
    with pytest.raises(IntegrityError), transaction.atomic():
        GovernorateFactory(code_iso="TN-81")


def test_a_governorate_with_municipalities_cannot_be_deleted():
    with pytest.raises(ProtectedError):
        governorate("51").delete()
    assert Municipality.objects.filter(governorate__code_ins="51").exists()


def test_names_are_shown_in_the_active_language_with_french_for_english():
    gabes = municipality("5111")
    with translation.override("ar"):
        assert str(gabes) == "قابس" and str(gabes.governorate) == "قابس"
    with translation.override("en"):
        # Municipalities have no English name: their French one is shown.
        assert str(gabes) == "Gabès"
        assert str(governorate("23")) == "Kef"


def test_pages_are_addressed_by_slug():
    with translation.override("fr"):
        assert municipality("5111").get_absolute_url() == "/fr/municipalities/gabes/"
        assert governorate("51").get_absolute_url().startswith("/fr/")
        assert governorate("51").slug in governorate("51").get_absolute_url()


def test_for_lists_reads_the_governorates_in_the_same_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [(m.name_fr, m.governorate.name_fr) for m in Municipality.objects.for_lists()]
    assert ("Gabès", "Gabès") in names and len(names) == 350


def test_a_user_is_the_focal_point_of_one_municipality_at_most():
    focal = FocalPointUserFactory(municipality="5111")
    assert focal.focal_point.municipality.code == "5111"
    with pytest.raises(IntegrityError), transaction.atomic():
        FocalPointFactory(user=focal, municipality=municipality("3411"))
    assert str(FocalPoint.objects.get(user=focal)) == f"{focal.username} · Gabès"


def test_a_municipality_has_several_focal_points_and_they_go_with_their_user():
    first = FocalPointUserFactory(municipality="5111")
    FocalPointUserFactory(municipality="5111")
    assert municipality("5111").focal_points.count() == 2
    first.delete()
    assert list(FocalPoint.objects.values_list("municipality__code", flat=True)) == ["5111"]


def test_a_saved_change_is_kept_in_the_municipality_history():
    gabes = municipality("5111")
    before = gabes.history.count()
    gabes.website = "https://www.commune-gabes.gov.tn/"
    gabes.save()
    assert gabes.history.count() == before + 1
    latest, previous = gabes.history.all()[:2]
    assert [c.field for c in latest.diff_against(previous).changes] == ["website"]
