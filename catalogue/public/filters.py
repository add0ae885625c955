"""The public catalogue's filters, sorting and facet counts.

Every filter lives in the query string, so any view of the catalogue can be shared as a
link. A value that does not validate (an unknown slug, ``investment_min=NaN``, a NUL byte)
is ignored and reported back to the page, never an error.
"""

from dataclasses import dataclass, field
from html import escape

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from caravan.models import Dimension, Ministry
from catalogue.models import Project, Sector
from catalogue.public.caching import versioned, versioned_in_process
from catalogue.register.choices import ContractModel, Screening, Stage
from catalogue.register.search import MAX_QUERY_LENGTH, search_terms
from municipalities.models import Governorate, Municipality

DEFAULT_PER_PAGE = 20
SEARCH_IDS_LIMIT = 500
RESULT_IDS_LIMIT = 20_000
MAX_PER_PAGE = 100
# The option of the stage and contract filters for projects whose sources state neither.
NOT_STATED = "not_stated"


def _localized(row: dict, prefix: str = "name") -> str:
    """The row's name in the active language, falling back to French."""
    return row.get(f"{prefix}_{get_language()}") or row[f"{prefix}_fr"]


@dataclass
class Option:
    """One value of a filter, with its label and how many projects it would give."""

    value: str
    label: str
    count: int = 0
    selected: bool = False
    group: str = ""


@dataclass
class Facet:
    """A filter of the catalogue with its options and counts."""

    name: str
    label: str
    options: list[Option] = field(default_factory=list)

    @property
    def selected(self):
        return next((option for option in self.options if option.selected), None)

    def options_html(self) -> str:
        """The ``<option>`` elements of the facet's select, grouped in ``<optgroup>``s
        when its options have groups.

        Built here rather than in a template loop: the municipality facet alone has 350
        options, and a template renders each of them node by node. Every text is escaped.
        """
        grouping = settings.USE_THOUSAND_SEPARATOR
        separator = formats.get_format("THOUSAND_SEPARATOR") if grouping else ""
        parts = []
        group = ""
        for option in self.options:
            if option.group != group:
                if group:
                    parts.append("</optgroup>")
                group = option.group
                if group:
                    parts.append(f'<optgroup label="{escape(group)}">')
            count = f"{option.count:,}".replace(",", separator)
            selected = " selected" if option.selected else ""
            parts.append(
                f'<option value="{escape(option.value)}"{selected}>'
                f"{escape(option.label)} ({escape(count)})</option>"
            )
        if group:
            parts.append("</optgroup>")
        return mark_safe("".join(parts))  # nosec B308 B703: every text is escaped above


