"""What the engagement app stores: expressions of interest, subscriptions, and the logs
that keep every digest and workflow e-mail from being sent twice.

Personal data (names, addresses, telephone numbers, messages) lives only in
``ExpressionOfInterest`` (and its status history) and ``Subscription``; both are purged
after ``ENGAGEMENT_RETENTION_DAYS`` (``services.personal_data_purge``) and listed on the
methodology page.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.engagement.choices import (
    Frequency,
    InterestStatus,
    InvestorKind,
    NoticeKind,
    SubscriptionKind,
)
from catalogue.models import Project, ProjectDocument

# Length limits of what a visitor may type (the forms refuse more, with a message).
NAME_LENGTH = 120
ORGANISATION_LENGTH = 200
COUNTRY_LENGTH = 80
PHONE_LENGTH = 30
MESSAGE_LENGTH = 2000
QUERY_LENGTH = 1000


def new_token() -> str:
    """A secret for a link sent by e-mail (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def language_field(**kwargs):
    return models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr", **kwargs
    )


class ExpressionOfInterestQuerySet(models.QuerySet):
    def for_inbox(self):
        """Rows of the admin inbox: with their project and its municipality."""
        return self.select_related("project__municipality")


class ExpressionOfInterest(models.Model):
    """An investor's interest in a public project, sent through the project's page."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="expressions_of_interest",
        verbose_name=_("project"),
    )
    organisation = models.CharField(_("organisation"), max_length=ORGANISATION_LENGTH)
    country = models.CharField(_("country"), max_length=COUNTRY_LENGTH)
    investor_kind = models.CharField(_("kind of investor"), max_length=20, choices=InvestorKind)
    name = models.CharField(_("name"), max_length=NAME_LENGTH)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telephone"), max_length=PHONE_LENGTH, blank=True)
    message = models.TextField(_("message"), max_length=MESSAGE_LENGTH)
    consent = models.BooleanField(
        _("consent to share"),
        default=False,
        help_text=_(
            "The sender agreed to share these details with the ministry and the municipality."
        ),
    )
    language = language_field()
    status = models.CharField(
        _("status"), max_length=20, choices=InterestStatus, default=InterestStatus.NEW
    )
    staff_note = models.TextField(
        _("staff note"), blank=True, help_text=_("Never shown to the sender or the public.")
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ExpressionOfInterestQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent=True),
                name="interest_has_consent",
                violation_error_message=_("The sender must agree to share their details."),
            )
        ]

    def __str__(self):
        return f"{self.organisation} · {self.project.reference}"


class Subscription(models.Model):
    """An e-mail address following a project or a saved catalogue search.

    Nothing is sent but the confirmation until the address confirms (double opt-in);
    unsubscribing deletes the row.
    """

    email = models.EmailField(_("e-mail"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SubscriptionKind)
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("project"),
        null=True,
        blank=True,
    )
    query = models.CharField(
        _("catalogue query"),
        max_length=QUERY_LENGTH,
        blank=True,
        help_text=_("The saved search: the catalogue's filters as in its address."),
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency, default=Frequency.WEEKLY
    )
    language = language_field()
    confirm_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    unsubscribe_token = models.CharField(
        max_length=64, unique=True, default=new_token, editable=False
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=SubscriptionKind.PROJECT, project__isnull=False)
                | Q(kind=SubscriptionKind.SEARCH, project__isnull=True),
                name="subscription_kind_matches_target",
            ),
            models.UniqueConstraint(
                fields=["email", "project"],
                condition=Q(kind=SubscriptionKind.PROJECT),
                name="subscription_one_follow_per_project",
            ),
            models.UniqueConstraint(
                fields=["email", "query"],
                condition=Q(kind=SubscriptionKind.SEARCH),
                name="subscription_one_per_search",
            ),
        ]

    def __str__(self):
        target = self.project.reference if self.project_id else (self.query or "*")
        return f"{self.email} · {target}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class DigestLog(models.Model):
    """A digest of one subscription for one period: at most one, ever.

    The row is written (and committed) before the message is sent, so a worker that
    restarts mid-way never sends a period's digest twice.
    """

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="digests",
        verbose_name=_("subscription"),
    )
    period = models.CharField(_("period"), max_length=20)  # "2026-12-03" or "2026-W49"
    items = models.PositiveIntegerField(_("changes listed"), default=0)
    created_at = models.DateTimeField(_("built"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period"], name="digest_once_per_period"
            )
        ]

    def __str__(self):
        return f"{self.subscription_id} · {self.period}"


class DocumentEvent(models.Model):
    """A document made public on a project: a change the project's followers hear of."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    document = models.OneToOneField(
        ProjectDocument, on_delete=models.CASCADE, related_name="+", verbose_name=_("document")
    )
    at = models.DateTimeField(_("published on"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("document published")
        verbose_name_plural = _("documents published")

    def __str__(self):
        return f"{self.project_id} · {self.document_id}"


class Notice(models.Model):
    """A workflow e-mail sent (or being sent): its key makes it unique.

    Keys: ``transition:<id>`` for a submission or a decision, and
    ``verification:<project>:<last checked>:<kind>`` for the verification notices.
    """

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("workflow e-mail")
        verbose_name_plural = _("workflow e-mails")
        ordering = ["-created_at"]

    def __str__(self):
        return self.key


class Profile(models.Model):
    """A staff user's preferences for the portal's e-mail: their language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_profile",
        verbose_name=_("user"),
    )
    language = language_field(help_text=_("The language of the e-mails the portal sends them."))

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self):
        return str(self.user)


class RateCount(models.Model):
    """Attempts counted against a rate limit in one window (``abuse.rate_limited``): a
    hash of the IP or the address, never the value itself. Deleted once expired."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self):
        return f"{self.key} · {self.count}"
