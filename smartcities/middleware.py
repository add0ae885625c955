import logging
import re
import time
import uuid

logger = logging.getLogger("smartcities.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


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
