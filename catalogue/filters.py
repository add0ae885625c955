"""The public catalogue's filters, sorting and facet counts.

Every filter lives in the query string, so any view of the catalogue can be shared as a
link. A value that does not validate (an unknown slug, ``investment_min=NaN``, a NUL byte)
is ignored and reported back to the page, never an error.
"""

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from caravan.models import Dimension, Ministry
from municipalities.models import Governorate, Municipality

from .choices import ContractModel, Stage
from .models import Project, Sector
from .search import MAX_QUERY_LENGTH

DEFAULT_PER_PAGE = 20
SEARCH_IDS_LIMIT = 5000
MAX_PER_PAGE = 100


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


class Vocabulary:
    """The values each filter accepts, read once per request: id, key (slug or code), names."""

    def __init__(self):
        governorates = list(
            Governorate.objects.order_by("code_ins").values(
                "id", "slug", "name_fr", "name_ar", "name_en"
            )
        )
        governorate_names = {row["id"]: _localized(row) for row in governorates}
        municipalities = list(
            Municipality.objects.order_by("governorate__code_ins", "name_fr").values(
                "id", "slug", "name_fr", "name_ar", "governorate_id"
            )
        )
        for row in municipalities:
            row["group"] = governorate_names[row["governorate_id"]]
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

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(key, label in the active language) for each value of the filter ``name``."""
        return [(key, _localized(row)) for key, row in self.rows[name]]

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
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices)
    contract = django_filters.ChoiceFilter(
        label=_("Contract model"), field_name="contract_model", choices=ContractModel.choices
    )
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
        self.vocabulary = vocabulary or Vocabulary()
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
            ids = list(
                self.queryset.search(value)
                .order_by()
                .values_list("pk", flat=True)[: SEARCH_IDS_LIMIT + 1]
            )
            self._search_ids = ids if len(ids) <= SEARCH_IDS_LIMIT else None
        if self._search_ids is None:
            return queryset.search(value)
        return queryset.filter(pk__in=self._search_ids)

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

    def _counts(self, name: str) -> dict:
        """Projects per option of the facet ``name``, under the other active filters."""
        projects = self.queryset_without(name).order_by()
        if name in self.M2M_FACETS:
            relation, column = self.M2M_FACETS[name]
            links = getattr(Project, relation).through.objects.filter(
                project_id__in=projects.values("pk")
            )
        else:
            links = projects
            column = self.ID_COLUMNS.get(name) or self.filters[name].field_name
        return dict(links.values_list(column).annotate(n=Count("*")).values_list(column, "n"))

    def describe(self) -> list[tuple[str, str]]:
        """The active filters in words: (filter label, value label), e.g. for a dossier."""
        described = []
        for name, value in self.active.items():
            if name in self.ID_COLUMNS:
                shown = dict(self.vocabulary.choices(name)).get(value, value)
            elif name in ("stage", "contract"):
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

    def facets(self) -> list[Facet]:
        """Each option's count under the other active filters (one query per facet)."""
        active = self.active
        facets = []
        for name in FACET_NAMES:
            counts = self._counts(name)
            facet = Facet(name=name, label=self.filters[name].label)
            if name in self.ID_COLUMNS:
                ids = self.vocabulary.ids[name]
                for key, row in self.vocabulary.rows[name]:
                    facet.options.append(
                        Option(
                            value=key,
                            label=_localized(row),
                            count=counts.get(ids[key], 0),
                            selected=active.get(name) == key,
                            group=row.get("group", ""),
                        )
                    )
            else:
                for key, label in self.filters[name].extra["choices"]:
                    facet.options.append(
                        Option(
                            value=key,
                            label=label,
                            count=counts.get(key, 0),
                            selected=active.get(name) == key,
                        )
                    )
            facets.append(facet)
        return facets


FACET_NAMES = (
    "governorate",
    "municipality",
    "sector",
    "dimension",
    "stage",
    "contract",
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
