"""Caching of public pages, never stale after a change.

Every cached page is keyed by a *catalogue version*, a number kept in the "shared" cache
(files shared by the processes of one machine, or Redis when several machines serve)
and raised by any change to what the public pages show: projects, their reviews, photos,
documents, sources and pipeline facts (milestones, funding, risks, related projects,
policy goals), the screening criteria, places, sectors, ministries, the caravan.
A publication or an edit is therefore visible at once, in every process of every server.
"""

import fcntl
import hashlib
import os
import secrets
import time
from collections import OrderedDict
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import condition

from smartcities.core.backup import restored

VERSION_KEY = "catalogue:version"
CHANGED_KEY = "catalogue:changed"  # (version, when it was raised)
PAGE_TIMEOUT = 600  # seconds; a change invalidates sooner through the version


def _shared():
    return caches["shared"]


@contextmanager
def _bump_lock():
    """Serialise version bumps across processes when the shared cache is a folder
    (its ``incr`` is a read then a write); Redis increments atomically by itself."""
    folder = getattr(_shared(), "_dir", None)
    if folder is None:
        yield
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "version.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fresh_version() -> int:
    """A starting version no earlier one is likely to have had (after a cache flush, a
    process must not mistake old data held in its memory for current)."""
    return secrets.randbits(52)


def current_version() -> int:
    """The catalogue version, from the cache every process shares (see settings.CACHES)."""
    shared = _shared()
    version = shared.get(VERSION_KEY)
    if version is None:
        shared.add(VERSION_KEY, _fresh_version(), timeout=None)
        version = shared.get(VERSION_KEY)
    return version


def _bump() -> None:
    shared = _shared()
    with _bump_lock():
        try:
            version = shared.incr(VERSION_KEY)
        except ValueError:
            shared.add(VERSION_KEY, _fresh_version(), timeout=None)
            version = shared.get(VERSION_KEY)
        shared.set(CHANGED_KEY, (version, time.time()), timeout=None)


def changed_at() -> datetime:
    """When the catalogue last changed: the time its current version was raised.

    Read from the shared cache, never from the database. A version whose time is not
    known (raised before this was recorded, or the cache was flushed) is dated when
    first seen: never earlier than the change itself, which a ``Last-Modified`` needs.
    """
    shared = _shared()
    version = current_version()
    held = shared.get(CHANGED_KEY)
    if held is None or held[0] != version:
        held = (version, time.time())
        shared.set(CHANGED_KEY, held, timeout=None)
    return datetime.fromtimestamp(int(held[1]), tz=UTC)


def bump_version(**kwargs) -> None:
    """Invalidate every cached page, now and again once the transaction commits.

    The second bump drops any page another request cached from the old data while the
    transaction was still open.
    """
    _bump()
    transaction.on_commit(_bump)


def _enabled() -> bool:
    return settings.CACHE_PUBLIC_PAGES


def versioned(name: str, parts, compute):
    """``compute()``'s value, kept in the shared cache under the catalogue version.

    For data that many pages share and that is costly to compute (facet counts, key
    figures): any change raises the version, so the value is never stale after a change.
    ``parts`` (anything with a stable ``repr``) tells the variants apart.
    """
    if not _enabled():
        return compute()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    key = f"data:{name}:{current_version()}:{digest}"
    held = cache.get(key)  # a 1-tuple, so that None can be a cached value
    if held is None:
        held = (compute(),)
        cache.set(key, held, PAGE_TIMEOUT)
    return held[0]


_local: dict[str, tuple[int, object]] = {}


def versioned_in_process(name: str, compute):
    """Like ``versioned`` for small reference data, kept in this process's memory.

    The version still comes from the shared cache, so a change made through any app
    server is seen by every other one at its next request.
    """
    if not _enabled():
        return compute()
    version = current_version()
    if version is None:  # a cache that keeps nothing (e.g. the dummy backend)
        return compute()
    held = _local.get(name)
    if held is not None and held[0] == version:
        return held[1]
    value = compute()
    _local[name] = (version, value)
    return value


# The most recently served pages, also kept in this process's memory (keys hold the
# catalogue version, so a change elsewhere is never hidden). Kept because it serves warm
# pages 1.4 to 1.7 times faster than Redis alone (bench/README.md, "Engines and their
# plain alternatives").
RECENT_PAGES = 200
_recent_pages: OrderedDict[str, tuple] = OrderedDict()


def _keep_recent(key: str, page: tuple) -> None:
    _recent_pages[key] = page
    _recent_pages.move_to_end(key)
    while len(_recent_pages) > RECENT_PAGES:
        _recent_pages.popitem(last=False)


