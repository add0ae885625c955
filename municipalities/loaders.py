"""Load the 24 governorates and 350 municipalities shipped in ``fixtures/territory/``.

The files are the source of truth for official figures (codes, names, population,
area, location): loading again updates them in place, never duplicates. Fields that
staff curate in the admin (slug, website, description, logo) are only set on creation.

Municipalities keep an audit history (django-simple-history). ``bulk_create`` sends no
signal, so the load writes the history itself: a record for each municipality it creates,
changes, or finds without one, so that the first edit in the admin shows the value before.
"""

import csv
from decimal import Decimal
from pathlib import Path

from django.db.models import OuterRef, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext

from .models import Governorate, Municipality

# OpenStreetMap's English name for Le Kef is a transliteration of the Arabic.
ENGLISH_NAME_OVERRIDES = {"23": "Kef"}

GOVERNORATE_UPDATE_FIELDS = [
    "code_iso",
    "name_fr",
    "name_ar",
    "name_en",
    "population_2014",
    "population_2020",
    "area_km2",
    "latitude",
    "longitude",
]
MUNICIPALITY_UPDATE_FIELDS = [
    "governorate",
    "name_fr",
    "name_ar",
    "status_2016",
    "seats_2018",
    "population_2014",
    "population_2020",
    "area_km2",
    "latitude",
    "longitude",
]


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _int_or_none(value: str):
    return int(value) if value not in ("", None) else None


def _decimal(value: str, places: str):
    return Decimal(value).quantize(Decimal(places)) if value not in ("", None) else None


def record_history(model, *, reason: str) -> int:
    """Write a history record for each row of ``model`` that has none or has changed since
    its latest one (rows written by ``bulk_create``, with no signal); return how many."""
    historical = model.history.model
    fields = [field.attname for field in historical.tracked_fields]
    latest = historical.objects.filter(
        history_id=Subquery(
            historical.objects.filter(id=OuterRef("id"))
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
    )
    recorded = {row[0]: row for row in latest.values_list("id", *fields)}
    created, changed = [], []
    for row in model.objects.values_list("id", *fields):
        if row[0] not in recorded:
            created.append(row[0])
        elif recorded[row[0]] != row:
            changed.append(row[0])
    for ids, update in ((created, False), (changed, True)):
        model.history.bulk_history_create(
            model.objects.filter(pk__in=ids).order_by("pk"),
            update=update,
            default_change_reason=reason,
        )
    return len(created) + len(changed)


def load_territory(directory: Path) -> dict[str, int]:
    """Create or update governorates and municipalities; return how many of each."""
    governorates = [
        Governorate(
            code_ins=row["code_ins"],
            code_iso=row["code_iso"],
            name_fr=row["name_fr"],
            name_ar=row["name_ar_official_dgcl"] or row["name_ar"],
            name_en=ENGLISH_NAME_OVERRIDES.get(row["code_ins"], row["name_en_osm"]),
            slug=slugify(row["name_fr_source"]),
            population_2014=_int_or_none(row["population_2014"]),
            population_2020=_int_or_none(row["population_2020_est"]),
            area_km2=_decimal(row["area_km2_computed"], "0.01"),
            latitude=_decimal(row["point_on_surface_lat"], "0.00001"),
            longitude=_decimal(row["point_on_surface_lon"], "0.00001"),
        )
        for row in _read_csv(directory / "tn_governorates.csv")
    ]
    Governorate.objects.bulk_create(
        governorates,
        update_conflicts=True,
        unique_fields=["code_ins"],
        update_fields=GOVERNORATE_UPDATE_FIELDS,
    )
    governorate_by_code = {g.code_ins: g for g in Governorate.objects.all()}

    curated_names = {
        row["code_municipalite"]: row["name_fr"]
        for row in _read_csv(directory / "municipality_names.csv")
    }
    existing_slugs = dict(Municipality.objects.values_list("code", "slug"))
    taken = set(existing_slugs.values())
    municipalities = []
    for row in _read_csv(directory / "tn_municipalities.csv"):
        code = row["code_municipalite"]
        governorate = governorate_by_code[row["gov_code_ins"]]
        name_fr = curated_names.get(code, row["name_fr"])
        slug = existing_slugs.get(code)
        if slug is None:
            slug = slugify(name_fr)
            if slug in taken:  # same name in two governorates
                slug = f"{slug}-{governorate.slug}"
            taken.add(slug)
        municipalities.append(
            Municipality(
                code=code,
                governorate=governorate,
                name_fr=name_fr,
                name_ar=row["name_ar"],
                slug=slug,
                status_2016=row["status_2016"],
                seats_2018=_int_or_none(row["seats_2018"]),
                population_2014=_int_or_none(row["population_2014"]),
                population_2020=_int_or_none(row["population_2020_est"]),
                area_km2=_decimal(row["area_km2_computed"], "0.01"),
                latitude=_decimal(row["point_on_surface_lat"], "0.00001"),
                longitude=_decimal(row["point_on_surface_lon"], "0.00001"),
            )
        )
    Municipality.objects.bulk_create(
        municipalities,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=MUNICIPALITY_UPDATE_FIELDS,
    )
    record_history(Municipality, reason=gettext("Loaded from the shipped territory files"))
    return {"governorates": len(governorates), "municipalities": len(municipalities)}
