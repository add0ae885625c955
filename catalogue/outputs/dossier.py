"""Dossiers: a selection of public projects as one PDF, its cover and contents first.

A dossier is one WeasyPrint document (``catalogue/pdf/document.html``): a cover page with
the selection, its figures and the contents (each sheet's page from ``target-counter()``),
then the sheets. Cached like a sheet, under a hash of everything it shows
(``catalogue.outputs.pdf``).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalogue.outputs.pdf import (
    CACHE_DIR,
    Rendered,
    _amount,
    _fingerprint,
    _render_once,
    facts_for,
    render_document,
    sheets_queryset,
)


@dataclass
class Dossier:
    """A selection of public projects to put in one PDF, with its cache key."""

    title: str
    criteria: list[str]
    facts: list[dict]
    key: str

    @property
    def name(self) -> str:
        return f"{CACHE_DIR}/dossiers/{self.key}.pdf"

    @property
    def filename(self) -> str:
        slug = slugify(self.title)[:60] or "catalogue"
        return f"dossier-{slug}-{timezone.localdate():%Y-%m-%d}.pdf"

    @property
    def is_cached(self) -> bool:
        return default_storage.exists(self.name)


def dossier_for(projects, *, title: str, criteria: list[str], site_url: str) -> Dossier:
    """The dossier of ``projects`` (loaded with ``sheets_queryset``), in this order."""
    facts = [facts_for(project, site_url) for project in projects]
    key = _fingerprint("dossier", translation.get_language(), title, criteria, facts)
    return Dossier(title=title, criteria=criteria, facts=facts, key=key)


def front_matter(dossier: Dossier) -> dict:
    """The context of a dossier's cover: its selection, figures and contents."""
    amounts = [p["investment_value"] for p in dossier.facts if p["investment_value"] is not None]
    return {
        "dossier": True,
        "criteria": dossier.criteria,
        "count": len(dossier.facts),
        "total_investment": _amount(sum(amounts)) if amounts else None,
        # The total is only that of the projects that state an amount: say how many.
        "with_amount": len(amounts),
        "without_amount": len(dossier.facts) - len(amounts),
        # Every sheet names them too (and their facts are in the dossier's key).
        "licence": dossier.facts[0]["licence"] if dossier.facts else None,
        "methodology": dossier.facts[0]["methodology"] if dossier.facts else None,
        "contents": dossier.facts,
    }


def render_one_document(dossier: Dossier) -> bytes:
    return render_document(dossier.title, dossier.facts, **front_matter(dossier))


def render_dossier(dossier: Dossier, render=render_one_document) -> Rendered:
    """Render a dossier into the cache unless it is there already: as one document, or
    with ``render`` (the task worker's ``dossier_parts.render_in_parts``)."""
    if dossier.is_cached:
        return Rendered(name=dossier.name, filename=dossier.filename, created=False)
    content = _render_once(dossier.name, lambda: render(dossier))
    return Rendered(
        name=dossier.name, filename=dossier.filename, created=content is not None, content=content
    )


def too_large_message(count: int) -> str:
    return _(
        "This selection holds %(count)s projects; a dossier can hold at most %(max)s. "
        "Narrow the selection with the catalogue's filters (a governorate, a sector, a "
        "stage…) and download the dossier again."
    ) % {"count": count, "max": settings.DOSSIER_MAX_PROJECTS}


def select_dossier(query: str, *, title: str, site_url: str) -> Dossier:
    """The dossier of a catalogue query string (same filters and order as the catalogue)."""
    from catalogue.selection import select

    selection = select(query, base=sheets_queryset())
    projects = list(selection.projects[: settings.DOSSIER_MAX_PROJECTS + 1])
    criteria = [
        _("%(label)s: %(value)s") % {"label": label, "value": value}
        for label, value in selection.described
    ]
    return dossier_for(projects, title=title, criteria=criteria, site_url=site_url)
