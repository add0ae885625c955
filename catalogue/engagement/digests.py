"""Digests: what changed for each confirmed subscription in the last complete day or
week, sent by the task worker once per (subscription, period).

A followed project's changes are read from its history (its stage and screening) and
from ``DocumentEvent`` (a document made public); a saved search lists the projects
published in the period that match it. A period is claimed by writing its
``DigestLog`` row before the message is sent: a worker that restarts, or two workers at
once, never send the same period's digest twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone, translation

from catalogue.engagement import notifications
from catalogue.engagement.choices import Frequency, SubscriptionKind
from catalogue.engagement.models import DigestLog, DocumentEvent, Subscription
from catalogue.engagement.services import describe_query
from catalogue.models import Project
from catalogue.register.choices import Screening, Stage

logger = logging.getLogger("smartcities.engagement")


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime


def last_period(frequency: str, now: datetime | None = None) -> Period:
    """The last complete day (or ISO week, from Monday) before ``now``, in local time."""
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.DAILY:
        start = midnight - timedelta(days=1)
        return Period(start.date().isoformat(), _aware(start), _aware(midnight))
    end = midnight - timedelta(days=midnight.weekday())
    start = end - timedelta(days=7)
    year, week, _day = start.date().isocalendar()
    return Period(f"{year}-W{week:02d}", _aware(start), _aware(end))


def _aware(moment: datetime) -> datetime:
    """The same wall-clock time, re-localised (a day may cross a DST change)."""
    return timezone.make_aware(moment.replace(tzinfo=None))


@dataclass
class ProjectChange:
    """One change of a followed project: its stage, its screening or a new document."""

    kind: str  # "stage", "screening" or "document"
    at: datetime
    old: object = ""
    new: object = ""


def _label(choices, value):
    return choices(value).label if value in choices.values else ""


def project_changes(project: Project, start: datetime, end: datetime) -> list[ProjectChange]:
    """The stage, screening and document changes of ``project`` in [start, end)."""
    history = Project.history.filter(id=project.pk)
    before = (
        history.filter(history_date__lt=start)
        .order_by("-history_date", "-history_id")
        .values("stage", "screening")
        .first()
    )
    changes = []
    previous = before
    for row in (
        history.filter(history_date__gte=start, history_date__lt=end)
        .order_by("history_date", "history_id")
        .values("stage", "screening", "history_date")
    ):
        if previous is not None:
            for kind, choices in (("stage", Stage), ("screening", Screening)):
                if row[kind] != previous[kind]:
                    changes.append(
                        ProjectChange(
                            kind,
                            row["history_date"],
                            _label(choices, previous[kind]),
                            _label(choices, row[kind]),
                        )
                    )
        previous = row
    for event in DocumentEvent.objects.filter(
        project=project, at__gte=start, at__lt=end, document__is_public=True
    ).select_related("document"):
        changes.append(ProjectChange("document", event.at, new=event.document))
    return sorted(changes, key=lambda change: change.at)


def search_matches(query: str, start: datetime, end: datetime) -> list[Project]:
    """Public projects first published in [start, end) that a saved search selects."""
    from catalogue.selection.filters import ProjectFilterSet

    filterset = ProjectFilterSet(QueryDict(query), queryset=Project.objects.public())
    return list(
        filterset.qs.filter(published_at__gte=start, published_at__lt=end)
        .select_related("municipality")
        .order_by("published_at", "pk")
    )


def digest_context(subscription: Subscription, period: Period) -> dict | None:
    """What the digest of ``subscription`` for ``period`` lists, or None if nothing."""
    start = max(period.start, subscription.confirmed_at)
    if subscription.kind == SubscriptionKind.PROJECT:
        project = subscription.project
        if not Project.objects.public().filter(pk=project.pk).exists():  # the one visibility rule
            return None
        changes = project_changes(project, start, period.end)
        if not changes:
            return None
        return {"project": project, "changes": changes, "count": len(changes)}
    projects = search_matches(subscription.query, start, period.end)
    if not projects:
        return None
    return {"projects": projects, "count": len(projects)}


def due_subscriptions(frequency: str, period: Period):
    """Confirmed subscriptions of ``frequency`` without a digest for ``period`` yet."""
    return (
        Subscription.objects.filter(
            frequency=frequency, confirmed_at__isnull=False, confirmed_at__lt=period.end
        )
        .exclude(digests__period=period.key)
        .select_related("project__municipality")
        .order_by("pk")
    )


def send_digest(subscription: Subscription, period: Period) -> bool:
    """Claim ``period`` for ``subscription`` and send its digest if anything changed.

    The claim is committed first: whatever happens next, this period is never sent again.
    """
    from catalogue.engagement.views import search_url, subscription_links

    context = digest_context(subscription, period)
    try:
        with transaction.atomic():
            log = DigestLog.objects.create(
                subscription=subscription,
                period=period.key,
                items=context["count"] if context else 0,
            )
    except IntegrityError:  # another worker has it
        return False
    if context is None:
        return False
    language = subscription.language
    links = subscription_links(subscription)
    with translation.override(language):
        if subscription.kind == SubscriptionKind.SEARCH:
            context["search_url"] = notifications.absolute(search_url(subscription.query, language))
            context["description"] = describe_query(subscription.query, language)
            for project in context["projects"]:
                project.url = notifications.absolute(project.get_absolute_url())
        else:
            context["project_url"] = notifications.absolute(context["project"].get_absolute_url())
    notifications.send(
        "digest",
        to=[subscription.email],
        language=subscription.language,
        context={
            **context,
            "subscription": subscription,
            "period": period,
            "frequency": subscription.frequency,
            "manage_url": links["my_data"],
        },
        unsubscribe_url=links["unsubscribe"],
    )
    DigestLog.objects.filter(pk=log.pk).update(sent_at=timezone.now())
    return True


def send_due_digests(now: datetime | None = None) -> int:
    """Send every digest due for the last complete day and week; the number sent."""
    sent = 0
    for frequency in Frequency.values:
        period = last_period(frequency, now)
        for subscription in due_subscriptions(frequency, period).iterator(chunk_size=200):
            try:
                sent += send_digest(subscription, period)
            except Exception:  # one bad address must not stop the others
                logger.exception(
                    "Digest %s for subscription %s failed", period.key, subscription.pk
                )
    return sent
