"""Defences of the public forms, with no outside service: a hidden field that people
leave empty, a minimum time to fill the form, counters per address and per IP, and
refusal of text that could forge an e-mail header or reorder what staff read.

The counters live in the cache that every process shares (``ENGAGEMENT_RATE_CACHE``,
"shared" by default: Redis when ``REDIS_URL`` is set, else files under var/).
"""

import hashlib
import re
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
# can make a name or a message read differently from what it holds. The plain marks
# (U+200E, U+200F) that Arabic text legitimately uses are allowed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Control characters: in a one-line field, a line break could forge an e-mail header.
LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r

TIMING_SALT = "engagement.form-started"


def check_one_line(value: str) -> None:
    """Refuse a one-line value with a line break, a control or a bidi control character."""
    if LINE_CONTROLS.search(value):
        raise ValidationError(
            _("Line breaks and control characters are not allowed here."), code="control"
        )
    check_no_bidi(value)


def check_text(value: str) -> None:
    """Refuse a multi-line text with control or bidi control characters."""
    if TEXT_CONTROLS.search(value):
        raise ValidationError(_("Control characters are not allowed."), code="control")
    check_no_bidi(value)


def check_no_bidi(value: str) -> None:
    if BIDI_CONTROLS.search(value):
        raise ValidationError(
            _("Invisible direction-changing characters are not allowed."), code="bidi"
        )


def form_started_token() -> str:
    """A signed stamp of when a form was shown (its hidden ``started`` field)."""
    return signing.dumps(time.time(), salt=TIMING_SALT)


def filled_too_fast(token: str) -> bool:
    """Whether a form came back sooner than ``ENGAGEMENT_MIN_FILL_SECONDS`` after it was
    shown, or without a valid stamp, or with one older than a day."""
    try:
        started = signing.loads(token or "", salt=TIMING_SALT, max_age=86_400)
    except signing.BadSignature:
        return True
    return time.time() - float(started) < settings.ENGAGEMENT_MIN_FILL_SECONDS


def client_ip(request) -> str:
    """The visitor's address: ``REMOTE_ADDR``, or behind ``PROXY_COUNT`` proxies the
    address the outermost one saw (the last entries of X-Forwarded-For are the proxies')."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, value: str, window: int) -> tuple[str, int]:
    """The counter's key (a hash: no address is stored) and its window's number."""
    number = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{value.strip().lower()}".encode()).hexdigest()
    return f"{number}:{digest}"[:64], number


def _count_in_cache(alias: str, key: str, window: int) -> int:
    """One more attempt, counted in a cache (Redis increments atomically)."""
    cache = caches[alias]
    cache_key = f"engagement:rate:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return 1


def _count_in_database(key: str, expires_at) -> int:
    """One more attempt, counted in a row of ``RateCount`` (atomic on every database)."""
    from catalogue.engagement.models import RateCount

    with transaction.atomic():
        if not RateCount.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCount.objects.create(key=key, count=1, expires_at=expires_at)
            except IntegrityError:  # created meanwhile by a concurrent request
                RateCount.objects.filter(key=key).update(count=F("count") + 1)
        return RateCount.objects.filter(key=key).values_list("count", flat=True).get()


def rate_limited(*, action: str, ip: str, email: str) -> bool:
    """Count one attempt of ``action`` for the IP and the e-mail address, and say whether
    either has gone past its limit in the current window (``ENGAGEMENT_RATE_LIMITS``).

    Fixed windows: simple, and a burst is capped at twice the limit at a window's edge.
    Only hashes of the address and the IP are kept, until the window ends. The counters
    are kept where ``ENGAGEMENT_RATE_STORE`` says: "database" (the default), or
    "cache:<alias>" (Redis, when every process shares it). A cache kept in files or in
    memory would not do: it evicts entries when full, so a flood of new addresses would
    wipe out the counter of its IP.
    """
    limits = settings.ENGAGEMENT_RATE_LIMITS
    window = limits["window_seconds"]
    store = settings.ENGAGEMENT_RATE_STORE
    over = False
    for scope, value, limit in (
        ("ip", ip, limits["per_ip"]),
        ("email", email, limits["per_address"]),
    ):
        if not value:
            continue
        key, number = _key(f"{action}:{scope}", value, window)
        if store.startswith("cache:"):
            count = _count_in_cache(store.removeprefix("cache:"), key, window)
        else:
            expires_at = datetime.fromtimestamp((number + 1) * window, tz=UTC)
            count = _count_in_database(key, expires_at)
        over = over or count > limit
    return over
