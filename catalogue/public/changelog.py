"""A project's public change log, read from its history (django-simple-history).

Only what the public could see is told: the versions of the project while it was
published, compared field by field on its public fields, plus its publication,
withdrawal and restoration. Nothing of its drafts, of its reviews' internals, of who
edited it, or of fields the public never sees (contacts are public, internal notes and
workflow bookkeeping are not).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caravan.models import Dimension, Ministry
from catalogue.models import Project, Source
from catalogue.register.choices import (
    ContractModel,
    ContractSubtype,
    Initiation,
    Screening,
    Stage,
    Status,
)

# Versions saved this close to the first publication are its initial state (the shipped
# data's load, for instance, sets the links right after creating the project).
SETTLING = timedelta(minutes=5)
# Texts longer than this are shown shortened in the log.
SHOWN_LENGTH = 160
MAX_VERSIONS = 500

TRANSLATED = ("title", "summary", "description")
CHOICES = {
    "stage": Stage,
    "contract_model": ContractModel,
    "contract_subtype": ContractSubtype,
    "initiation": Initiation,
    "screening": Screening,
}
FOREIGN_KEYS = ("municipality", "sector", "stop")
NUMBERS = {"investment_tnd": 0, "land_area_ha": 2, "screening_score": 1}
PLAIN = ("expected_jobs", "duration_years", "contact_name", "contact_email", "contact_phone")
MANY = {"dimensions": Dimension, "ministries": Ministry, "sources": Source}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One dated event of the log: a publication, a withdrawal, or changes."""

    date: object
    kind: str  # "published", "withdrawn", "restored" or "changed"
    changes: list[Change] = field(default_factory=list)

    @property
    def title(self) -> str:
        return {
            "published": _("Published in the catalogue"),
            "withdrawn": _("Withdrawn from the catalogue"),
            "restored": _("Back in the catalogue"),
            "changed": _("Changed"),
        }[self.kind]


def _labels() -> dict[str, str]:
    fields = {
        name: Project._meta.get_field(name).verbose_name
        for name in (*CHOICES, *FOREIGN_KEYS, *NUMBERS, *PLAIN, *MANY)
    }
    fields.update({name: Project._meta.get_field(f"{name}_fr").verbose_name for name in TRANSLATED})
    fields["point"] = _("location")
    return {name: capfirst(str(label)) for name, label in fields.items()}


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1].rstrip() + "…"


class _Reader:
    """Turns the stored values of history records into what the page shows."""

    def __init__(self, records):
        """``records``: the versions to read (the published ones), with their foreign
        keys' rows (``FOREIGN_KEYS``, select_related). One query per many-to-many
        relation for the links, with the linked rows."""
        self.links: dict[str, dict[int, set[str]]] = {}
        for name, model in MANY.items():
            # simple-history keeps each version's links in a table of their own.
            through = type(records[0])._meta.get_field(f"historicalproject_{name}").related_model
            target = model._meta.model_name
            links: dict[int, set[str]] = {}
            rows = through.objects.filter(history__in=[r.history_id for r in records])
            for row in rows.select_related(target):
                links.setdefault(row.history_id, set()).add(str(getattr(row, target)))
            self.links[name] = links
        self.language = get_language() or "fr"

    def values(self, record) -> dict[str, str]:
        shown = {}
        for name in TRANSLATED:
            text = getattr(record, f"{name}_{self.language}", "") or getattr(record, f"{name}_fr")
            shown[name] = _shorten(text or "")
        for name, enum in CHOICES.items():
            value = getattr(record, name)
            shown[name] = str(enum(value).label) if value in enum.values else ""
        for name in FOREIGN_KEYS:
            related = getattr(record, name) if getattr(record, f"{name}_id") else None
            shown[name] = str(related) if related is not None else ""
        for name, places in NUMBERS.items():
            value = getattr(record, name)
            shown[name] = (
                ""
                if value is None
                else formats.number_format(value, decimal_pos=places, force_grouping=True)
            )
        for name in PLAIN:
            value = getattr(record, name)
            shown[name] = "" if value in (None, "") else str(value)
        for name in MANY:
            shown[name] = ", ".join(sorted(self.links[name].get(record.history_id, ())))
        point = (record.latitude, record.longitude)
        shown["point"] = "" if None in point else f"{point[0]}, {point[1]}"
        return shown


def public_changes(project: Project) -> list[Entry]:
    """The project's public events, newest first."""
    records = list(
        project.history.select_related(
            "municipality", "sector", "stop__edition", "stop__municipality"
        ).order_by("history_date", "history_id")[:MAX_VERSIONS]
    )
    if not records:
        return []
    published = [record for record in records if record.status == Status.PUBLISHED]
    if not published:
        return []
    reader = _Reader(published)
    labels = _labels()

    def diff(before: dict, after: dict) -> list[Change]:
        return [
            Change(labels[name], before[name], after[name])
            for name in after
            if after[name] != before[name]
        ]

    entries: list[Entry] = []
    shown_before = None  # the values of the last published version
    status_before = None
    first_published = None
    for record in records:
        if record.status == Status.PUBLISHED:
            shown = reader.values(record)
            if shown_before is None:
                first_published = record.history_date
                entries.append(Entry(project.published_at or record.history_date, "published"))
            elif status_before != Status.PUBLISHED:
                entries.append(Entry(record.history_date, "restored", diff(shown_before, shown)))
            elif record.history_date - first_published >= SETTLING:
                changes = diff(shown_before, shown)
                if changes:
                    entries.append(Entry(record.history_date, "changed", changes))
            # else: still the initial state of the first publication
            shown_before = shown
        elif status_before == Status.PUBLISHED:
            entries.append(Entry(record.history_date, "withdrawn"))
        status_before = record.status
    return entries[::-1]
