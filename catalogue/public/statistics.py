"""The statistics of a catalogue selection: projects and estimated investment per
governorate, sector, stage, contract model, screening status and year of publication,
and the pipeline's movement (projects entering each stage per quarter).

The number of projects behind each bar of a filter's chart is the catalogue's facet
count (``Selection.facets``), so the page and the catalogue's filter menu agree by
construction: like a facet, the chart of a filter in use is drawn under the *other*
filters, its selected bar marked. Amounts are summed per bar in one grouped query per
chart, whatever the number of projects; numbers (never labels) are kept under the
catalogue version, labels are read in the active language.
"""

from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import ExtractQuarter, ExtractYear, Lag
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalogue.models import Project
from catalogue.register.choices import Stage
from catalogue.selection.filters import FILTERS_BY_NAME, NOT_STATED, Kind

# The charts of filters, in page order: (name of the filter, the column grouped on).
FACET_CHARTS = (
    ("governorate", "municipality__governorate_id"),
    ("sector", "sector_id"),
    ("stage", "stage"),
    ("contract", "contract_model"),
    ("screening", "screening"),
)
YEAR = "year"
MOVEMENT = "movement"
CHART_NAMES = (*(name for name, _column in FACET_CHARTS), YEAR, MOVEMENT)
# Charts whose bars are best read largest first; the others keep their own order.
BY_SIZE = ("governorate", "sector")


@dataclass
class Bar:
    """One bar: a value of the chart, its projects and their stated investment."""

    key: str
    label: str
    count: int
    stated: int = 0  # projects of the bar that state an amount
    amount: Decimal = Decimal(0)
    selected: bool = False


@dataclass
class Chart:
    """Projects and investment per value of one dimension of the selection."""

    name: str
    title: Promise
    dimension: Promise  # the heading of the first column
    bars: list[Bar] = field(default_factory=list)
    filtered: bool = False  # drawn under the other filters (this one is in use)

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    @property
    def stated(self) -> int:
        return sum(bar.stated for bar in self.bars)

    @property
    def amount(self) -> Decimal:
        return sum((bar.amount for bar in self.bars), Decimal(0))

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0)

    def headers(self) -> list[str]:
        return [
            str(self.dimension),
            str(_("Code")),
            str(_("Projects")),
            str(_("Projects stating an amount")),
            str(_("Estimated investment (TND)")),
        ]

    def rows(self) -> list[list]:
        """The table's rows, as the CSV writes them (amounts in whole dinars)."""
        return [[bar.label, bar.key, bar.count, bar.stated, round(bar.amount)] for bar in self.bars]


@dataclass
class Quarter:
    """Projects entering each stage in one quarter."""

    year: int
    number: int
    counts: list[int]  # per stage, in ``Stage`` order

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Movement:
    """The pipeline's movement: projects entering each stage, per quarter."""

    quarters: list[Quarter]
    since: date | None  # the earliest change recorded for the selection
    name: str = MOVEMENT
    title: Promise = _("Projects entering each stage, per quarter")

    @property
    def stages(self) -> list[tuple[str, str]]:
        return list(Stage.choices)

    @property
    def largest(self) -> int:
        return max((quarter.total for quarter in self.quarters), default=0)

    @property
    def total(self) -> int:
        return sum(quarter.total for quarter in self.quarters)

    def headers(self) -> list[str]:
        return [str(_("Quarter")), str(_("Start")), *(str(label) for _v, label in Stage.choices)]

    def rows(self) -> list[list]:
        return [[q.label, q.start.isoformat(), *q.counts] for q in self.quarters]


@dataclass
class Statistics:
    """Every chart of a selection, and the selection's own totals."""

    total: int
    stated: int
    amount: Decimal
    charts: list[Chart]
    movement: Movement

    def chart(self, name: str):
        if name == MOVEMENT:
            return self.movement
        return next(chart for chart in self.charts if chart.name == name)


