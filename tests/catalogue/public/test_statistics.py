"""The statistics page: counts equal to the catalogue's facets for the same query string,
amounts and what each figure covers, a CSV per chart equal to its table, the pipeline's
movement from the project history, and a number of queries that does not grow."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Project, Sector
from catalogue.public.statistics import CHART_NAMES, FACET_CHARTS, statistics_of
from catalogue.register.choices import ContractModel, Screening, Stage, Status
from catalogue.selection import select
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/fr/statistics/"


@pytest.fixture
def only_test_projects():
    """Start from no public project, so that every count is known."""
    Project.objects.update(status=Status.DRAFT)


@pytest.fixture
def projects(only_test_projects):
    """Five public projects in three governorates and a draft that would count if shown."""
    sfax = Municipality.objects.get(code="3411")
    transport = Sector.objects.get(code="transport.urban")
    made = [
        ProjectFactory(
            published=True,
            stage=Stage.PLANNING,
            contract_model=ContractModel.PPP_CONTRACT,
            investment_tnd=Decimal("5000000"),
        ),
        ProjectFactory(
            published=True,
            stage=Stage.PLANNING,
            contract_model=ContractModel.CONCESSION,
            screening=Screening.ELIGIBLE_CONCESSION,
            investment_tnd=Decimal("1200000"),
        ),
        ProjectFactory(
            published=True,
            municipality=sfax,
            sector=transport,
            stage=Stage.PROCUREMENT,
            contract_model=ContractModel.CONCESSION,
            investment_tnd=Decimal("80000000"),
        ),
        ProjectFactory(published=True, municipality=sfax, sector=None, stage=""),
        ProjectFactory(
            published=True,
            municipality=Municipality.objects.get(code="6211"),
            sector=transport,
            stage=Stage.PLANNING,
        ),
    ]
    ProjectFactory(stage=Stage.PLANNING, investment_tnd=Decimal("999"))  # a draft
    return made


SELECTIONS = [
    "",
    "governorate=sfax",
    "sector=transport.urban&stage=planning",
    "stage=not_stated",
    "contract=concession&investment_min=1000000",
    "q=projet&screening=not_screened",
]


@pytest.mark.parametrize("query", SELECTIONS)
def test_each_chart_counts_what_the_catalogue_facet_counts(projects, query):
    selection = select(query)
    statistics = statistics_of(selection)
    facets = select(query).facets  # counted again, on a fresh selection
    assert statistics.total == facets.total
    for name, _column in FACET_CHARTS:
        chart = statistics.chart(name)
        counted = {option.value: option.count for option in facets[name].options if option.count}
        shown = {bar.key: bar.count for bar in chart.bars if bar.key != "not_stated" or bar.count}
        if name == "sector":  # the facet has no option for projects without a sector
            shown.pop("not_stated", None)
        assert shown == counted, name


@pytest.mark.parametrize("query", SELECTIONS)
def test_the_charts_add_up_to_the_projects_they_cover(projects, query):
    selection = select(query)
    statistics = statistics_of(selection)
    for name, _column in FACET_CHARTS:
        without = {k: v for k, v in selection.active.items() if k != name}
        assert statistics.chart(name).total == select(without).count(), name
    assert statistics.chart("year").total == statistics.total == selection.count()


def test_amounts_and_what_they_cover(projects):
    statistics = statistics_of(select(""))
    assert (statistics.total, statistics.stated, statistics.amount) == (5, 3, Decimal(86200000))
    stage = {bar.key: bar for bar in statistics.chart("stage").bars}
    assert (stage["planning"].count, stage["planning"].stated) == (3, 2)
    assert stage["planning"].amount == Decimal(6200000)
    assert (stage["not_stated"].count, stage["not_stated"].stated) == (1, 0)
    governorate = statistics.chart("governorate")
    assert [bar.count for bar in governorate.bars] == [2, 2, 1]  # largest first
    assert {bar.key: bar.count for bar in governorate.bars}["sfax"] == 2
    sector = {bar.key: bar for bar in statistics.chart("sector").bars}
    assert sector["not_stated"].count == 1
    year = statistics.chart("year")
    assert [bar.key for bar in year.bars] == [str(timezone.localdate().year)]


def test_the_page_says_what_each_figure_covers(client, projects):
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "3 sur 5 projets" in text or "3 of 5 projects" in text
    assert text.count('role="img"') == len(CHART_NAMES)
    assert "<title" in text and "<table" in text


def test_a_filter_in_use_is_marked_in_its_chart(client, projects):
    response = client.get(URL + "?governorate=sfax")
    assert response.status_code == 200
    governorate = response.context["statistics"].chart("governorate")
    assert governorate.filtered
    assert [bar.key for bar in governorate.bars if bar.selected] == ["sfax"]
    assert response.context["statistics"].total == 2


@pytest.mark.parametrize("name", CHART_NAMES)
def test_the_csv_of_a_chart_is_its_table(client, projects, name):
    query = "?contract=concession"
    response = client.get(f"/en/statistics/{name}.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    page = client.get(f"/en/statistics/{query}")
    shown = page.context["statistics"].chart(name)
    assert rows[0] == shown.headers()
    assert rows[1:] == [[str(cell) for cell in row] for row in shown.rows()]


def test_the_csv_headers_are_in_the_page_language(client, projects):
    french = client.get("/fr/statistics/stage.csv").content.decode("utf-8-sig")
    english = client.get("/en/statistics/stage.csv").content.decode("utf-8-sig")
    assert english.startswith("Stage,Code,Projects")
    assert french.splitlines()[0] != english.splitlines()[0] or "Stage" not in french


def test_an_unknown_chart_is_not_found(client):
    assert client.get("/fr/statistics/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    "query", ["governorate=nowhere", "investment_min=NaN", "q=%00", "stage=x&sort=zzz"]
)
def test_bad_filters_are_ignored_never_an_error(client, projects, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.context["rejected"] or "q=" in query


def test_the_movement_counts_stage_entries_from_the_history(projects):
    project = projects[0]
    project.stage = Stage.PROCUREMENT
    project.save()
    project.stage = Stage.PROCUREMENT  # saved again unchanged: no new entry
    project.save()
    movement = statistics_of(select("")).movement
    today = timezone.localdate()
    quarter = next(q for q in movement.quarters if q.year == today.year)
    by_stage = dict(zip(Stage.values, quarter.counts, strict=True))
    # Created: three projects at planning, one at procurement (a fourth has no stage,
    # the draft is not public); then the first moved to procurement.
    assert by_stage["planning"] == 3
    assert by_stage["procurement"] == 2
    assert movement.since == today


def test_the_page_links_back_to_the_catalogue_with_the_same_filters(client, projects):
    text = client.get(URL + "?stage=planning").content.decode()
    assert 'href="/fr/catalogue/?stage=planning"' in text
    assert 'href="/fr/statistics/stage.csv?stage=planning"' in text


def test_the_page_reads_in_arabic_and_english(client, projects):
    for language in ("ar", "en"):
        response = client.get(f"/{language}/statistics/")
        assert response.status_code == 200
    arabic = client.get("/ar/statistics/").content.decode()
    assert 'direction="rtl"' in arabic


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?governorate=sfax&stage=planning"])
def test_the_page_runs_the_same_queries_for_5_and_for_50_projects(client, projects, query):
    five = count_queries(client, URL + query)
    for index in range(45):
        ProjectFactory(
            published=True,
            municipality=Municipality.objects.get(code="3411"),
            stage=Stage.values[index % len(Stage.values)],
            investment_tnd=Decimal(index * 1000) or None,
        )
    assert count_queries(client, URL + query) == five


def test_statistics_query_count(client, projects, django_assert_num_queries):
    with django_assert_num_queries(14):
        # 1-5: the filters' vocabulary (governorates, municipalities, sectors, dimensions,
        #      ministries), kept in memory when the cache is on
        # 6: the facet counts of the project columns (one grouped query)
        # 7: the facet counts of the link tables (dimensions, ministries)
        # 8-12: projects, projects stating an amount and amounts per governorate, sector,
        #       stage, contract model and screening status
        # 13: the same per year of publication
        # 14: stage entries per quarter, from the project history
        client.get(URL)


def test_with_the_cache_on_a_second_visit_reads_nothing(
    client, projects, settings, django_assert_num_queries
):
    settings.CACHE_PUBLIC_PAGES = True
    client.get(URL + "?stage=planning")
    with django_assert_num_queries(0):
        client.get("/en/statistics/?stage=planning")  # other language: numbers are shared
