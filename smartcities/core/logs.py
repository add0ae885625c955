"""Structured logs: one JSON object per line, ready for a log collector."""

import json
import logging
from datetime import UTC, datetime

# LogRecord attributes that are not worth repeating in every line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as JSON: time, level, logger, message, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Copy the request id (``request.id``, set by ``RequestLogMiddleware``) onto records
    that carry the request, such as Django's ``django.request`` record holding a server
    error's traceback, so that the trace can be found from the id the user was shown."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = getattr(getattr(record, "request", None), "id", None)
            if request_id:
                record.request_id = request_id
        return True


class SuspiciousRequestFilter(logging.Filter):
    """A request Django refused as suspicious and answered with a 400 (a ``Host`` header
    not allowed, too many fields, a path out of a folder…: its ``django.security.*``
    loggers) is the client's error, not the server's: log it as one warning line, without
    the traceback that would read like a server error (and that a scanner repeats by the
    thousand)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and getattr(record, "status_code", None) == 400:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True