def statistics_of(selection) -> Statistics:
    """The statistics of ``selection`` (a ``catalogue.selection.Selection``)."""
    filterset = selection.filterset
    facets = selection.facets
    key = sorted((name, str(value)) for name, value in filterset.active.items())
    numbers = filterset.cached("statistics", key, lambda: _numbers(filterset))
    vocabulary = filterset.vocabulary
    charts = []
    for name, _column in FACET_CHARTS:
        spec = FILTERS_BY_NAME[name]
        sums = numbers[name]
        bars = []
        for option in facets[name].options:
            if not (option.count or option.selected):
                continue
            group = vocabulary.id_for(name, option.value) if spec.kind == Kind.KEY else option.value
            _n, stated, amount = sums.get(group, (0, 0, Decimal(0)))
            bars.append(Bar(option.value, option.label, option.count, stated, amount))
            bars[-1].selected = option.selected
        if spec.kind == Kind.KEY and None in sums:
            # No facet option counts the projects without a value (a sector is optional).
            n, stated, amount = sums[None]
            bars.append(Bar(NOT_STATED, str(_("Not stated")), n, stated, amount))
        if name in BY_SIZE:
            bars.sort(key=lambda bar: (bar.key == NOT_STATED, -bar.count))
        charts.append(
            Chart(name, CHART_TITLES[name], spec.label, bars, filtered=name in filterset.active)
        )
    years = [
        Bar(str(year), str(year), n, stated, amount)
        for year, (n, stated, amount) in sorted(numbers[YEAR].items())
    ]
    charts.append(Chart(YEAR, CHART_TITLES[YEAR], _("Year of publication"), years))
    movement = Movement(
        quarters=[
            Quarter(year, number, [counts.get(value, 0) for value in Stage.values])
            for (year, number), counts in sorted(numbers[MOVEMENT].items())
        ],
        since=numbers["since"],
    )
    return Statistics(
        total=facets.total,
        stated=sum(bar.stated for bar in years),
        amount=sum((bar.amount for bar in years), Decimal(0)),
        charts=charts,
        movement=movement,
    )


CHART_TITLES = {
    "governorate": _("Projects and investment by governorate"),
    "sector": _("Projects and investment by sector"),
    "stage": _("Projects and investment by stage"),
    "contract": _("Projects and investment by contract model"),
    "screening": _("Projects and investment by screening status"),
    YEAR: _("Projects and investment by year of publication"),
}


def _numbers(filterset) -> dict:
    """The numbers behind the charts (ids and codes, no labels), a constant number of
    queries: one per chart of a filter, one for the years, one for the movement."""
    active = filterset.active
    numbers: dict = {}
    for name, column in FACET_CHARTS:
        projects = filterset.queryset_without(name if name in active else None).order_by()
        rows = (
            projects.values_list(column)
            .annotate(n=Count("*"), stated=Count("investment_tnd"), amount=Sum("investment_tnd"))
            .values_list(column, "n", "stated", "amount")
        )
        sums = {}
        for group, n, stated, amount in rows:
            if group == "":  # a choice column left empty: the facet's "not stated"
                group = NOT_STATED
            sums[group] = (n, stated, amount or Decimal(0))
        numbers[name] = sums
    projects = filterset.queryset_without(None).order_by()
    numbers[YEAR] = {
        year: (n, stated, amount or Decimal(0))
        for year, n, stated, amount in projects.annotate(year=ExtractYear("published_at"))
        .values_list("year")
        .annotate(n=Count("*"), stated=Count("investment_tnd"), amount=Sum("investment_tnd"))
        .values_list("year", "n", "stated", "amount")
    }
    numbers[MOVEMENT], numbers["since"] = _stage_entries(projects)
    return numbers


def _stage_entries(projects) -> tuple[dict, date | None]:
    """Projects of ``projects`` entering each stage per quarter, from their history.

    A project enters a stage when a saved version of it states that stage and its
    previous version stated another one or none (its first version included). One query:
    the history rows with their previous stage (a window function), counted per quarter.
    """
    history = Project.history.model
    inner = (
        history.objects.filter(id__in=projects.values("pk"))
        .exclude(history_type="-")
        .annotate(
            previous=Window(
                Lag("stage"), partition_by=[F("id")], order_by=[F("history_date"), F("history_id")]
            ),
            year=ExtractYear("history_date"),
            quarter=ExtractQuarter("history_date"),
            day=F("history_date"),
        )
        .order_by()
        .values("stage", "previous", "year", "quarter", "day")
    )
    connection = connections[inner.db]
    quote = connection.ops.quote_name
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # e.g. a search that matched nothing
        return {}, None
    stage, previous, year, quarter, day = (
        quote(name) for name in ("stage", "previous", "year", "quarter", "day")
    )
    # Column names are fixed above; values stay parameters.
    query = (
        f"SELECT {year}, {quarter}, {stage}, COUNT(*), MIN({day}) FROM ({sql}) AS h "  # nosec B608
        f"WHERE {stage} <> '' AND ({previous} IS NULL OR {previous} <> {stage}) "
        f"GROUP BY {year}, {quarter}, {stage}"
    )
    entries: dict[tuple[int, int], dict[str, int]] = {}
    since = None
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for row_year, row_quarter, row_stage, n, first in cursor.fetchall():
            entries.setdefault((int(row_year), int(row_quarter)), {})[row_stage] = n
            first = _as_date(first, connection)
            since = first if since is None else min(since, first)
    return entries, since


def _as_date(value, connection) -> date:
    """A history timestamp read by a raw query as a local date (SQLite gives text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localdate(value)
