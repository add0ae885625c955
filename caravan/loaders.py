"""Load the programme's shipped data from ``fixtures/programme/``.

Dimensions are reference data (updated from the file on every load). Ministries, the
caravan's editions, stops and reference experiences are seed content: created when
missing, never overwritten, so that edits made in the admin survive a reload.
"""

import json
from pathlib import Path

from municipalities.models import Municipality

from .models import Dimension, Edition, Ministry, ReferenceExperience, Stop

TRANSLATED = ("fr", "ar", "en")


def _translations(record: dict, *names: str) -> dict:
    return {
        f"{name}_{lang}": record.get(f"{name}_{lang}", "") for name in names for lang in TRANSLATED
    }


def _read_json(path: Path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_programme(directory: Path) -> dict[str, int]:
    """Create the ministries, dimensions, editions, stops and reference experiences."""
    for record in _read_json(directory / "dimensions.json"):
        Dimension.objects.update_or_create(
            code=record["code"],
            defaults={
                "display_order": record["display_order"],
                **_translations(record, "name", "description"),
            },
        )

    for record in _read_json(directory / "ministries.json"):
        Ministry.objects.get_or_create(
            acronym=record["acronym"],
            defaults={
                "slug": record["slug"],
                "display_order": record["display_order"],
                "website": record.get("website", ""),
                **_translations(record, "name"),
            },
        )

    caravan = _read_json(directory / "caravan.json")
    municipalities = Municipality.objects.in_bulk(field_name="code")
    ministries = Ministry.objects.in_bulk(field_name="acronym")
    stop_count = 0
    for record in caravan["editions"]:
        edition, created = Edition.objects.get_or_create(
            number=record["number"],
            defaults={
                "year": record["year"],
                "start_date": record["start_date"],
                "end_date": record["end_date"],
                **_translations(record, "theme", "description"),
            },
        )
        if created:
            edition.ministries.set([ministries[acronym] for acronym in record["ministries"]])
        for order, code in enumerate(record["stops"], start=1):
            Stop.objects.get_or_create(
                edition=edition, order=order, defaults={"municipality": municipalities[code]}
            )
            stop_count += 1

    editions = Edition.objects.in_bulk(field_name="number")
    for record in caravan["reference_experiences"]:
        experience, created = ReferenceExperience.objects.get_or_create(
            slug=record["slug"],
            defaults={
                "municipality": municipalities.get(record["municipality"]),
                **_translations(record, "name", "description"),
            },
        )
        if created:
            experience.editions.set([editions[number] for number in record["editions"]])

    return {
        "ministries": len(ministries),
        "editions": len(caravan["editions"]),
        "stops": stop_count,
    }
