"""Load the catalogue's shipped data from ``fixtures/``.

Sectors are reference data (the OC4IDS codelist, updated on every load). The projects
named in the 2020 article are seed content: created when missing, never overwritten.
They were announced publicly by the programme, so they load as published. The sources
they come from are created when missing and cite the shipped projects, places and
caravan editions they name (links are added, never removed).
"""

import csv
import json
from decimal import Decimal
from pathlib import Path

from django.utils.dateparse import parse_datetime

from caravan.models import Dimension, Edition, Stop
from catalogue.models import PolicyGoal, Project, ScreeningCriterion, Sector, Source
from catalogue.register.choices import Status
from municipalities.models import Municipality

TRANSLATED = ("fr", "ar", "en")


def load_sectors(programme_dir: Path, oc4ids_dir: Path) -> int:
    """Create or update the sectors, with OC4IDS's English descriptions."""
    with (oc4ids_dir / "projectSector.csv").open(encoding="utf-8", newline="") as handle:
        descriptions = {row["Code"]: row["Description"] for row in csv.DictReader(handle)}
    with (programme_dir / "sectors.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for order, row in enumerate(rows, start=1):
        Sector.objects.update_or_create(
            code=row["code"],
            defaults={
                "display_order": order,
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_en": row["name_en"],
                "description_en": descriptions.get(row["code"], ""),
            },
        )
    return len(rows)


def load_policy_goals(programme_dir: Path) -> int:
    """Create or update the policy goals (SDGs, U4SSC dimensions, national plan items);
    goals added in the admin are kept."""
    with (programme_dir / "policy_goals.json").open(encoding="utf-8") as handle:
        records = json.load(handle)
    for record in records:
        PolicyGoal.objects.update_or_create(
            framework=record["framework"],
            code=record["code"],
            defaults={
                "display_order": record["display_order"],
                **{f"name_{lang}": record[f"name_{lang}"] for lang in TRANSLATED},
            },
        )
    return len(records)


def load_screening_criteria(programme_dir: Path) -> int:
    """Create the eleven scored criteria with default weights (staff may change them)."""
    with (programme_dir / "screening_criteria.json").open(encoding="utf-8") as handle:
        records = json.load(handle)
    for order, record in enumerate(records, start=1):
        ScreeningCriterion.objects.get_or_create(
            code=record["code"],
            defaults={
                "weight": record["weight"],
                "display_order": order,
                **{
                    f"{name}_{lang}": record.get(f"{name}_{lang}", "")
                    for name in ("name", "description", "scale")
                    for lang in TRANSLATED
                },
            },
        )
    return len(records)


def load_projects(programme_dir: Path) -> int:
    """Create the projects of the 2020 article that are not in the database yet."""
    with (programme_dir / "projects.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    published_at = parse_datetime(data["published_at"])
    municipalities = Municipality.objects.in_bulk(field_name="code")
    sectors = Sector.objects.in_bulk(field_name="code")
    dimensions = Dimension.objects.in_bulk(field_name="code")
    for record in data["projects"]:
        stop = None
        if record["stop"]:
            stop = Stop.objects.get(
                edition__number=record["stop"]["edition"],
                municipality__code=record["stop"]["municipality"],
            )
        land_area = record.get("land_area_ha")
        project, created = Project.objects.get_or_create(
            reference=record["reference"],
            defaults={
                "municipality": municipalities[record["municipality"]],
                "stop": stop,
                "sector": sectors.get(record["sector"]) if record["sector"] else None,
                "land_area_ha": Decimal(land_area) if land_area else None,
                "featured": record["featured"],
                "status": Status.PUBLISHED,
                "published_at": published_at,
                **{
                    f"{name}_{lang}": record[f"{name}_{lang}"]
                    for name in ("title", "summary", "description")
                    for lang in TRANSLATED
                },
            },
        )
        if created:
            project.dimensions.set([dimensions[code] for code in record["dimensions"]])
    return len(data["projects"])


def load_sources(programme_dir: Path) -> int:
    """Create the sources of the shipped data and link what they support."""
    with (programme_dir / "sources.json").open(encoding="utf-8") as handle:
        records = json.load(handle)
    for record in records:
        source, _created = Source.objects.get_or_create(
            title=record["title"],
            kind=record["kind"],
            defaults={
                "publisher": record["publisher"],
                "date": record["date"],
                "date_precision": record["date_precision"],
                "url": record["url"],
                **{
                    f"{name}_{lang}": record.get(f"{name}_{lang}", "")
                    for name in ("excerpt", "note")
                    for lang in TRANSLATED
                },
            },
        )
        source.municipalities.add(*Municipality.objects.filter(code__in=record["municipalities"]))
        source.editions.add(*Edition.objects.filter(number__in=record["editions"]))
        for project in Project.objects.filter(reference__in=record["projects"]):
            project.sources.add(source)
    return len(records)
