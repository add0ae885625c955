"""The DCAT description of the catalogue: the same graph in JSON-LD and Turtle, with the
properties DCAT-AP requires, read back with rdflib."""

import json

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib import namespace as ns

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# The closed namespaces (DCAT…) are read through ``ns``: one held by a module-level
# name warns when pytest inspects the module.
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")


def graph(client, extension: str, rdf_format: str) -> Graph:
    response = client.get(f"/api/dcat/catalog.{extension}")
    assert response.status_code == 200
    parsed = Graph()
    parsed.parse(data=response.content.decode(), format=rdf_format)
    return parsed


@pytest.fixture
def graphs(client):
    ProjectFactory(published=True)
    return {
        "jsonld": graph(client, "jsonld", "json-ld"),
        "ttl": graph(client, "ttl", "turtle"),
    }


def test_both_serialisations_hold_the_same_graph(graphs):
    assert graphs["jsonld"].isomorphic(graphs["ttl"])
    assert len(graphs["ttl"]) > 50


@pytest.mark.parametrize("serialisation", ["jsonld", "ttl"])
def test_the_catalogue_has_what_dcat_ap_requires(graphs, serialisation):
    g = graphs[serialisation]
    (catalog,) = g.subjects(RDF.type, ns.DCAT.Catalog)
    assert {t.language for t in g.objects(catalog, ns.DCTERMS.title)} == {"fr", "ar", "en"}
    assert g.value(catalog, ns.DCTERMS.description)
    publisher = g.value(catalog, ns.DCTERMS.publisher)
    assert g.value(publisher, ns.FOAF.name)
    assert g.value(catalog, ns.DCTERMS.modified) is not None
    datasets = list(g.objects(catalog, ns.DCAT.dataset))
    assert datasets
    for dataset in datasets:
        assert (dataset, RDF.type, ns.DCAT.Dataset) in g
        assert g.value(dataset, ns.DCTERMS.title)
        assert g.value(dataset, ns.DCTERMS.description)
        assert g.value(g.value(dataset, ns.DCAT.contactPoint), VCARD.fn)
        distributions = list(g.objects(dataset, ns.DCAT.distribution))
        assert len(distributions) >= 8
        for distribution in distributions:
            assert (distribution, RDF.type, ns.DCAT.Distribution) in g
            assert str(g.value(distribution, ns.DCAT.accessURL)).startswith("http://testserver/")
            assert g.value(distribution, ns.DCTERMS.license) == URIRef(
                "https://creativecommons.org/licenses/by/4.0/"
            )
            assert g.value(distribution, ns.DCTERMS.format) is not None
            assert g.value(distribution, ns.DCAT.mediaType) is not None


def test_the_distributions_are_the_public_files_and_they_answer(client, graphs):
    g = graphs["ttl"]
    urls = {str(url) for url in g.objects(None, ns.DCAT.downloadURL)}
    assert "http://testserver/ar/catalogue/export.csv" in urls
    assert "http://testserver/fr/catalogue/export.csv?format=codes" in urls
    assert "http://testserver/api/oc4ids/projects.json" in urls
    assert "http://testserver/en/catalogue/export.xlsx" in urls
    for url in urls:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url


def test_the_catalogue_pages_link_the_dcat_description(client):
    html = client.get("/fr/catalogue/").text
    assert 'href="/api/dcat/catalog.jsonld"' in html
    assert 'href="/api/dcat/catalog.ttl"' in client.get("/en/data/").text


def test_each_governorate_with_public_projects_is_a_dataset_of_its_own(client, graphs):
    from catalogue.models import Project

    g = graphs["ttl"]
    (catalog,) = g.subjects(RDF.type, ns.DCAT.Catalog)
    datasets = list(g.objects(catalog, ns.DCAT.dataset))
    governorates = set(
        Project.objects.public().values_list("municipality__governorate__slug", flat=True)
    )
    assert len(datasets) == 1 + len(governorates)
    tozeur = next(d for d in datasets if str(d).endswith("?governorate=tozeur#dataset"))
    assert any("Tozeur" in str(t) for t in g.objects(tozeur, ns.DCTERMS.title))
    assert g.value(tozeur, ns.DCTERMS.modified) is not None
    urls = [
        str(u)
        for d in g.objects(tozeur, ns.DCAT.distribution)
        for u in g.objects(d, ns.DCAT.downloadURL)
    ]
    assert "http://testserver/api/oc4ids/projects.json?governorate=tozeur" in urls
    assert "http://testserver/fr/catalogue/export.csv?format=codes&governorate=tozeur" in urls
    for url in urls:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
    exported = client.get("/fr/catalogue/export.json?format=codes&governorate=tozeur")
    rows = json.loads(b"".join(exported.streaming_content))["projects"]
    assert {row["reference"] for row in rows} == set(
        Project.objects.public()
        .filter(municipality__governorate__slug="tozeur")
        .values_list("reference", flat=True)
    )
