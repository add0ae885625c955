"""Caching of public pages, never stale after a change.

Every cached page is keyed by a *catalogue version*, a number kept in the shared cache
(Redis when several app servers run) and raised by any change to what the public pages
show: projects, their reviews, photos and documents, places, sectors, ministries, the
caravan. A publication or an edit is therefore visible at once, on every server.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "catalogue:version"
PAGE_TIMEOUT = 600  # seconds; a change invalidates sooner through the version


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def bump_version(**kwargs) -> None:
    """Invalidate every cached page, now and again once the transaction commits.

    The second bump drops any page another request cached from the old data while the
    transaction was still open.
    """
    _bump()
    transaction.on_commit(_bump)


def cache_public_page(view):
    """Cache an anonymous GET page by its URL and language, under the catalogue version."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if (
            not settings.CACHE_PUBLIC_PAGES
            or request.method != "GET"
            or request.user.is_authenticated
        ):
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]
        key = f"page:{current_version()}:{get_language()}:{digest}"
        cached = cache.get(key)
        if cached is not None:
            status, content_type, content = cached
            response = HttpResponse(content, status=status, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code == 200 and not response.streaming:
                cache.set(
                    key,
                    (response.status_code, response["Content-Type"], response.content),
                    PAGE_TIMEOUT,
                )
        patch_vary_headers(response, ["Cookie"])
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
    from municipalities.models import Governorate, Municipality

    from .models import Project, ProjectDocument, ProjectImage, ProjectReview, Sector

    for model in (
        Project,
        ProjectReview,
        ProjectImage,
        ProjectDocument,
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
    for through in (
        Project.dimensions.through,
        Project.ministries.through,
        Edition.ministries.through,
    ):
        m2m_changed.connect(bump_version, sender=through, dispatch_uid=f"catalogue.bump.{through}")
