from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from . import maps


@require_safe
def tunisia_outline(request):
    """Tunisia's governorates as a plain SVG, the background of the portal's point maps."""
    frame = maps.frame()
    paths = "".join(f'<path d="{d}"/>' for d in maps.governorate_paths().values())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{frame.viewbox}" width="{frame.width}" height="{frame.height}">'
        f'<g fill="#e8ecf0" stroke="#9aa6b2" stroke-width="0.8">{paths}</g></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=86400)
    return response
