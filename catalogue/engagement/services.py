"""The engagement app's writes: expressions of interest, subscriptions, personal data.

Each service validates, writes under a transaction and sends its e-mail once the
transaction commits (through the task worker: ``tasks``). A refused call raises
``ValidationError`` with a message for the visitor and stores nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalogue.engagement.choices import INTEREST_NEXT, InterestStatus, SubscriptionKind
from catalogue.engagement.models import (
    QUERY_LENGTH,
    ExpressionOfInterest,
    RateCount,
    Subscription,
)
from catalogue.models import Project
from catalogue.register.permissions import can_act_on_municipality

# Parameters of the catalogue's address that are not filters: not part of a saved search.
NOT_FILTERS = ("page", "sort", "per_page")


def interest_open_for(project: Project) -> bool:
    """Whether the public may express an interest in ``project``: published, at one of
    the ``ENGAGEMENT_INTEREST_STAGES``."""
    return project.status == "published" and project.stage in settings.ENGAGEMENT_INTEREST_STAGES


@transaction.atomic
def interest_submit(*, project: Project, data: dict, language: str) -> ExpressionOfInterest:
    """Store an investor's expression of interest; the acknowledgement and the staff's
    notification are sent once it is committed."""
    from catalogue.engagement import tasks

    if not interest_open_for(project):
        raise ValidationError(_("This project does not take expressions of interest."))
    if not data.get("consent"):
        raise ValidationError(_("Agree to share your details, or we cannot pass them on."))
    interest = ExpressionOfInterest(project=project, language=language, **data)
    interest.full_clean()
    interest._history_user = None
    interest._change_reason = "received"
    interest.save()
    transaction.on_commit(lambda: tasks.send_interest_emails.enqueue(interest_id=interest.pk))
    return interest


@transaction.atomic
def interest_set_status(*, interest: ExpressionOfInterest, user, status: str, note: str = ""):
    """Move an expression of interest along new → acknowledged → in contact → closed."""
    if not user.has_perm("engagement.change_expressionofinterest"):
        raise PermissionDenied(_("You may not handle expressions of interest."))
    current = ExpressionOfInterest.objects.select_for_update().get(pk=interest.pk)
    if not can_act_on_municipality(user, current.project.municipality_id):
        raise PermissionDenied(_("This project belongs to another municipality."))
    if status != current.status and status not in INTEREST_NEXT[InterestStatus(current.status)]:
        raise ValidationError(
            _("An expression of interest that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": InterestStatus(current.status).label,
                "to": InterestStatus(status).label if status in InterestStatus.values else status,
            }
        )
    current.status = status
    if note is not None:
        current.staff_note = note
    current._history_user = user
    current.save()
    return current


def normalize_query(query: str) -> str:
    """The catalogue filters of ``query`` (an address's query string), valid ones only,
    in a stable order: two addresses of the same search give the same saved search."""
    from catalogue.selection.filters import ProjectFilterSet

    data = QueryDict(query.lstrip("?")[: QUERY_LENGTH * 2])
    filterset = ProjectFilterSet(data, queryset=Project.objects.public())
    kept = QueryDict(mutable=True)
    for name in sorted(filterset.active):
        if name not in NOT_FILTERS:
            kept[name] = data.get(name, "")
    return kept.urlencode()


def describe_query(query: str, language: str | None = None) -> list[tuple[str, str]]:
    """A saved search in words: (filter, value) pairs in ``language`` (default: the
    current one)."""
    from catalogue.selection.filters import ProjectFilterSet

    with translation.override(language or translation.get_language()):
        filterset = ProjectFilterSet(QueryDict(query), queryset=Project.objects.public())
        return [(str(label), str(value)) for label, value in filterset.describe()]


def subscription_request(
    *, email: str, language: str, frequency: str, project: Project | None = None, query: str = ""
) -> Subscription:
    """Ask to follow a project or to save a search; a confirmation link is sent.

    Asking again for the same address and target sends the confirmation again (if not
    confirmed yet) and changes the frequency and language.
    """
    from catalogue.engagement import tasks

    email = email.strip()
    if project is not None:
        if project.status != "published":
            raise ValidationError(_("Only a public project can be followed."))
        target = {"kind": SubscriptionKind.PROJECT, "project": project, "query": ""}
    else:
        query = normalize_query(query)
        if len(query) > QUERY_LENGTH:
            raise ValidationError(_("This search is too long to be saved."))
        target = {"kind": SubscriptionKind.SEARCH, "project": None, "query": query}
    try:
        with transaction.atomic():
            subscription, _created = Subscription.objects.select_for_update().get_or_create(
                email__iexact=email,
                **target,
                defaults={"email": email, "language": language, "frequency": frequency},
            )
            subscription.language = language
            subscription.frequency = frequency
            subscription.full_clean(validate_unique=False, validate_constraints=False)
            subscription.save()
    except IntegrityError:  # the same request, twice at once: the other one stands
        subscription = Subscription.objects.get(email__iexact=email, **target)
    if not subscription.is_confirmed:
        transaction.on_commit(
            lambda: tasks.send_confirmation.enqueue(subscription_id=subscription.pk)
        )
    return subscription


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscription:
    """Confirm a subscription from the link sent to its address."""
    subscription = Subscription.objects.select_for_update().filter(confirm_token=token).first()
    if subscription is None:
        raise ValidationError(_("This confirmation link is not valid (any more)."))
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, token: str) -> bool:
    """Delete the subscription of an unsubscribe link; False if there was none."""
    deleted, _detail = Subscription.objects.filter(unsubscribe_token=token).delete()
    return bool(deleted)


def personal_data(email: str) -> dict:
    """Everything stored about an e-mail address, as data (the "my data" page, its export)."""
    interests = ExpressionOfInterest.objects.filter(email__iexact=email).select_related("project")
    subscriptions = Subscription.objects.filter(email__iexact=email).select_related("project")
    return {
        "email": email,
        "expressions_of_interest": [
            {
                "project": interest.project.reference,
                "received": interest.created_at.isoformat(),
                "organisation": interest.organisation,
                "country": interest.country,
                "investor_kind": interest.investor_kind,
                "name": interest.name,
                "email": interest.email,
                "phone": interest.phone,
                "message": interest.message,
                "language": interest.language,
                "status": interest.status,
            }
            for interest in interests
        ],
        "subscriptions": [
            {
                "kind": subscription.kind,
                "project": subscription.project.reference if subscription.project_id else None,
                "search": subscription.query if not subscription.project_id else None,
                "frequency": subscription.frequency,
                "language": subscription.language,
                "requested": subscription.created_at.isoformat(),
                "confirmed": (
                    subscription.confirmed_at.isoformat() if subscription.confirmed_at else None
                ),
            }
            for subscription in subscriptions
        ],
    }


@transaction.atomic
def personal_data_erase(*, email: str) -> int:
    """Delete everything stored about an address (with the history of its expressions
    of interest); the number of records deleted."""
    interests = ExpressionOfInterest.objects.filter(email__iexact=email)
    count = _delete_with_history(interests)
    count += Subscription.objects.filter(email__iexact=email).delete()[0]
    return count


def _delete_with_history(interests) -> int:
    """Delete expressions of interest and every history row of theirs (the deletion's
    own record included): nothing of them stays."""
    ids = list(interests.values_list("pk", flat=True))
    deleted = ExpressionOfInterest.objects.filter(pk__in=ids).delete()[1]
    ExpressionOfInterest.history.filter(id__in=ids).delete()
    return deleted.get(ExpressionOfInterest._meta.label, 0)


@transaction.atomic
def personal_data_purge(*, now=None) -> dict[str, int]:
    """Delete expressions of interest and subscriptions older than
    ``ENGAGEMENT_RETENTION_DAYS`` (with their history), and unconfirmed subscriptions
    older than ``ENGAGEMENT_UNCONFIRMED_DAYS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ENGAGEMENT_RETENTION_DAYS)
    purged_interests = _delete_with_history(
        ExpressionOfInterest.objects.filter(created_at__lt=cutoff)
    )
    old = Q(created_at__lt=cutoff) | Q(
        confirmed_at__isnull=True,
        created_at__lt=now - timedelta(days=settings.ENGAGEMENT_UNCONFIRMED_DAYS),
    )
    purged_subscriptions = (
        Subscription.objects.filter(old).delete()[1].get(Subscription._meta.label, 0)
    )
    RateCount.objects.filter(expires_at__lt=now).delete()
    # History rows of interests deleted by other means (a project's deletion).
    orphans = ExpressionOfInterest.history.filter(history_date__lt=cutoff)
    orphans.delete()
    return {"interests": purged_interests, "subscriptions": purged_subscriptions}