def cache_public_page(view):
    """Cache an anonymous GET page by its URL and language, under the catalogue version."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _enabled() or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]
        key = f"page:{current_version()}:{get_language()}:{digest}"
        cached = _recent_pages.get(key)
        if cached is None:
            cached = cache.get(key)
            if cached is not None:
                _keep_recent(key, cached)
        if cached is not None:
            status, content_type, content = cached
            response = HttpResponse(content, status=status, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code == 200 and not response.streaming:
                cached = (response.status_code, response["Content-Type"], response.content)
                cache.set(key, cached, PAGE_TIMEOUT)
                _keep_recent(key, cached)
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapped


# Raise when the open data files change shape, so that no client keeps an older one.
OPEN_DATA_REVISION = 1


def _open_data_etag(request, *args, **kwargs) -> str:
    """A weak ETag for the URL under the catalogue version, the day (a project falls due
    for verification as days pass) and the licence: no database query."""
    parts = (
        OPEN_DATA_REVISION,
        current_version(),
        timezone.localdate().isoformat(),
        get_language(),
        request.get_full_path(),
        sorted(settings.DATA_LICENCE.items()),
    )
    return 'W/"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _open_data_last_modified(request, *args, **kwargs) -> datetime:
    """The catalogue's last change, or the start of today if later (see the ETag)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return max(changed_at(), today)


def open_data(view):
    """For a public data endpoint (files, records, feeds, catalogue descriptions):

    - ``ETag`` and ``Last-Modified`` from the catalogue version, and ``304 Not Modified``
      to a client that sends them back unchanged, decided before the view runs: such an
      answer reads the shared cache only, never the database;
    - ``Cache-Control: no-cache``: a cache may keep the file but asks each time (a 304);
    - ``Access-Control-Allow-Origin: *``: any site's scripts may read it (the endpoints
      answer GET and HEAD only, without cookies or credentials).
    """

    def without_own_validators(request, *args, **kwargs):
        # A view's own Last-Modified (a feed dates itself by its latest entry) would
        # stand in for the catalogue's and never match it.
        response = view(request, *args, **kwargs)
        del response["Last-Modified"]
        return response

    conditional = condition(etag_func=_open_data_etag, last_modified_func=_open_data_last_modified)(
        without_own_validators
    )

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code not in (200, 304):  # an error has no version to validate
            del response["ETag"]
            del response["Last-Modified"]
        patch_cache_control(response, no_cache=True)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag"
        return response

    return wrapped


def connect_signals() -> None:
    """Raise the catalogue version whenever something a public page shows changes."""
    from caravan.models import (
        Dimension,
        Edition,
        Ministry,
        MunicipalityReview,
        ReferenceExperience,
        Stop,
    )
    from catalogue.models import (
        FundingLine,
        Milestone,
        PolicyGoal,
        Project,
        ProjectDocument,
        ProjectImage,
        ProjectReview,
        RelatedProject,
        RiskAllocation,
        ScreeningCriterion,
        Sector,
        Source,
    )
    from municipalities.models import Governorate, Municipality

    for model in (
        Project,
        ProjectReview,
        ProjectImage,
        ProjectDocument,
        Source,
        PolicyGoal,
        ScreeningCriterion,  # the weights on the methodology page
        Sector,
        Governorate,
        Municipality,
        Ministry,
        Dimension,
        Edition,
        Stop,
        ReferenceExperience,
        MunicipalityReview,
    ):
        uid = f"catalogue.bump.{model._meta.label}"
        post_save.connect(bump_version, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(bump_version, sender=model, dispatch_uid=uid + ".delete")
    # A project's pipeline rows, when saved alone. Their deletion comes with the project's
    # save (the admin's inlines) or the import's own bump: a delete receiver would make
    # the import's bulk delete of replaced rows go row by row.
    for model in (Milestone, FundingLine, RiskAllocation, RelatedProject):
        uid = f"catalogue.bump.{model._meta.label}"
        post_save.connect(bump_version, sender=model, dispatch_uid=uid + ".save")
    for through in (
        Project.dimensions.through,
        Project.ministries.through,
        Project.sources.through,
        Project.policy_goals.through,
        Source.municipalities.through,
        Source.editions.through,
        Edition.ministries.through,
    ):
        m2m_changed.connect(bump_version, sender=through, dispatch_uid=f"catalogue.bump.{through}")
    # A restore replaced everything at once: immediate (and again at commit if a
    # transaction is open).
    restored.connect(bump_version, dispatch_uid="catalogue.bump.restored")
