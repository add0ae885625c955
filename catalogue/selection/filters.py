"""The public catalogue's filters, each declared once, and its sort orders.

Every filter lives in the query string, so any view of the catalogue can be shared as a
link. A value that does not validate (an unknown slug, ``investment_min=NaN``, a NUL byte)
is ignored and reported back to the page, never an error.

A filter is one ``CatalogueFilter`` in ``FILTERS``: its parameter, label, description, the
project column it matches and how its facet is counted. ``ProjectFilterSet``'s fields,
the facets (``catalogue.selection.facets``), the active filters in words and the table of
parameters on the data page are all derived from that one declaration.
"""

from dataclasses import dataclass
from enum import StrEnum

import django_filters
from django import forms
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from catalogue.caching import versioned, versioned_in_process
from catalogue.models import Project
from catalogue.register.choices import ContractModel, Screening, Stage
from catalogue.register.search import MAX_QUERY_LENGTH, search_terms
from catalogue.selection.vocabulary import Vocabulary

DEFAULT_PER_PAGE = 20
SEARCH_IDS_LIMIT = 500
MAX_PER_PAGE = 100
# The option of the stage and contract filters for projects whose sources state neither.
NOT_STATED = "not_stated"


class Kind(StrEnum):
    """What a filter's value is, hence its form field and how it selects projects."""

    TEXT = "text"  # free text: every word must occur in the project's search text
    KEY = "key"  # a slug or code of reference data (see ``Vocabulary``), matched by id
    CHOICE = "choice"  # a code of a choice column of the project
    AMOUNT = "amount"  # an amount in TND, compared with the filter's lookup
    NUMBER = "number"  # a whole number


class FacetKind(StrEnum):
    """How the number of projects behind each option of a filter is counted."""

    NONE = ""  # no facet
    COLUMN = "column"  # grouped on a column of the project row
    LINK = "link"  # grouped on a many-to-many link table (``field`` is the relation)
    ROLLUP = "rollup"  # summed from the municipality counts, one governorate each


@dataclass(frozen=True)
class CatalogueFilter:
    """One filter of the catalogue, from which everything about it is derived."""

    name: str  # the query-string parameter
    label: Promise
    description: Promise  # what it selects, for the data page
    kind: Kind
    field: str  # the project column (or relation) the value is matched against
    lookup: str = "exact"
    choices: tuple = ()  # CHOICE: (code, label) pairs
    not_stated: bool = False  # CHOICE: ``not_stated`` selects the projects leaving it empty
    facet: FacetKind = FacetKind.NONE
    facet_column: str = ""  # COLUMN, ROLLUP: the project column; LINK: the link's column
    example: str = ""

    def options(self) -> list[tuple[str, str]]:
        """The (code, label) pairs of a choice filter, "not stated" included."""
        extra = [(NOT_STATED, _("Not stated"))] if self.not_stated else []
        return [*self.choices, *extra]

    def django_filter(self) -> django_filters.Filter:
        """The ``ProjectFilterSet`` field of this filter."""
        if self.kind == Kind.TEXT:
            return SearchFilter(label=self.label, field_name=self.name, method="filter_search")
        if self.kind == Kind.KEY:
            return django_filters.ChoiceFilter(
                label=self.label, field_name=self.name, method="filter_key"
            )
        if self.kind == Kind.CHOICE:
            return django_filters.ChoiceFilter(
                label=self.label,
                field_name=self.name,
                choices=self.options(),
                method="filter_choice",
            )
        if self.kind == Kind.AMOUNT:
            return AmountFilter(label=self.label, field_name=self.field, lookup_expr=self.lookup)
        return WholeNumberFilter(label=self.label, field_name=self.field, lookup_expr=self.lookup)

    def show(self, value, vocabulary: Vocabulary) -> str:
        """A valid value of this filter in words, in the active language."""
        if self.kind == Kind.KEY:
            return dict(vocabulary.choices(self.name)).get(value, value)
        if self.kind == Kind.CHOICE:
            return str(dict(self.options()).get(value, value))
        if self.kind == Kind.AMOUNT:
            return "{} {}".format(
                formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True),
                gettext("TND"),
            )
        if self.kind == Kind.TEXT:
            return f"« {value} »"
        return str(value)


