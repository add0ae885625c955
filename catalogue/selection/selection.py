"""One path from a catalogue query string to the projects it selects.

``select(query)`` validates the filters, orders the projects and counts the facets (when
asked): the catalogue page, its exports, OC4IDS, the dossiers and the feed all read their
projects through it, so a link from the page gives exactly what the page lists.
"""

from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.translation import get_language

from catalogue.models import Project
from catalogue.selection.facets import Facets, facets_of
from catalogue.selection.filters import (
    DEFAULT_SORT,
    SORTS,
    ProjectFilterSet,
    parse_sort,
)

RESULT_IDS_LIMIT = 20_000


class CountedPaginator(Paginator):
    """A paginator told its number of items (already counted with the facets)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # fills Paginator.count, a cached property


class Selection:
    """The projects a query string selects, in its sort order, with its facets.

    Besides the filter vocabulary (read when the filters are validated, and kept in
    memory when the cache is on), nothing is read until asked: ``projects`` is a lazy
    queryset, the facets (and the total they count in the same queries) are computed on
    first use.
    """

    def __init__(self, params: QueryDict, base, *, shared: bool):
        self.params = params
        self.filterset = ProjectFilterSet(params, queryset=base, shared=shared)
        self.sort = parse_sort(params.get("sort"))

    @property
    def active(self) -> dict:
        """The filters in force (valid, non-empty values), by name."""
        return self.filterset.active

    @property
    def rejected(self) -> list[str]:
        """Parameters given but not valid, hence ignored."""
        return self.filterset.rejected

    @property
    def described(self) -> list[tuple[str, str]]:
        """The active filters in words: (label, value), in the active language."""
        return self.filterset.describe()

    def active_filters(self) -> list[dict]:
        """Each active filter: its parameter, label and value in words (for chips)."""
        return [
            {"name": name, "label": label, "value": value}
            for name, (label, value) in zip(self.active, self.described, strict=True)
        ]

    @property
    def order(self) -> list:
        """The sort order's expressions (in the active language for the title sort)."""
        return SORTS[self.sort][1]()

    @property
    def projects(self):
        """The selected projects, in the selection's sort order (a lazy queryset)."""
        return self.filterset.qs.order_by(*self.order)

    def ordered_by(self, *order):
        """The selected projects in another order than the visitor's (OC4IDS, feeds)."""
        return self.filterset.qs.order_by(*order)

    @cached_property
    def facets(self) -> Facets:
        """Each facet under the other active filters, and the number of projects."""
        return facets_of(self.filterset)

    def count(self) -> int:
        """The number of selected projects: the facets' total when they were counted."""
        if "facets" in self.__dict__:
            return self.facets.total
        return self.filterset.qs.order_by().count()

    def ordered_ids(self) -> list[int] | None:
        """For a text search, the ids of the whole selection in sort order, or None.

        A broad search matches thousands of rows scattered over the table, which
        PostgreSQL must read to sort them; their order is therefore kept under the
        catalogue version and each page then reads its rows by id. Without a search, the
        sort indexes serve the page directly and None is returned.
        """
        if not self.active.get("q"):
            return None

        def compute():
            ids = list(self.projects.values_list("pk", flat=True)[: RESULT_IDS_LIMIT + 1])
            return ids if len(ids) <= RESULT_IDS_LIMIT else None

        key = sorted((name, str(value)) for name, value in self.active.items())
        return self.filterset.cached("results", (key, self.sort, get_language()), compute)

    def paginator(self, per_page: int) -> Paginator:
        """Pages of the selection, rows with what a list shows (``for_lists``); the page
        of a text search reads its rows by id. Counts with the facets."""
        ids = self.ordered_ids()
        if ids is None:
            rows = self.filterset.qs.for_lists().order_by(*self.order)
            return CountedPaginator(rows, per_page, count=self.facets.total)
        return IdPaginator(ids, per_page, queryset=self.filterset.queryset.for_lists())

    def query_string(self, **changes) -> str:
        """The canonical query string: valid filters and a sort other than the default,
        never the raw one (a value that does not validate is left out)."""
        query = {name: str(value) for name, value in self.active.items()}
        if self.sort != DEFAULT_SORT:
            query["sort"] = self.sort
        query.update(changes)
        return urlencode(query)


class IdPaginator(Paginator):
    """Pages of known ids in order, each page read by id (missing rows skipped)."""

    def __init__(self, ids, per_page, *, queryset, **kwargs):
        super().__init__(ids, per_page, **kwargs)
        self.queryset = queryset

    def _get_page(self, object_list, number, paginator):
        rows = self.queryset.in_bulk(object_list)
        return super()._get_page([rows[pk] for pk in object_list if pk in rows], number, paginator)


def select(query=None, base=None) -> Selection:
    """The catalogue's selection for ``query`` (a ``QueryDict``, a dict or a query
    string) among ``base`` (the public projects by default).

    Filter values that do not validate are ignored (see ``Selection.rejected``).
    """
    if query is None:
        query = QueryDict()
    elif isinstance(query, str):
        query = QueryDict(query)
    elif not isinstance(query, QueryDict):
        params = QueryDict(mutable=True)
        for key, value in query.items():
            params[key] = str(value)
        query = params
    shared = base is None
    return Selection(query, Project.objects.public() if base is None else base, shared=shared)
