"""Downloads of PDF project sheets and dossiers. Only public projects ever reach a PDF."""

import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import TaskResultDoesNotExist
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from caravan.models import Edition
from catalogue.outputs.dossier import Dossier, render_dossier, select_dossier, too_large_message
from catalogue.outputs.pdf import Rendered, project_sheet, sheets_queryset
from catalogue.outputs.pdf_renderer import RenderTimeout
from catalogue.outputs.tasks import build_dossier, unclaimed
from catalogue.selection import Selection, select
from municipalities.models import Governorate, Municipality

logger = logging.getLogger(__name__)
# In the shared cache, a dossier being built: its task's id, and its title and the page
# of its selection, both made by the portal when the task was queued (the status page
# takes nothing from its own URL but the key).
TASK_KEY = "dossier-task:{}"
DOSSIER_KEY = re.compile(r"[0-9a-f]{32}")


def site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def pdf_response(rendered: Rendered) -> FileResponse:
    response = FileResponse(
        rendered.open(),
        as_attachment=True,
        filename=rendered.filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


def selection_url(selection: Selection) -> str:
    """The catalogue page of a selection: its valid filters and sort only, never the raw
    query string (a value that does not validate is left out)."""
    query = selection.query_string()
    url = reverse("catalogue:project_list")
    return f"{url}?{query}" if query else url


def busy_response(request):
    return render(
        request,
        "catalogue/pdf_unavailable.html",
        {"message": _("The document took too long to prepare. Please try again in a moment.")},
        status=503,
    )


class ProjectSheetView(View):
    """``/<lang>/catalogue/<reference>/sheet.pdf``: the project sheet, cached."""

    def get(self, request, reference):
        project = get_object_or_404(sheets_queryset(), reference=reference)
        try:
            return pdf_response(project_sheet(project, site_url(request)))
        except RenderTimeout:
            logger.error("Sheet %s: rendering timed out", reference)
            return busy_response(request)


class DossierView(View):
    """A dossier of the catalogue's selection (same query string as the catalogue)."""

    def selection(self, request, **kwargs) -> tuple[str, str]:
        """The catalogue query string and the dossier's title."""
        query = request.GET.urlencode()
        return query, _("Catalogue of PPP projects: a selection")

    def get(self, request, **kwargs):
        query, title = self.selection(request, **kwargs)
        selection = select(query)
        count = selection.count()
        back = selection_url(selection)
        if count > settings.DOSSIER_MAX_PROJECTS:
            return render(
                request,
                "catalogue/pdf_unavailable.html",
                {"message": too_large_message(count), "back": back},
                status=400,
            )
        if count == 0:
            return render(
                request,
                "catalogue/pdf_unavailable.html",
                {"message": _("No public project matches this selection."), "back": back},
                status=404,
            )
        dossier = select_dossier(query, title=title, site_url=site_url(request))
        if dossier.is_cached or count <= settings.DOSSIER_SYNC_MAX_PROJECTS:
            try:
                return pdf_response(render_dossier(dossier))
            except RenderTimeout:
                logger.error("Dossier %s: rendering timed out", dossier.key)
                return busy_response(request)
        if not caches["shared"].get(TASK_KEY.format(dossier.key)):
            result = build_dossier.enqueue(
                language=get_language(),
                query=query,
                title=title,
                key=dossier.key,
                site_url=site_url(request),
            )
            caches["shared"].set(
                TASK_KEY.format(dossier.key),
                {"task": str(result.id), "title": title, "back": back},
                3600,
            )
        return HttpResponseRedirect(
            reverse("catalogue:dossier_status", kwargs={"key": dossier.key})
        )


class MunicipalityDossierView(DossierView):
    def selection(self, request, slug):
        municipality = get_object_or_404(Municipality, slug=slug)
        return urlencode({"municipality": slug}), _("Municipality of %(name)s") % {
            "name": municipality.name
        }


class GovernorateDossierView(DossierView):
    def selection(self, request, slug):
        governorate = get_object_or_404(Governorate, slug=slug)
        return urlencode({"governorate": slug}), _("Governorate of %(name)s") % {
            "name": governorate.name
        }


class EditionDossierView(DossierView):
    def selection(self, request, number):
        edition = get_object_or_404(Edition, number=number)
        return urlencode({"edition": number}), _("Projects of the caravan: %(edition)s") % {
            "edition": edition
        }


class DossierStatusView(View):
    """Where a visitor waits for a dossier built in the background, then downloads it."""

    def get(self, request, key):
        if not DOSSIER_KEY.fullmatch(key):
            raise Http404
        # Everything shown comes from what was stored when the task was queued: a query
        # string (a title, a link… in a crafted URL) is dropped, not even echoed back.
        if request.META.get("QUERY_STRING"):
            return HttpResponseRedirect(request.path)
        entry = caches["shared"].get(TASK_KEY.format(key))
        if not isinstance(entry, dict):
            entry = {}
        title = entry.get("title", "")
        dossier = Dossier(title=title or "catalogue", criteria=[], facts=[], key=key)
        if dossier.is_cached:
            return pdf_response(
                Rendered(name=dossier.name, filename=dossier.filename, created=False)
            )
        if "task" not in entry:
            raise Http404(_("This dossier is not being prepared; ask for it again."))
        try:
            result = default_task_backend.get_result(entry["task"])
        except (NotImplementedError, TaskResultDoesNotExist):  # no results kept: wait
            result = None
        failed = result is not None and result.status == TaskResultStatus.FAILED
        return render(
            request,
            "catalogue/dossier_status.html",
            {
                "title": title,
                "back": entry.get("back") or reverse("catalogue:project_list"),
                "failed": failed,
                "unclaimed": unclaimed(result),
            },
            status=500 if failed else 202,
        )
