"""Which projects: one path from a catalogue query string to the ordered selection and its
facets (``select``), used by the catalogue page, the exports, OC4IDS, the dossiers, the feed,
the statistics and the calendar. Each filter is declared once (``filters.FILTERS``);
``facets`` counts, ``vocabulary`` labels.
"""

from .selection import Selection, select

__all__ = ["Selection", "select"]
