"""Public exports of the catalogue: CSV, XLSX and JSON in the import's columns, and OC4IDS.

Each export takes the catalogue page's query string (``ProjectFilterSet`` on
``Project.objects.public()``): a link from the page exports exactly what the page lists.
A filter value that does not validate is ignored, as on the page.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .exports import MAX_XLSX_ROWS, TooManyRows, project_export_response
from .filters import SORTS, ProjectFilterSet, parse_sort
from .models import Project
from .oc4ids import PUBLISHER, package_chunks


def public_selection(request, *, order=None):
    """The public projects under the request's catalogue filters, in the page's order."""
    filterset = ProjectFilterSet(request.GET, queryset=Project.objects.public())
    ordering = order or SORTS[parse_sort(request.GET.get("sort"))][1]()
    return filterset.qs.order_by(*ordering)


@require_GET
def project_export(request, format):
    """``/<lang>/catalogue/export.<format>``: the current selection as a file."""
    queryset = public_selection(request)
    meta = {
        "source": PUBLISHER,
        "url": request.build_absolute_uri(),
        "generated": timezone.now(),
        "license": settings.DATA_LICENCE,
        "methodology": request.build_absolute_uri(reverse("catalogue:methodology")),
        "documentation": "docs/import-columns.md",
    }
    try:
        return project_export_response(queryset, format, stem="catalogue-ppp", meta=meta)
    except TooManyRows:
        csv_url = reverse("catalogue:project_export", kwargs={"format": "csv"})
        query = request.GET.urlencode()
        return HttpResponse(
            _(
                "An Excel file holds at most %(max)s projects, and this selection has more. "
                "Narrow the filters, or download it as CSV: %(url)s"
            )
            % {"max": MAX_XLSX_ROWS, "url": f"{csv_url}?{query}" if query else csv_url},
            status=400,
            content_type="text/plain; charset=utf-8",
        )


@require_GET
def oc4ids_projects(request):
    """``/api/oc4ids/projects.json``: the public catalogue (with the catalogue's filters in
    the query string) as an OC4IDS project package."""
    queryset = public_selection(request, order=["reference"])
    if not queryset.exists():
        # The schema requires at least one project in a package.
        return JsonResponse({"error": _("No public project matches these filters.")}, status=404)
    site_url = request.build_absolute_uri("/")
    response = StreamingHttpResponse(
        package_chunks(
            queryset,
            uri=request.build_absolute_uri(),
            site_url=site_url,
            absolute=request.build_absolute_uri,
        ),
        content_type="application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data, read by other sites' scripts
    return response


# Inside the language prefix, in the catalogue's namespace (see ``with_exports``).
export_patterns = [
    path("export.<str:format>", project_export, name="project_export"),
]


def with_exports(patterns):
    """The catalogue's (patterns, app_name) with the export URLs added, so that they share
    its namespace: ``catalogue:project_export``."""
    urlpatterns, app_name = patterns
    return [*export_patterns, *urlpatterns], app_name
