"""Public exports of the catalogue: CSV, XLSX and JSON (labelled, or with codes: see
``catalogue/outputs/opendata.py``), each project's JSON record, OC4IDS, and the DCAT
catalogue of the datasets.

Each export takes the catalogue page's query string and reads its projects through the
catalogue's selection (``catalogue.selection.select``): a link from the page
exports exactly what the page lists, in the page's order.
A filter value that does not validate is ignored, as on the page. Each endpoint answers
conditional requests and may be read by any site's scripts (``caching.open_data``).
"""

import json

from django.conf import settings
from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalogue.caching import cache_public_page, open_data
from catalogue.models import Project
from catalogue.outputs.dcat import catalog_graph, turtle
from catalogue.outputs.exports import MAX_XLSX_ROWS, TooManyRows, for_export
from catalogue.outputs.oc4ids import PUBLISHER, package_chunks
from catalogue.outputs.opendata import (
    CODES,
    Selection,
    encode,
    export_response,
    for_public_export,
    project_document,
)
from catalogue.selection import select
from municipalities.models import Governorate


def wants_codes(request) -> bool:
    """``?format=codes``: the codes variant instead of the labelled one."""
    return request.GET.get("format") == CODES


def export_meta(request, *, described=()) -> dict:
    """What a public file says about itself: publisher, address, date, licence, links."""
    return {
        "source": PUBLISHER,
        "url": request.build_absolute_uri(),
        "generated": timezone.now(),
        "license": settings.DATA_LICENCE,
        "methodology": request.build_absolute_uri(reverse("catalogue:methodology")),
        "documentation": request.build_absolute_uri(reverse("catalogue:data_dictionary")),
        "filters": list(described),
    }


@open_data
@require_safe
def project_export(request, format):
    """``/<lang>/catalogue/export.<format>``: the current selection as a file, labelled
    in the page's language, or with codes (``?format=codes``)."""
    if format not in EXPORT_FORMATS:
        raise Http404
    selection = select(request.GET)
    export = Selection(
        selection.projects,
        codes=wants_codes(request),
        absolute=request.build_absolute_uri,
        meta=export_meta(request, described=selection.described),
    )
    try:
        return export_response(export, format, stem="catalogue-ppp")
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


def public_project(reference: str):
    """A public project with what its records show, or 404."""
    return get_object_or_404(Project.objects.public(), reference=reference)


@open_data
@require_safe
def project_json(request, reference):
    """``/<lang>/catalogue/<reference>.json``: one project's record, labelled in the
    page's language, or with codes (``?format=codes``)."""
    project = public_project(reference)
    codes = wants_codes(request)
    queryset = Project.objects.filter(pk=project.pk)
    project = (for_export(queryset) if codes else for_public_export(queryset)).get()
    meta = export_meta(request)
    meta["oc4ids"] = request.build_absolute_uri(
        reverse("oc4ids_project", kwargs={"reference": project.reference})
    )
    document = project_document(
        project, codes=codes, absolute=request.build_absolute_uri, meta=meta
    )
    return HttpResponse(encode(document), content_type="application/json")


@open_data
@require_safe
def oc4ids_projects(request):
    """``/api/oc4ids/projects.json``: the public catalogue (with the catalogue's filters in
    the query string) as an OC4IDS project package."""
    queryset = select(request.GET).ordered_by("reference")
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
    return response


@open_data
@require_safe
def oc4ids_project(request, reference):
    """``/api/oc4ids/projects/<reference>.json``: one public project as an OC4IDS
    project package holding that project only."""
    project = public_project(reference)
    queryset = Project.objects.filter(pk=project.pk)
    chunks = package_chunks(
        queryset,
        uri=request.build_absolute_uri(),
        site_url=request.build_absolute_uri("/"),
        absolute=request.build_absolute_uri,
    )
    return HttpResponse("".join(chunks), content_type="application/json")


EXPORT_FORMATS = ("csv", "xlsx", "json")

# Inside the language prefix, in the catalogue's namespace (see ``with_exports``).
export_patterns = [
    path("export.<str:format>", project_export, name="project_export"),
]


def with_exports(patterns):
    """The catalogue's (patterns, app_name) with the export URLs added, so that they share
    its namespace: ``catalogue:project_export``."""
    urlpatterns, app_name = patterns
    return [*export_patterns, *urlpatterns], app_name


@open_data
@cache_public_page
@require_safe
def dcat_catalog(request, format):
    """``/api/dcat/catalog.jsonld`` and ``/api/dcat/catalog.ttl``."""
    public = Project.objects.public()
    modified = public.aggregate(last=Max("updated_at"))["last"]
    changed = dict(
        public.order_by()
        .values_list("municipality__governorate_id")
        .annotate(last=Max("updated_at"))
    )
    governorates = [
        (governorate, changed[governorate.pk])
        for governorate in Governorate.objects.filter(pk__in=changed).order_by("code_ins")
    ]
    graph = catalog_graph(
        absolute=request.build_absolute_uri, modified=modified, governorates=governorates
    )
    if format == "ttl":
        return HttpResponse(turtle(graph), content_type="text/turtle; charset=utf-8")
    return HttpResponse(
        json.dumps(graph, ensure_ascii=False, indent=1), content_type="application/ld+json"
    )
