import logging
import re
import time
import uuid

from django.db import InterfaceError, OperationalError
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware

logger = logging.getLogger("smartcities.requests")
error_logger = logging.getLogger("smartcities.errors")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer a load balancer's ``GET``/``HEAD /healthz`` before anything else.

    First in MIDDLEWARE, so that a probe sent over plain HTTP to the app server's own
    address gets 200 (or 503 without the database) rather than the HTTPS redirect (301)
    or the refused ``Host`` (400) that every other request gets in production. It answers
    that exact request only, with the health view's check, and adds the security headers
    the middleware it skips would have added.
    """

    def __init__(self, get_response):
        from . import views

        self.get_response = get_response
        self.check = views.healthz
        self.headers = [
            SecurityMiddleware(get_response),
            ContentSecurityPolicyMiddleware(get_response),
            XFrameOptionsMiddleware(get_response),
        ]

    def __call__(self, request):
        if request.path_info != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = self.check(request)
        for middleware in self.headers:
            response = middleware.process_response(request, response)
        return response


class RequestLogMiddleware:
    """Give each request an id (kept from a proxy's X-Request-ID when sane) and log one
    line per request: method, path, status, duration, request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        duration = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request.id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration, 1),
            },
        )
        return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database (connection refused, closed, server gone) answers
    503 with the portal's "temporarily unavailable, nothing was saved" page, rather than
    a 500; the error and its traceback are logged with the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        from .views import service_unavailable

        error_logger.error(
            "The database is unavailable: %s %s",
            request.method,
            request.path,
            exc_info=exception,
            extra={"request_id": getattr(request, "id", ""), "status": 503},
        )
        return service_unavailable(request, exception)
