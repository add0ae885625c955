"""Open data endpoints: ETag and Last-Modified from the catalogue version, 304 without a
database query, and CORS for any site's scripts."""

import pytest

from catalogue.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/fr/catalogue/export.csv?governorate=gabes",
    "/ar/catalogue/export.json",
    "/en/catalogue/export.xlsx?format=codes",
    "/fr/catalogue/GAB-2020-001.json",
    "/api/oc4ids/projects.json",
    "/api/oc4ids/projects/GAB-2020-001.json",
    "/api/dcat/catalog.jsonld",
    "/api/dcat/catalog.ttl",
    "/fr/catalogue/feed.atom",
]


def read(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_unchanged_catalogue_answers_304_without_a_database_query(
    client, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    read(first)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    assert first["Access-Control-Allow-Origin"] == "*"
    assert "no-cache" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again["ETag"] == etag
    assert again.content == b""
    with django_assert_num_queries(0):
        since = client.get(url, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304


def test_a_change_to_the_catalogue_gives_a_new_etag_and_the_new_data(client):
    url = "/fr/catalogue/GAB-2020-001.json"
    etag = client.get(url)["ETag"]
    project = Project.objects.get(reference="GAB-2020-001")
    project.title_fr = "Gabès, oasis intelligente (titre revu)"
    project.save()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "titre revu" in response.content.decode()


def test_each_address_and_each_variant_has_its_own_etag(client):
    etags = {client.get(url)["ETag"] for url in ENDPOINTS[:3]}
    assert len(etags) == 3
    labelled = client.get("/fr/catalogue/export.csv")["ETag"]
    assert client.get("/fr/catalogue/export.csv?format=codes")["ETag"] != labelled


def test_an_error_carries_no_validator(client):
    ProjectFactory(reference="DRA-2026-013")
    response = client.get("/fr/catalogue/DRA-2026-013.json")
    assert response.status_code == 404
    assert not response.has_header("ETag") and not response.has_header("Last-Modified")


def test_data_endpoints_answer_get_and_head_only(client):
    assert client.head("/api/oc4ids/projects/GAB-2020-001.json").status_code == 200
    assert client.post("/api/oc4ids/projects/GAB-2020-001.json").status_code == 405
    assert client.delete("/fr/catalogue/GAB-2020-001.json").status_code == 405
