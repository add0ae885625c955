"""Site-wide views: health check and error pages in the portal's look."""

import logging

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("smartcities.errors")


@require_safe
def ping(request):
    """The cheapest possible response: the ceiling the benchmarks compare pages with."""
    return HttpResponse("pong", content_type="text/plain")


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def _error(request, status, template):
    return render(request, template, {"request_id": getattr(request, "id", "")}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "errors/403.html")


def csrf_failure(request, reason=""):
    """A refused form (CSRF): the portal's 403 page, without Django's technical reason
    (logged by Django's CSRF middleware, with the request id)."""
    return _error(request, 403, "errors/403_csrf.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "errors/404.html")


def service_unavailable(request, exception=None):
    """The database went away: say so plainly (nothing was saved: the write's transaction
    was rolled back), without technical detail, and ask to try again."""
    response = _error(request, 503, "errors/503.html")
    response["Retry-After"] = "30"
    add_never_cache_headers(response)
    return response


def server_error(request):
    # Django has logged the exception (logger "django.request") with the request; add
    # the id shown to the user, so that support can find the trace.
    logger.error("Server error", extra={"request_id": getattr(request, "id", "")})
    return _error(request, 500, "errors/500.html")


# Paths crawlers should leave alone: the admin, the language switch, and the heavy or
# endless variants of the catalogue (exports, PDF dossiers, and every combination of its
# filters: the sitemap lists every public page, each project included).
ROBOTS_DISALLOW = (
    "/admin/",
    "/i18n/",
    "/*/catalogue/?",
    "/*/catalogue/export.",
    "/*/catalogue/dossier.pdf",
    "/*/catalogue/dossiers/",
    "/*/dossier.pdf",
    "/*/municipalities/?",
)


@require_safe
def robots_txt(request):
    """``/robots.txt``: what crawlers may visit, and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /"]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
