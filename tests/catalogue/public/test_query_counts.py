"""Queries per public page: the same for 1 and for 20 rows, and an exact, explained count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Project
from catalogue.register.choices import Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def only_test_projects():
    """Start from no public project, so that 1 and 20 are exact."""
    Project.objects.update(status=Status.DRAFT)


def grow(**kwargs):
    ProjectFactory.create_batch(19, published=True, featured=True, **kwargs)


@pytest.mark.parametrize(
    "url",
    [
        "/fr/",
        "/fr/catalogue/",
        "/fr/municipalities/gabes/",
        "/fr/governorates/gabes/",
        "/fr/ministries/finances/",
        "/fr/municipalities/",
    ],
)
def test_a_page_runs_the_same_queries_for_1_and_for_20_projects(client, only_test_projects, url):
    first = ProjectFactory(published=True, featured=True)
    first.ministries.set([1, 2, 3, 4, 5, 6, 7])
    one = count_queries(client, url)
    grow()
    for project in Project.objects.filter(status=Status.PUBLISHED):
        project.ministries.set([1, 2, 3, 4, 5, 6, 7])
    assert count_queries(client, url) == one


def test_the_project_page_does_not_grow_with_related_rows(client, only_test_projects):
    project = ProjectFactory(published=True)
    url = project.get_absolute_url()
    one = count_queries(client, url)
    project.ministries.set([1, 2, 3, 4, 5, 6, 7])
    grow()
    assert count_queries(client, url) == one


def test_home_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(10):
        # The aggregates (cached under the catalogue version when the cache is on):
        # 1: key figures (count, investment, municipalities) in one aggregate
        # 2: caravan stop count
        # 3: public projects per sector
        # 4: public projects per stage
        # 5: public projects per governorate (the map)
        # 6: the ids of the featured projects
        # Then, on every request:
        # 7: the sectors (names of the chart's bars)
        # 8: the featured projects with municipality, governorate and sector
        # 9: latest caravan edition with its stop count
        # 10: the governorates (the map)
        client.get("/fr/")


def test_home_with_the_cache_on_reads_only_small_tables(
    client, settings, django_assert_num_queries
):
    settings.CACHE_PUBLIC_PAGES = True
    client.get("/fr/")
    with django_assert_num_queries(4):  # sectors, featured projects, edition, governorates
        client.get("/fr/", {"utm_source": "newsletter"})  # a new URL: not the page cache


def test_project_page_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(18):
        # 1: the public project with municipality, governorate, sector, stop and edition
        # 2-6: prefetch of dimensions, ministries, images, documents, sources
        # 7-11: prefetch of the pipeline: milestones, funding lines, risks, policy goals,
        #   links to public related projects (with them)
        # 12: its screening outcome (latest decided review: its public summary)
        # 13: its versions (the public change log), with their municipality, sector, stop
        # 14-16: the dimensions, ministries and sources of each version
        # 17: its count of expressions of interest (catalogue/engagement's box)
        # 18: related projects (same municipality or sector)
        # (the location map reads the project's point: no query)
        client.get("/fr/catalogue/GAB-2020-001/")


def test_municipality_page_query_count(client, django_assert_num_queries):
    url = Municipality.objects.get(code="5111").get_absolute_url()
    with django_assert_num_queries(6):
        # 1: the municipality with its governorate
        # 2: its sources (the "Sources" section)
        # 3: its programme status (latest decided municipality review)
        # 4: the number of its public projects
        # 5: its latest public projects
        # 6: the caravan stops held there, with their edition
        client.get(url)


def test_edition_page_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(6):
        # 1: the edition
        # 2: prefetch of its partner ministries
        # 3: prefetch of its sources (the "Sources" section)
        # 4-5: prefetch of the reference experiences shown, then of their municipalities
        # 6: prefetch of its stops with their municipality and governorate
        client.get("/fr/caravan/2/")


def test_methodology_page_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        # 1: the active screening criteria with their weights
        client.get("/fr/methodology/")