class Vocabulary:
    """The values each filter accepts: id, key (slug or code) and names in each language.

    Reference data, read once and kept while the catalogue version is unchanged (see
    ``versioned_in_process``); labels are worked out once per language.
    """

    def __init__(self):
        governorates = list(
            Governorate.objects.order_by("code_ins").values(
                "id", "slug", "name_fr", "name_ar", "name_en"
            )
        )
        governorate_by_id = {row["id"]: row for row in governorates}
        municipalities = list(
            Municipality.objects.order_by("governorate__code_ins", "name_fr").values(
                "id", "slug", "name_fr", "name_ar", "governorate_id"
            )
        )
        for row in municipalities:
            row["governorate"] = governorate_by_id[row["governorate_id"]]
        self.rows = {
            "governorate": [(row["slug"], row) for row in governorates],
            "municipality": [(row["slug"], row) for row in municipalities],
            "sector": [
                (row["code"], row)
                for row in Sector.objects.values("id", "code", "name_fr", "name_ar", "name_en")
            ],
            "dimension": [
                (row["code"], row)
                for row in Dimension.objects.values("id", "code", "name_fr", "name_ar", "name_en")
            ],
            "ministry": [
                (row["slug"], row)
                for row in Ministry.objects.values("id", "slug", "name_fr", "name_ar", "name_en")
            ],
        }
        self.ids = {name: {key: row["id"] for key, row in rows} for name, rows in self.rows.items()}
        self._labels: dict[tuple[str, str], list[tuple[str, str, str, int]]] = {}

    def labels(self, name: str) -> list[tuple[str, str, str, int]]:
        """(key, label, group label, id) of each value of ``name``, in the active language."""
        memo = (name, get_language())
        if memo not in self._labels:
            self._labels[memo] = [
                (
                    key,
                    _localized(row),
                    _localized(row["governorate"]) if "governorate" in row else "",
                    row["id"],
                )
                for key, row in self.rows[name]
            ]
        return self._labels[memo]

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(key, label in the active language) for each value of the filter ``name``."""
        return [(key, label) for key, label, _group, _id in self.labels(name)]

    def id_for(self, name: str, key: str) -> int:
        return self.ids[name][key]


class SearchField(forms.CharField):
    """Free text, without control characters, at most ``MAX_QUERY_LENGTH`` characters."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(c for c in value if c.isprintable())[:MAX_QUERY_LENGTH]


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class AmountField(forms.DecimalField):
    """A non-negative amount in TND; NaN and infinities are refused by DecimalField."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_digits=18, decimal_places=3, **kwargs)


class AmountFilter(django_filters.NumberFilter):
    field_class = AmountField


class ProjectFilterSet(django_filters.FilterSet):
    """Filters of the public catalogue; values are slugs and codes, never database ids."""

    q = SearchFilter(label=_("Search"), method="filter_search")
    governorate = django_filters.ChoiceFilter(label=_("Governorate"), method="filter_by_id")
    municipality = django_filters.ChoiceFilter(label=_("Municipality"), method="filter_by_id")
    sector = django_filters.ChoiceFilter(label=_("Sector"), method="filter_by_id")
    dimension = django_filters.ChoiceFilter(label=_("Smart-city dimension"), method="filter_by_id")
    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[*Stage.choices, (NOT_STATED, _("Not stated"))],
        method="filter_stated",
    )
    contract = django_filters.ChoiceFilter(
        label=_("Contract model"),
        field_name="contract_model",
        choices=[*ContractModel.choices, (NOT_STATED, _("Not stated"))],
        method="filter_stated",
    )
    screening = django_filters.ChoiceFilter(label=_("Screening"), choices=Screening.choices)
    ministry = django_filters.ChoiceFilter(label=_("Partner ministry"), method="filter_by_id")
    investment_min = AmountFilter(
        label=_("Minimum investment (TND)"), field_name="investment_tnd", lookup_expr="gte"
    )
    investment_max = AmountFilter(
        label=_("Maximum investment (TND)"), field_name="investment_tnd", lookup_expr="lte"
    )
    edition = django_filters.NumberFilter(
        label=_("Caravan edition"), field_name="stop__edition__number", min_value=1
    )

    # Filter name → the project column (or relation) holding the option's id.
    ID_COLUMNS = {
        "governorate": "municipality__governorate_id",
        "municipality": "municipality_id",
        "sector": "sector_id",
        "dimension": "dimensions",
        "ministry": "ministries",
    }

    class Meta:
        model = Project
        fields = []

    def __init__(self, data=None, queryset=None, *, vocabulary=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.vocabulary = vocabulary or versioned_in_process("vocabulary", Vocabulary)
        for name in self.ID_COLUMNS:
            self.filters[name].extra["choices"] = self.vocabulary.choices(name)
            self.form.fields[name].choices = [("", "")] + self.vocabulary.choices(name)

    def filter_search(self, queryset, name, value):
        """Projects matching the text, searched once for the page and its eight counts.

        The matching ids of a typical search are few: running the text search once and
        passing its ids on spares every other query the text lookups. A very broad search
        keeps the text condition instead.
        """
        if not value:
            return queryset
        if not hasattr(self, "_search_ids"):
            self._search_ids = versioned(
                "search", search_terms(value), lambda: self._matching_ids(value)
            )
        if self._search_ids is None:
            return queryset.search(value)
        return queryset.filter(pk__in=self._search_ids)

    def _matching_ids(self, value) -> list[int] | None:
        ids = list(
            self.queryset.search(value)
            .order_by()
            .values_list("pk", flat=True)[: SEARCH_IDS_LIMIT + 1]
        )
        return ids if len(ids) <= SEARCH_IDS_LIMIT else None

    def filter_stated(self, queryset, name, value):
        """A choice column (``name``), where ``NOT_STATED`` selects the projects that
        leave it empty."""
        if not value:
            return queryset
        return queryset.filter(**{name: "" if value == NOT_STATED else value})

    def filter_by_id(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(**{self.ID_COLUMNS[name]: self.vocabulary.id_for(name, value)})

    @property
    def active(self) -> dict:
        """The filters in force: valid, non-empty values only."""
        self.form.is_valid()
        return {
            name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")
        }

    @property
    def rejected(self) -> list[str]:
        """Names of the parameters that were given but did not validate (then ignored)."""
        self.form.is_valid()
        return [name for name in self.form.errors if self.data.get(name) not in (None, "")]

    # Many-to-many facets are counted on their link table, for the projects selected by
    # a subquery: PostgreSQL then reads only narrow indexes, never the wide project rows.
    M2M_FACETS = {
        "dimension": ("dimensions", "dimension_id"),
        "ministry": ("ministries", "ministry_id"),
    }
    # Facets counted on a column of the project row. Governorate counts are summed from
    # the municipality counts (a municipality belongs to one governorate), so no join.
    COLUMN_FACETS = {
        "governorate": "municipality_id",
        "municipality": "municipality_id",
        "sector": "sector_id",
        "stage": "stage",
        "contract": "contract_model",
        "screening": "screening",
    }

    def _cache_key(self) -> list:
        return sorted((name, str(value)) for name, value in self.active.items())

    def ordered_ids(self, sort: str) -> list[int] | None:
        """For a text search, the ids of the whole selection in ``sort`` order, or None.

        A broad search matches thousands of rows scattered over the table, which PostgreSQL
        must read to sort them; their order is therefore kept under the catalogue version
        and each page then reads its rows by id. Without a search, the sort indexes serve
        the page directly and None is returned.
        """
        if not self.active.get("q"):
            return None

        def compute():
            ordered = self.qs.order_by(*SORTS[sort][1]())
            ids = list(ordered.values_list("pk", flat=True)[: RESULT_IDS_LIMIT + 1])
            return ids if len(ids) <= RESULT_IDS_LIMIT else None

        return versioned("results", (self._cache_key(), sort, get_language()), compute)

    def counts(self) -> tuple[dict[str, dict], int]:
        """Each facet's counts per option under the other active filters, and the total.

        Facets that are not filtered on share one selection (all the active filters), so
        they are counted together: one grouped query for the columns of the project row
        (``GROUPING SETS`` on PostgreSQL, one scan) and one for the link tables. A facet in
        use is counted on its own selection (the other filters). The result is cached
        under the catalogue version, keyed by the active filters' values.
        """
        active = self.active
        return versioned("facets", self._cache_key(), lambda: self._compute_counts(active))

    def _compute_counts(self, active: dict) -> tuple[dict[str, dict], int]:
        groups: dict[str | None, list[str]] = {}
        for name in FACET_NAMES:
            groups.setdefault(name if name in active else None, []).append(name)
        counts: dict[str, dict] = {}
        total = 0
        for excluded, names in groups.items():
            projects = self.queryset_without(excluded).order_by()
            columns = {self.COLUMN_FACETS[n] for n in names if n in self.COLUMN_FACETS}
            by_column, selection_total = _grouped_counts(projects, sorted(columns))
            if excluded is None:
                total = selection_total
            for name in names:
                if name in self.M2M_FACETS:
                    continue
                column_counts = by_column[self.COLUMN_FACETS[name]]
                if name == "governorate":
                    column_counts = self._governorate_counts(column_counts)
                elif "" in column_counts:  # a choice column left empty: "not stated"
                    column_counts = {**column_counts, NOT_STATED: column_counts[""]}
                counts[name] = column_counts
            m2m = [n for n in names if n in self.M2M_FACETS]
            if m2m:
                counts.update(self._link_counts(projects, m2m))
        if None not in groups:  # every facet is filtered on: count the page's selection
            total = self.queryset_without(None).order_by().count()
        return counts, total

    def _governorate_counts(self, municipality_counts: dict) -> dict:
        governorate_of = {
            row["id"]: row["governorate_id"] for _key, row in self.vocabulary.rows["municipality"]
        }
        counts: dict[int, int] = {}
        for municipality_id, n in municipality_counts.items():
            governorate = governorate_of.get(municipality_id)
            counts[governorate] = counts.get(governorate, 0) + n
        return counts

    def _link_counts(self, projects, names: list[str]) -> dict[str, dict]:
        """Counts of the many-to-many facets ``names`` in one query (UNION ALL)."""
        selected = projects.values("pk")
        parts = []
        for index, name in enumerate(names):
            relation, column = self.M2M_FACETS[name]
            parts.append(
                getattr(Project, relation)
                .through.objects.filter(project_id__in=selected)
                .order_by()
                .values(column)
                .annotate(n=Count("*"), facet=Value(index))
                .values_list("facet", column, "n")
            )
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        counts: dict[str, dict] = {name: {} for name in names}
        for index, value, n in query:
            counts[names[index]][value] = n
        return counts

    def facets(self) -> list[Facet]:
        """Each option's count under the other active filters (see ``counts``)."""
        active = self.active
        counts, self.total = self.counts()
        facets = []
        for name in FACET_NAMES:
            facet_counts = counts[name]
            facet = Facet(name=name, label=self.filters[name].label)
            if name in self.ID_COLUMNS:
                chosen = active.get(name)
                facet.options = [
                    Option(key, label, facet_counts.get(id_, 0), key == chosen, group)
                    for key, label, group, id_ in self.vocabulary.labels(name)
                ]
            else:
                for key, label in self.filters[name].extra["choices"]:
                    facet.options.append(
                        Option(
                            value=key,
                            label=label,
                            count=facet_counts.get(key, 0),
                            selected=active.get(name) == key,
                        )
                    )
            facets.append(facet)
        return facets

    def describe(self) -> list[tuple[str, str]]:
        """The active filters in words: (filter label, value label), e.g. for a dossier."""
        described = []
        for name, value in self.active.items():
            if name in self.ID_COLUMNS:
                shown = dict(self.vocabulary.choices(name)).get(value, value)
            elif name in ("stage", "contract", "screening"):
                shown = str(dict(self.filters[name].extra["choices"]).get(value, value))
            elif name.startswith("investment"):
                shown = "{} {}".format(
                    formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True),
                    gettext("TND"),
                )
            else:
                shown = f"« {value} »" if name == "q" else str(value)
            described.append((str(self.filters[name].label), shown))
        return described

    def queryset_without(self, excluded: str):
        """The projects under every active filter but ``excluded`` (for its facet counts)."""
        queryset = self.queryset.all()
        for name, value in self.active.items():
            if name != excluded:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


