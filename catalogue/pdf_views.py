"""Downloads of PDF project sheets and dossiers. Only public projects ever reach a PDF."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import FileResponse, Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.tasks import TaskResultStatus, default_task_backend
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from caravan.models import Edition
from municipalities.models import Governorate, Municipality

from .filters import ProjectFilterSet
from .models import Project
from .pdf import (
    Dossier,
    Rendered,
    project_sheet,
    render_dossier,
    select_dossier,
    sheets_queryset,
    too_large_message,
)
from .pdf_renderer import RenderTimeout
from .tasks import build_dossier

logger = logging.getLogger(__name__)
TASK_KEY = "dossier-task:{}"


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
        filterset = ProjectFilterSet(QueryDict(query), queryset=Project.objects.public())
        count = filterset.qs.count()
        back = reverse("catalogue:project_list") + (f"?{query}" if query else "")
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
            caches["shared"].set(TASK_KEY.format(dossier.key), str(result.id), 3600)
        status_url = reverse("catalogue:dossier_status", kwargs={"key": dossier.key})
        return HttpResponseRedirect(f"{status_url}?{urlencode({'title': title, 'back': back})}")


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
        if not key.isalnum() or len(key) != 32:
            raise Http404
        title = request.GET.get("title", "")[:200]
        back = request.GET.get("back", "")
        if not back.startswith("/"):
            back = reverse("catalogue:project_list")
        dossier = Dossier(title=title or "catalogue", criteria=[], facts=[], key=key)
        if dossier.is_cached:
            return pdf_response(
                Rendered(name=dossier.name, filename=dossier.filename, created=False)
            )
        task_id = caches["shared"].get(TASK_KEY.format(key))
        if task_id is None:
            raise Http404(_("This dossier is not being prepared; ask for it again."))
        failed = False
        try:
            failed = default_task_backend.get_result(task_id).status == TaskResultStatus.FAILED
        except Exception:  # the backend keeps no results (e.g. in tests): keep waiting
            failed = False
        return render(
            request,
            "catalogue/dossier_status.html",
            {"title": title, "back": back, "failed": failed},
            status=500 if failed else 202,
        )
