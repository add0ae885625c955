"""Codes of the engagement app. The values are stable: they appear in exports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InvestorKind(models.TextChoices):
    """What kind of organisation expresses an interest."""

    DEVELOPER = "developer", _("Project developer")
    OPERATOR = "operator", _("Operator")
    LENDER = "lender", _("Lender (bank, development finance)")
    FUND = "fund", _("Investment fund")
    OTHER = "other", pgettext_lazy("investor kind", "Other")


class InterestStatus(models.TextChoices):
    """Where the staff's handling of an expression of interest stands."""

    NEW = "new", pgettext_lazy("interest status", "New")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("interest status", "Acknowledged")
    IN_CONTACT = "in_contact", pgettext_lazy("interest status", "In contact")
    CLOSED = "closed", pgettext_lazy("interest status", "Closed")


# The moves staff may make: forward along the list, or straight to closed.
INTEREST_NEXT = {
    InterestStatus.NEW: (InterestStatus.ACKNOWLEDGED, InterestStatus.CLOSED),
    InterestStatus.ACKNOWLEDGED: (InterestStatus.IN_CONTACT, InterestStatus.CLOSED),
    InterestStatus.IN_CONTACT: (InterestStatus.CLOSED,),
    InterestStatus.CLOSED: (),
}


class Frequency(models.TextChoices):
    """How often a subscriber hears of changes."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class SubscriptionKind(models.TextChoices):
    PROJECT = "project", _("Followed project")
    SEARCH = "search", _("Saved search")


class NoticeKind(models.TextChoices):
    """The workflow e-mails (one row of ``Notice`` each, so none is sent twice)."""

    SUBMITTED = "submitted", _("Project submitted")
    DECIDED = "decided", _("Review decided")
    VERIFICATION_DUE = "verification_due", _("Verification due")
    VERIFICATION_REMINDER = "verification_reminder", _("Verification reminder")
