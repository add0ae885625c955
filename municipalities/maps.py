"""SVG geometry of Tunisia's governorates, drawn from the shipped GeoJSON.

Nothing is fetched from outside: the shapes come from
``fixtures/territory/tn_governorates.geojson`` (© OpenStreetMap contributors, ODbL),
projected once per process with an equirectangular projection centred on Tunisia.
"""

import json
import math
from dataclasses import dataclass
from functools import cache

from django.conf import settings

GEOJSON = "fixtures/territory/tn_governorates.geojson"
# Map frame in SVG units; the country is about 4.1° wide and 7.3° tall.
WIDTH = 400
MARGIN = 8
CENTRE_LATITUDE = 34.0
X_SCALE = math.cos(math.radians(CENTRE_LATITUDE))


@dataclass(frozen=True)
class Frame:
    west: float
    north: float
    scale: float
    width: int
    height: int

    def project(self, latitude, longitude) -> tuple[float, float]:
        """SVG coordinates of a point given in decimal degrees."""
        x = (float(longitude) - self.west) * X_SCALE * self.scale + MARGIN
        y = (self.north - float(latitude)) * self.scale + MARGIN
        return round(x, 1), round(y, 1)

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _rings(geometry):
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for polygon in polygons:
        yield from polygon


@cache
def _load():
    with (settings.BASE_DIR / GEOJSON).open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    points = [point for f in features for ring in _rings(f["geometry"]) for point in ring]
    west = min(p[0] for p in points)
    east = max(p[0] for p in points)
    south = min(p[1] for p in points)
    north = max(p[1] for p in points)
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * X_SCALE)
    frame = Frame(
        west=west,
        north=north,
        scale=scale,
        width=WIDTH,
        height=math.ceil((north - south) * scale + 2 * MARGIN),
    )
    paths = {}
    rings_by_code = {}
    for feature in features:
        commands = []
        rings_by_code[feature["properties"]["code_ins"]] = [
            [frame.project(lat, lon) for lon, lat in ring] for ring in _rings(feature["geometry"])
        ]
        for ring in _rings(feature["geometry"]):
            # Half-unit precision is finer than a pixel; drop points that then coincide.
            coordinates = []
            for lon, lat in ring:
                x, y = frame.project(lat, lon)
                point = (round(x * 2) / 2, round(y * 2) / 2)
                if not coordinates or coordinates[-1] != point:
                    coordinates.append(point)
            if len(coordinates) > 2:
                commands.append("M" + "L".join(f"{x:g} {y:g}" for x, y in coordinates) + "Z")
        paths[feature["properties"]["code_ins"]] = "".join(commands)
    return frame, paths, rings_by_code


def frame() -> Frame:
    """The projection and size of the map."""
    return _load()[0]


def governorate_paths() -> dict[str, str]:
    """SVG path data of each governorate, keyed by INS code."""
    return _load()[1]


def governorate_rings() -> dict[str, list[list[tuple[float, float]]]]:
    """Each governorate's outline rings as lists of (x, y) map points, keyed by INS code."""
    return _load()[2]
