"""The map of Tunisia drawn from the shipped GeoJSON, and its SVG at /maps/tunisia.svg."""

from xml.etree import ElementTree

import pytest

from municipalities import maps
from municipalities.models import Governorate, Municipality

SVG = "{http://www.w3.org/2000/svg}"


def inside(point, ring) -> bool:
    """Whether ``point`` lies inside the polygon ``ring`` (ray casting)."""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def test_the_frame_keeps_the_country_upright_and_in_proportion():
    frame = maps.frame()
    assert frame.width == maps.WIDTH
    assert 1.6 < frame.height / frame.width < 2.2  # Tunisia is about twice as tall as wide
    assert frame.viewbox == f"0 0 {frame.width} {frame.height}"
    # North is up and east is right.
    bizerte = frame.project(37.27, 9.87)
    gabes = frame.project(33.88, 10.10)
    tabarka = frame.project(36.95, 8.76)
    assert bizerte[1] < gabes[1]
    assert tabarka[0] < bizerte[0]


@pytest.mark.django_db
def test_there_is_one_outline_per_governorate():
    codes = set(Governorate.objects.values_list("code_ins", flat=True))
    assert set(maps.governorate_paths()) == codes
    assert set(maps.governorate_rings()) == codes
    for path in maps.governorate_paths().values():
        assert path.startswith("M") and path.endswith("Z")


@pytest.mark.django_db
def test_each_municipality_lies_in_its_governorate_outline_and_inside_the_frame():
    frame = maps.frame()
    rings = maps.governorate_rings()
    outside = []
    for code, lat, lon, gov in Municipality.objects.values_list(
        "code", "latitude", "longitude", "governorate__code_ins"
    ):
        x, y = frame.project(lat, lon)
        assert 0 <= x <= frame.width and 0 <= y <= frame.height, code
        if not any(inside((x, y), ring) for ring in rings[gov]):
            outside.append(code)
    assert outside == []


def test_the_svg_is_served_with_a_day_of_public_caching(client):
    response = client.get("/maps/tunisia.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == maps.frame().viewbox
    assert len(root.findall(f"{SVG}g/{SVG}path")) == 24
    assert b"http" not in response.content.replace(b"http://www.w3.org/2000/svg", b"")


def test_the_svg_answers_head_and_refuses_writes(client):
    assert client.head("/maps/tunisia.svg").status_code == 200
    assert client.post("/maps/tunisia.svg").status_code == 405
