"""Maps of the public portal: governorates shaded by published projects, and point maps."""

import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from municipalities import maps as geometry

LEVELS = 4  # shades for governorates with projects; level 0 is "none"


@dataclass
class Region:
    code: str
    name: str
    path: str
    count: int
    level: int
    href: str


@dataclass
class Marker:
    x: float
    y: float
    label: str
    href: str = ""
    number: int | None = None


@dataclass
class Map:
    viewbox: str
    width: int
    height: int
    regions: list[Region] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)

    @property
    def route(self) -> str:
        """SVG points of a line through the markers, in order (for a tour)."""
        return " ".join(f"{m.x},{m.y}" for m in self.markers)


def _breaks(maximum: int) -> list[int]:
    """Upper bounds of the shade levels, evenly spread between 1 and ``maximum``."""
    if maximum <= 0:
        return []
    step = maximum / LEVELS
    bounds = sorted({max(1, math.ceil(step * level)) for level in range(1, LEVELS + 1)})
    return bounds


def governorate_map(governorates, counts: dict[int, int]) -> Map:
    """Tunisia's governorates shaded by ``counts`` (governorate id → published projects).

    Each governorate links to the catalogue filtered on it.
    """
    frame = geometry.frame()
    paths = geometry.governorate_paths()
    bounds = _breaks(max(counts.values(), default=0))
    catalogue = reverse("catalogue:project_list")
    result = Map(viewbox=frame.viewbox, width=frame.width, height=frame.height)
    for governorate in governorates:
        count = counts.get(governorate.id, 0)
        level = next((i + 1 for i, bound in enumerate(bounds) if count <= bound), 0) if count else 0
        result.regions.append(
            Region(
                code=governorate.code_ins,
                name=governorate.name,
                path=paths.get(governorate.code_ins, ""),
                count=count,
                level=level,
                href=f"{catalogue}?{urlencode({'governorate': governorate.slug})}",
            )
        )
    result.legend = [(0, _("No published project"))]
    low = 1
    for level, bound in enumerate(bounds, start=1):
        if bound == low:
            label = ngettext("%(count)s project", "%(count)s projects", bound) % {"count": bound}
        else:
            label = _("%(low)s to %(high)s projects") % {"low": low, "high": bound}
        result.legend.append((level, label))
        low = bound + 1
    return result


def point_map(points) -> Map:
    """An outline map with markers: ``points`` are (latitude, longitude, label, href)."""
    frame = geometry.frame()
    result = Map(viewbox=frame.viewbox, width=frame.width, height=frame.height)
    for number, (latitude, longitude, label, href) in enumerate(points, start=1):
        if latitude is None or longitude is None:
            continue
        x, y = frame.project(latitude, longitude)
        result.markers.append(Marker(x=x, y=y, label=label, href=href, number=number))
    return result
