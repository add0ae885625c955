"""Background work of the engagement app, run by the portal's task worker (``db_worker``).

E-mail is sent here, after the request's transaction has committed, so that a slow or
unreachable mail server never holds a visitor's page. ``periodic_work`` sends the digests
and the verification notices and purges old personal data; it schedules its own next run
(``run_after``), and the worker's command (``db_worker``, ``WORKER_PERIODIC_TASKS``)
schedules a first run when none is waiting. Every job it does is idempotent: running it
twice sends nothing twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, default_task_backend, task
from django.urls import reverse
from django.utils import timezone

from catalogue.engagement import digests, notifications, services, workflow
from catalogue.engagement.models import ExpressionOfInterest, Subscription

logger = logging.getLogger("smartcities.engagement")


@task()
def send_interest_emails(*, interest_id: int) -> int:
    """The investor's acknowledgement and the notification of the project's focal points
    and the programme staff; the number of messages sent."""
    from catalogue.engagement.views import my_data_url

    interest = ExpressionOfInterest.objects.for_inbox().filter(pk=interest_id).first()
    if interest is None:  # erased meanwhile
        return 0
    project = interest.project
    sent = notifications.send(
        "interest_acknowledgement",
        to=[interest.email],
        language=interest.language,
        context={
            "interest": interest,
            "project": project,
            "project_url": notifications.absolute(
                _localized(project.get_absolute_url, interest.language)
            ),
            "manage_url": my_data_url(interest.language),
        },
    )
    staff = {user.pk: user for user in workflow.focal_points(project)}
    staff.update({user.pk: user for user in workflow.programme_staff()})
    context = {
        "interest": interest,
        "project": project,
        "inbox_url": notifications.absolute(
            reverse("admin:engagement_expressionofinterest_change", args=[interest.pk])
        ),
    }
    for user in staff.values():
        sent += notifications.send(
            "interest_notification",
            to=[user.email],
            language=notifications.user_language(user),
            context={**context, "recipient": user},
            reply_to=[interest.email],
        )
    return sent


def _localized(get_url, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return get_url()


@task()
def send_confirmation(*, subscription_id: int) -> int:
    """The double opt-in message: a link to confirm the subscription."""
    from catalogue.engagement.views import subscription_links

    subscription = Subscription.objects.select_related("project").filter(pk=subscription_id).first()
    if subscription is None or subscription.is_confirmed:
        return 0
    links = subscription_links(subscription)
    return notifications.send(
        "subscription_confirm",
        to=[subscription.email],
        language=subscription.language,
        context={
            "subscription": subscription,
            "confirm_url": links["confirm"],
            "description": (
                services.describe_query(subscription.query, subscription.language)
                if not subscription.project_id
                else None
            ),
        },
        unsubscribe_url=links["unsubscribe"],
    )


@task()
def send_data_access_link(*, email: str, language: str) -> int:
    """A link to the page that shows, exports and erases what is stored about ``email``
    (sent only to that address: whoever asks must read its mailbox)."""
    from catalogue.engagement.views import data_access_url

    if not (
        ExpressionOfInterest.objects.filter(email__iexact=email).exists()
        or Subscription.objects.filter(email__iexact=email).exists()
    ):
        return 0  # nothing stored: nothing to send (and no mail to a stranger)
    return notifications.send(
        "data_access",
        to=[email],
        language=language,
        context={
            "access_url": data_access_url(email, language),
            "hours": settings.ENGAGEMENT_DATA_LINK_HOURS,
        },
    )


@task()
def send_workflow_notice(*, transition_id: int) -> int:
    return workflow.send_transition_notice(transition_id)


@task()
def periodic_work() -> dict:
    """Digests, verification notices and the retention purge; then the next run."""
    done = {}
    for name, job in (
        ("digests", digests.send_due_digests),
        ("verification", workflow.send_verification_notices),
        ("purge", lambda: services.personal_data_purge()),
    ):
        try:
            done[name] = job()
        except Exception:  # the other jobs, and the next run, still happen
            logger.exception("Periodic work: %s failed", name)
    schedule_periodic_work(after=timedelta(minutes=settings.ENGAGEMENT_PERIODIC_MINUTES))
    return done


def schedule_periodic_work(*, after: timedelta = timedelta(0)) -> bool:
    """Enqueue ``periodic_work`` unless a run is already waiting; whether it was."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        DBTaskResult = None
    if DBTaskResult is not None and (
        DBTaskResult.objects.filter(
            task_path=periodic_work.module_path, status=TaskResultStatus.READY
        ).exists()
    ):
        return False
    periodic_work.using(run_after=timezone.now() + after).enqueue()
    return True


def ensure_scheduled() -> None:
    """Called by the worker as it starts (``WORKER_PERIODIC_TASKS``)."""
    schedule_periodic_work()