def _grouped_counts(projects, columns: list[str]) -> tuple[dict[str, dict], int]:
    """Rows of ``projects`` per value of each of ``columns``, and in all, in one query.

    On PostgreSQL one scan with ``GROUPING SETS``; elsewhere a ``UNION ALL`` of one
    ``GROUP BY`` per column. Column names come from ``COLUMN_FACETS``, never from input.
    """
    connection = connections[projects.db]
    quote = connection.ops.quote_name
    result: dict[str, dict] = {column: {} for column in columns}
    total = 0
    try:
        inner, params = projects.values(*(columns or ["pk"])).query.sql_with_params()
    except EmptyResultSet:  # e.g. a search that matched nothing
        return result, total
    with connection.cursor() as cursor:
        if not columns:
            cursor.execute(f"SELECT COUNT(*) FROM ({inner}) AS selection", params)  # nosec B608
            return result, cursor.fetchone()[0]
        quoted = [quote(column) for column in columns]
        if connection.vendor == "postgresql":
            sets = ", ".join(f"({column})" for column in quoted)
            cursor.execute(
                f"SELECT GROUPING({', '.join(quoted)}), {', '.join(quoted)}, COUNT(*) "  # nosec B608
                f"FROM ({inner}) AS selection GROUP BY GROUPING SETS ({sets}, ())",
                params,
            )
            everything = (1 << len(columns)) - 1  # GROUPING() bit set: column not grouped
            for grouping, *values, n in cursor.fetchall():
                if grouping == everything:
                    total = n
                    continue
                index = next(
                    i for i in range(len(columns)) if not grouping >> (len(columns) - 1 - i) & 1
                )
                result[columns[index]][values[index]] = n
            return result, total
        # Quoted column names from COLUMN_FACETS and Django's own compiled SQL; values
        # stay parameters.
        branch = "SELECT {0}, {1}, COUNT(*) FROM ({2}) AS s{0} GROUP BY {1}"
        branches = [branch.format(index, column, inner) for index, column in enumerate(quoted)]
        branches.append(f"SELECT -1, NULL, COUNT(*) FROM ({inner}) AS s")  # nosec B608
        cursor.execute(" UNION ALL ".join(branches), params * len(branches))  # nosec B608
        for index, value, n in cursor.fetchall():
            if index == -1:
                total = n
            else:
                result[columns[index]][value] = n
    return result, total


FACET_NAMES = (
    "governorate",
    "municipality",
    "sector",
    "dimension",
    "stage",
    "contract",
    "screening",
    "ministry",
)

# The sort orders the catalogue accepts; anything else falls back to the default.
SORTS = {
    "-updated": (_("Recently updated"), lambda: [F("updated_at").desc(), F("id").desc()]),
    "investment": (
        _("Investment, smallest first"),
        lambda: [F("investment_tnd").asc(nulls_last=True), F("id").asc()],
    ),
    "-investment": (
        _("Investment, largest first"),
        lambda: [F("investment_tnd").desc(nulls_last=True), F("id").desc()],
    ),
    "title": (
        _("Title (A to Z)"),
        lambda: [
            Coalesce(NullIf(f"title_{get_language()}", Value("")), "title_fr").asc()
            if get_language() != "fr"
            else F("title_fr").asc(),
            F("id").asc(),
        ],
    ),
}
DEFAULT_SORT = "-updated"


def parse_sort(value) -> str:
    return value if value in SORTS else DEFAULT_SORT


def parse_per_page(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PER_PAGE
    return min(max(number, 1), MAX_PER_PAGE)
