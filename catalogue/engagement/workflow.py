"""Workflow e-mail, and what the engagement app learns from the catalogue's writes.

The workflow services are not touched: every step they take writes a
``ProjectTransition`` row, and this module's receivers hear of it. After the step's
transaction commits, a task sends the e-mail: a submitted project to the eligibility
committee (the reviewers), a decision to the project's focal points. Projects due for
verification are found by the periodic task (``tasks.periodic_work``): their focal points
get a notice, and a reminder ``ENGAGEMENT_VERIFICATION_REMINDER_DAYS`` later if nobody
confirmed the project meanwhile. A ``Notice`` row, claimed before sending, keeps every
message from being sent twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from catalogue.engagement import notifications
from catalogue.engagement.choices import NoticeKind
from catalogue.engagement.models import DocumentEvent, ExpressionOfInterest, Notice
from catalogue.models import Project, ProjectDocument, ProjectReview, ProjectTransition
from catalogue.register.choices import Status
from catalogue.register.roles import COMMITTEE, EDITOR

logger = logging.getLogger("smartcities.engagement")

DECIDED_STATUSES = (Status.ELIGIBLE, Status.NEEDS_INFORMATION, Status.NOT_ELIGIBLE)


def transition_notice_kind(transition: ProjectTransition) -> str | None:
    """Which workflow e-mail a step calls for, if any."""
    if transition.to_status == Status.SUBMITTED:
        return NoticeKind.SUBMITTED
    if transition.from_status == Status.IN_REVIEW and transition.to_status in DECIDED_STATUSES:
        return NoticeKind.DECIDED
    return None


def reviewers():
    """The eligibility committee: who is told of a submitted project."""
    return notifications.users_with_profiles(
        get_user_model().objects.filter(groups__name=COMMITTEE)
    )


def programme_staff():
    """The ministry's editors: told of every expression of interest."""
    return notifications.users_with_profiles(get_user_model().objects.filter(groups__name=EDITOR))


def focal_points(project: Project):
    """The users who speak for the project's municipality."""
    return notifications.users_with_profiles(
        get_user_model().objects.filter(focal_point__municipality_id=project.municipality_id)
    )


def admin_url(project: Project) -> str:
    return notifications.absolute(reverse("admin:catalogue_project_change", args=[project.pk]))


def _claim(key: str, kind: str, project: Project) -> Notice | None:
    """Write the notice's row (committed), or None if it was already sent."""
    try:
        with transaction.atomic():
            return Notice.objects.create(key=key, kind=kind, project=project)
    except IntegrityError:
        return None


def _send(notice: Notice, template: str, users, context: dict) -> int:
    sent = notifications.send_to_users(template, list(users), context)
    Notice.objects.filter(pk=notice.pk).update(recipients=sent)
    return sent


def send_transition_notice(transition_id: int) -> int:
    """Send the e-mail a workflow step calls for; the number of messages sent."""
    transition = (
        ProjectTransition.objects.select_related("project__municipality", "user")
        .filter(pk=transition_id)
        .first()
    )
    kind = transition and transition_notice_kind(transition)
    if not kind:
        return 0
    project = transition.project
    notice = _claim(f"transition:{transition.pk}", kind, project)
    if notice is None:
        return 0
    context = {"project": project, "transition": transition, "admin_url": admin_url(project)}
    if kind == NoticeKind.SUBMITTED:
        users = reviewers().exclude(pk=transition.user_id)
        return _send(notice, "workflow_submitted", users, context)
    context["review"] = (
        ProjectReview.objects.decided().filter(project=project).order_by("-version").first()
    )
    return _send(notice, "workflow_decided", focal_points(project), context)


def send_verification_notices(now=None) -> int:
    """Tell the focal points of each project due for verification (once per verification
    cycle), and remind them after ``ENGAGEMENT_VERIFICATION_REMINDER_DAYS``; the editors
    when a municipality has no focal point. The number of messages sent."""
    now = now or timezone.now()
    remind_before = now - timedelta(days=settings.ENGAGEMENT_VERIFICATION_REMINDER_DAYS)
    due = list(Project.objects.verification_due(now).select_related("municipality"))
    keys = {project.pk: _verification_key(project) for project in due}
    sent_notices = {
        notice.key: notice
        for notice in Notice.objects.filter(
            key__in=[f"{key}:{kind}" for key in keys.values() for kind in ("due", "reminder")]
        )
    }
    sent = 0
    for project in due:
        key = keys[project.pk]
        first = sent_notices.get(f"{key}:due")
        if first is None:
            kind, template, suffix = NoticeKind.VERIFICATION_DUE, "verification_due", "due"
        elif f"{key}:reminder" not in sent_notices and first.created_at <= remind_before:
            kind, template, suffix = (
                NoticeKind.VERIFICATION_REMINDER,
                "verification_reminder",
                "reminder",
            )
        else:
            continue
        notice = _claim(f"{key}:{suffix}", kind, project)
        if notice is None:
            continue
        users = list(focal_points(project)) or list(programme_staff())
        context = {
            "project": project,
            "admin_url": admin_url(project),
            "checked_at": project.last_checked_at,
            "first_notice": first,
        }
        try:
            sent += _send(notice, template, users, context)
        except Exception:
            logger.exception("Verification notice %s failed", notice.key)
    return sent


def _verification_key(project: Project) -> str:
    """A verification cycle: the project and when it was last known current."""
    return f"verification:{project.pk}:{project.last_checked_at.isoformat()}"


# Receivers ------------------------------------------------------------------------------


def _on_transition(sender, instance, created, raw=False, **kwargs):
    if not created or raw or not transition_notice_kind(instance):
        return
    from catalogue.engagement import tasks

    transition_id = instance.pk
    transaction.on_commit(lambda: tasks.send_workflow_notice.enqueue(transition_id=transition_id))


def _on_document(sender, instance, raw=False, **kwargs):
    """A document made public is news for the project's followers (once per document)."""
    if raw or not instance.is_public:
        return
    DocumentEvent.objects.get_or_create(
        document_id=instance.pk, defaults={"project_id": instance.project_id}
    )


def _on_interest_change(sender, **kwargs):
    # The project's public page shows the count of expressions of interest.
    from catalogue.caching import bump_version

    bump_version()


def connect_signals() -> None:
    post_save.connect(
        _on_transition, sender=ProjectTransition, dispatch_uid="engagement.workflow_mail"
    )
    post_save.connect(_on_document, sender=ProjectDocument, dispatch_uid="engagement.document")
    for signal in (post_save, post_delete):
        signal.connect(
            _on_interest_change,
            sender=ExpressionOfInterest,
            dispatch_uid=f"engagement.interest_count.{signal is post_save}",
        )
