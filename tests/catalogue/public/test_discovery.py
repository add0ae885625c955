"""How the catalogue is found and followed: sitemap, robots.txt, JSON-LD and Atom feeds."""

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from catalogue.models import Project
from catalogue.register.choices import Stage
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMAS = Path(__file__).resolve().parents[3] / "fixtures" / "sitemaps"


def xml(response):
    assert response.status_code == 200, response.status_code
    return ElementTree.fromstring(response.content)


def test_the_sitemap_index_lists_its_sections(client):
    index = xml(client.get("/sitemap.xml"))
    locations = {element.text for element in index.iter(f"{SITEMAP}loc")}
    for section in ("pages", "projects", "municipalities", "governorates", "caravan"):
        assert f"http://testserver/sitemap-{section}.xml" in locations


def test_the_project_sitemap_lists_public_projects_in_each_language_with_alternates(client):
    ProjectFactory(reference="DRA-2026-011")
    urlset = xml(client.get("/sitemap-projects.xml"))
    urls = urlset.findall(f"{SITEMAP}url")
    locations = [url.find(f"{SITEMAP}loc").text for url in urls]
    public = Project.objects.public().values_list("reference", flat=True)
    assert len(locations) == 3 * len(public)
    for reference in public:
        for language in ("fr", "ar", "en"):
            assert f"http://testserver/{language}/catalogue/{reference}/" in locations
    assert not [loc for loc in locations if "DRA-2026-011" in loc]
    first = urls[0]
    assert first.find(f"{SITEMAP}lastmod") is not None
    alternates = {link.get("hreflang"): link.get("href") for link in first.findall(f"{XHTML}link")}
    assert set(alternates) == {"fr", "ar", "en", "x-default"}
    # x-default: the address without a language, which sends each reader to theirs.
    response = client.get(alternates["x-default"].removeprefix("http://testserver"))
    assert response.status_code == 302
    assert re.match(r"^/(fr|ar|en)/catalogue/", response["Location"])


def test_the_pages_sitemap_holds_the_methodology_and_the_data_dictionary(client):
    urlset = xml(client.get("/sitemap-pages.xml"))
    locations = {element.text for element in urlset.iter(f"{SITEMAP}loc")}
    assert "http://testserver/ar/methodology/" in locations
    assert "http://testserver/en/data/" in locations


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_heavy_paths(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /*/catalogue/export." in lines
    assert "Disallow: /*/catalogue/dossier.pdf" in lines


def json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def test_a_project_page_describes_itself_in_json_ld(client):
    ProjectFactory(
        reference="JLD-2026-001",
        published=True,
        title_fr="Éclairage </script><script>alert(1)</script>",
        stage=Stage.PLANNING,
    )
    html = client.get("/fr/catalogue/JLD-2026-001/").text
    assert "</script><script>alert(1)" not in html  # the data cannot close its element
    data = json_ld(html)
    assert data["@type"] == "Dataset"
    assert data["name"] == "Éclairage </script><script>alert(1)</script>"
    assert data["identifier"] == "JLD-2026-001"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["spatialCoverage"]["geo"]["latitude"]
    urls = {d["contentUrl"] for d in data["distribution"]}
    assert "http://testserver/fr/catalogue/JLD-2026-001.json" in urls
    assert "http://testserver/api/oc4ids/projects/JLD-2026-001.json" in urls


def test_the_catalogue_page_describes_the_dataset_in_json_ld(client):
    data = json_ld(client.get("/ar/catalogue/").text)
    assert data["@type"] == "Dataset"
    assert data["inLanguage"] == "ar"
    formats = {d["encodingFormat"] for d in data["distribution"]}
    assert {"text/csv", "application/json"} <= formats


def test_json_ld_is_a_data_block_the_content_security_policy_does_not_need_to_allow(client):
    """The policy stays without 'unsafe-inline', nonce or hash: a script element whose type
    is not JavaScript is never run, and browsers do not check it against script-src."""
    response = client.get("/fr/catalogue/GAB-2020-001/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert scripts == [' type="application/ld+json"']


def test_the_atom_feed_lists_public_projects_of_the_selection_latest_first(client):
    ProjectFactory(reference="FED-2026-001", published=True, title_fr="Premier")
    ProjectFactory(
        reference="FED-2026-002",
        published=True,
        title_fr="Second à Tozeur",
        municipality=Municipality.objects.get(slug="tozeur"),
    )
    ProjectFactory(reference="DRA-2026-012")
    response = client.get("/fr/catalogue/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = xml(response)
    entries = feed.findall(f"{ATOM}entry")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links[0] == "http://testserver/fr/catalogue/FED-2026-002/"
    assert "http://testserver/fr/catalogue/FED-2026-001/" in links
    assert not [link for link in links if "DRA-2026-012" in link]
    assert "CC BY 4.0" in feed.find(f"{ATOM}rights").text
    assert feed.find(f"{ATOM}updated") is not None

    tozeur = xml(client.get("/en/catalogue/feed.atom", {"municipality": "tozeur"}))
    links = [entry.find(f"{ATOM}link").get("href") for entry in tozeur.findall(f"{ATOM}entry")]
    assert links == ["http://testserver/en/catalogue/FED-2026-002/"]
    assert "Tozeur" in tozeur.find(f"{ATOM}title").text
    # A value the catalogue ignores is ignored here too.
    assert client.get("/fr/catalogue/feed.atom", {"investment_min": "NaN"}).status_code == 200


def test_pages_announce_their_feed(client):
    feed = '<link rel="alternate" type="application/atom+xml" href="/fr/catalogue/feed.atom'
    assert feed + '"' in client.get("/fr/").text
    assert feed + '?stage=planning"' in client.get("/fr/catalogue/?stage=planning").text
    assert feed + '?municipality=gabes"' in client.get("/fr/municipalities/gabes/").text
    assert feed + '?governorate=sfax"' in client.get("/fr/governorates/sfax/").text


@pytest.fixture(scope="module")
def sitemap_schema():
    """The sitemap protocol's structure (fixtures/sitemaps/, with the hreflang links)."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMAS / "sitemap.xsd"))


def test_the_sitemap_index_and_every_section_are_valid_against_the_sitemap_schema(
    client, sitemap_schema
):
    ProjectFactory(published=True, stage=Stage.PLANNING)
    index = client.get("/sitemap.xml")
    sitemap_schema.validate(index.content.decode())
    sections = [element.text for element in xml(index).iter(f"{SITEMAP}loc")]
    assert len(sections) >= 6
    for section in sections:
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200, section
        sitemap_schema.validate(response.content.decode())


def test_the_schema_refuses_what_a_sitemap_must_not_hold(sitemap_schema):
    head = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" ' + (
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">'
    )
    good = (
        head + "<url><loc>https://example.tn/fr/</loc><lastmod>2026-12-03</lastmod></url></urlset>"
    )
    sitemap_schema.validate(good)
    for bad in (
        head + "<url><loc>/fr/relative/</loc></url></urlset>",
        head + "<url><loc>https://example.tn/</loc><lastmod>03/12/2026</lastmod></url></urlset>",
        head
        + '<url><loc>https://example.tn/</loc><xhtml:link rel="alternate" href="https://example.tn/ar/"/></url></urlset>',
    ):
        assert not sitemap_schema.is_valid(bad), bad