FILTERS = (
    CatalogueFilter(
        "q",
        _("Search"),
        _(
            "Words that must all occur in the project's reference, title, summary, "
            "municipality, governorate or sector, in any language; case, accents and "
            "Arabic letter variants are ignored."
        ),
        Kind.TEXT,
        field="search_text",
        example="oasis",
    ),
    CatalogueFilter(
        "governorate",
        _("Governorate"),
        _("The governorate of the project's municipality, by its slug."),
        Kind.KEY,
        field="municipality__governorate_id",
        facet=FacetKind.ROLLUP,
        facet_column="municipality_id",
        example="sfax",
    ),
    CatalogueFilter(
        "municipality",
        _("Municipality"),
        _("The municipality that carries the project, by its slug."),
        Kind.KEY,
        field="municipality_id",
        facet=FacetKind.COLUMN,
        facet_column="municipality_id",
        example="tozeur",
    ),
    CatalogueFilter(
        "sector",
        _("Sector"),
        _("The project's sector, by its code."),
        Kind.KEY,
        field="sector_id",
        facet=FacetKind.COLUMN,
        facet_column="sector_id",
        example="transport.urban",
    ),
    CatalogueFilter(
        "dimension",
        _("Smart-city dimension"),
        _("One of the smart-city dimensions the project serves, by its code."),
        Kind.KEY,
        field="dimensions",
        facet=FacetKind.LINK,
        facet_column="dimension_id",
        example="mobility",
    ),
    CatalogueFilter(
        "stage",
        _("Stage"),
        _("The project's stage, by its code; not_stated for projects whose sources give none."),
        Kind.CHOICE,
        field="stage",
        choices=tuple(Stage.choices),
        not_stated=True,
        facet=FacetKind.COLUMN,
        facet_column="stage",
        example=Stage.PLANNING,
    ),
    CatalogueFilter(
        "contract",
        _("Contract model"),
        _("The contract model, by its code; not_stated for projects whose sources give none."),
        Kind.CHOICE,
        field="contract_model",
        choices=tuple(ContractModel.choices),
        not_stated=True,
        facet=FacetKind.COLUMN,
        facet_column="contract_model",
        example=ContractModel.CONCESSION,
    ),
    CatalogueFilter(
        "screening",
        _("Screening"),
        _("The outcome of the project's eligibility screening, by its code."),
        Kind.CHOICE,
        field="screening",
        choices=tuple(Screening.choices),
        facet=FacetKind.COLUMN,
        facet_column="screening",
        example=Screening.NOT_SCREENED,
    ),
    CatalogueFilter(
        "ministry",
        _("Partner ministry"),
        _("One of the ministries partnering in the project, by its slug."),
        Kind.KEY,
        field="ministries",
        facet=FacetKind.LINK,
        facet_column="ministry_id",
        example="finances",
    ),
    CatalogueFilter(
        "investment_min",
        _("Minimum investment (TND)"),
        _("Projects whose estimated investment is at least this amount, in dinars."),
        Kind.AMOUNT,
        field="investment_tnd",
        lookup="gte",
        example="1000000",
    ),
    CatalogueFilter(
        "investment_max",
        _("Maximum investment (TND)"),
        _("Projects whose estimated investment is at most this amount, in dinars."),
        Kind.AMOUNT,
        field="investment_tnd",
        lookup="lte",
        example="10000000",
    ),
    CatalogueFilter(
        "edition",
        _("Caravan edition"),
        _("Projects presented at a stop of this edition of the caravan, by its number."),
        Kind.NUMBER,
        field="stop__edition__number",
        example="2",
    ),
)
FILTERS_BY_NAME = {spec.name: spec for spec in FILTERS}
FACETED = tuple(spec for spec in FILTERS if spec.facet)


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


class WholeNumberField(forms.IntegerField):
    """A positive whole number of a few digits (an edition's number)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=9999, **kwargs)


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = WholeNumberField


class ProjectFilterSet(django_filters.FilterSet):
    """Filters of the public catalogue (one field per ``FILTERS`` entry); values are slugs
    and codes, never database ids.

    ``shared``: the base queryset is the public catalogue, so that a search's matching ids
    may be kept in the shared cache (see ``catalogue.caching.versioned``).
    """

    class Meta:
        model = Project
        fields = []

    @classmethod
    def get_filters(cls):
        return {spec.name: spec.django_filter() for spec in FILTERS}

    def __init__(self, data=None, queryset=None, *, vocabulary=None, shared=False, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.shared = shared
        self.vocabulary = vocabulary or versioned_in_process("vocabulary", Vocabulary)
        for spec in FILTERS:
            if spec.kind == Kind.KEY:
                choices = self.vocabulary.choices(spec.name)
                self.filters[spec.name].extra["choices"] = choices
                self.form.fields[spec.name].choices = [("", ""), *choices]

    def cached(self, name: str, parts, compute):
        """``compute()``, kept under the catalogue version when the base is the public
        catalogue (another base would need its own key)."""
        return versioned(name, parts, compute) if self.shared else compute()

    def filter_search(self, queryset, name, value):
        """Projects matching the text, searched once for the page and its eight counts.

        The matching ids of a typical search are few: running the text search once and
        passing its ids on spares every other query the text lookups. A very broad search
        keeps the text condition instead.
        """
        if not value:
            return queryset
        if not hasattr(self, "_search_ids"):
            self._search_ids = self.cached(
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

    def filter_choice(self, queryset, name, value):
        """A choice column, where ``NOT_STATED`` selects the projects that leave it empty."""
        if not value:
            return queryset
        spec = FILTERS_BY_NAME[name]
        return queryset.filter(**{spec.field: "" if value == NOT_STATED else value})

    def filter_key(self, queryset, name, value):
        """A reference-data filter: the key's id in the project's column or relation."""
        if not value:
            return queryset
        spec = FILTERS_BY_NAME[name]
        return queryset.filter(**{spec.field: self.vocabulary.id_for(name, value)})

    @property
    def active(self) -> dict:
        """The filters in force: valid, non-empty values only, in ``FILTERS`` order."""
        self.form.is_valid()
        return {
            name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")
        }

    @property
    def rejected(self) -> list[str]:
        """Names of the parameters that were given but did not validate (then ignored)."""
        self.form.is_valid()
        return [name for name in self.form.errors if self.data.get(name) not in (None, "")]

    def describe(self) -> list[tuple[str, str]]:
        """The active filters in words: (filter label, value label), e.g. for a dossier."""
        return [
            (str(FILTERS_BY_NAME[name].label), FILTERS_BY_NAME[name].show(value, self.vocabulary))
            for name, value in self.active.items()
        ]

    def queryset_without(self, excluded: str | None):
        """The projects under every active filter but ``excluded`` (for its facet counts)."""
        queryset = self.queryset.all()
        for name, value in self.active.items():
            if name != excluded:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


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
