"""The project's pipeline facts, after OC4IDS: when (milestones), how it is paid for
(funding lines), who carries which risk, what it extends (related projects) and which
goals it serves (policy goals, a managed list).

The codes come from the OC4IDS codelists shipped in ``fixtures/oc4ids/`` (milestoneType,
milestoneStatus, relatedProject, currency; see their README for the attribution). This
module imports no other model module: the project is named by its label, so that
``projects.py`` can take its choices from here.
"""

import csv
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcities.core.fields import period_ordered_constraint, translated

PROJECT = "catalogue.Project"


class ProjectType(models.TextChoices):
    """OC4IDS projectType (closed codelist, without decommissioning)."""

    CONSTRUCTION = "construction", _("Construction of a new asset")
    REHABILITATION = "rehabilitation", _("Rehabilitation of an existing asset")
    REPLACEMENT = "replacement", _("Replacement of an existing asset")
    EXPANSION = "expansion", _("Expansion of an existing asset")


class PaymentMechanism(models.TextChoices):
    """Who pays the private partner: the users, the authority, or both."""

    USER_FEES = "user_fees", _("User fees")
    AVAILABILITY = "availability", _("Availability payments")
    MIXED = "mixed", _("Mixed (user fees and availability payments)")


class MilestoneType(models.TextChoices):
    """OC4IDS milestoneType (open codelist)."""

    PRE_PROCUREMENT = "preProcurement", _("Pre-procurement")
    APPROVAL = "approval", _("Approval")
    ENGAGEMENT = "engagement", _("Engagement")
    ASSESSMENT = "assessment", _("Assessment")
    PROCUREMENT = "procurement", _("Procurement")
    CONTRACT_CLOSE = "contractClose", _("Contract close")
    FINANCING = "financing", _("Financing")
    DELIVERY = "delivery", _("Delivery")
    PAYMENT = "payment", _("Payment")
    REPORTING = "reporting", _("Reporting")


class MilestoneStatus(models.TextChoices):
    """OC4IDS milestoneStatus (closed codelist)."""

    SCHEDULED = "scheduled", _("Scheduled")
    MET = "met", _("Met")
    NOT_MET = "notMet", _("Not met")
    PARTIALLY_MET = "partiallyMet", _("Partially met")


class Relationship(models.TextChoices):
    """OC4IDS relatedProject (open codelist), with the catalogue's ``phase``."""

    CONSTRUCTION = "construction", _("builds the assets of")
    REHABILITATION = "rehabilitation", _("rehabilitates the assets of")
    REPLACEMENT = "replacement", _("replaces")
    EXPANSION = "expansion", _("expands")
    PHASE = "phase", _("is a phase of")


class RiskBearer(models.TextChoices):
    """Who carries a risk (the allocation of the OCDS for PPPs risk extension)."""

    PUBLIC = "public", _("Public authority")
    PRIVATE = "private", _("Private partner")
    SHARED = "shared", _("Shared")


class PolicyFramework(models.TextChoices):
    """The policy families a goal belongs to; codes of OC4IDS policyAlignment (open)."""

    SDG = "SDG", _("Sustainable Development Goals")
    U4SSC = "U4SSC", _("U4SSC smart sustainable city indicators")
    NATIONAL_PLAN = "nationalPlan", _("National development plan")


@cache
def currency_codes() -> frozenset[str]:
    """The codes of the OC4IDS currency codelist shipped in ``fixtures/oc4ids``."""
    path = settings.BASE_DIR / "fixtures" / "oc4ids" / "currency.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["Code"] for row in csv.DictReader(handle))


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(
            _("“%(value)s” is not a currency code of the codelist (e.g. TND, EUR)."),
            code="invalid_currency",
            params={"value": value},
        )


class PolicyGoal(models.Model):
    """A goal a project may serve: an SDG, a U4SSC indicator, a national plan item."""

    framework = models.CharField(_("framework"), max_length=20, choices=PolicyFramework)
    code = models.CharField(
        _("code"), max_length=30, help_text=_("As the framework writes it, e.g. 11 or EN.1.")
    )
    name = translated(models.CharField(_("name"), max_length=200), required=("fr", "ar"))
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("policy goal")
        verbose_name_plural = _("policy goals")
        ordering = ["framework", "display_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="policy_goal_unique_code"),
        ]

    def __str__(self):
        return f"{self.get_framework_display()} {self.code} · {self.name}"

    @property
    def label(self) -> str:
        """The short label shown in lists: "SDG 11", "U4SSC EN.1"."""
        if self.framework == PolicyFramework.NATIONAL_PLAN:
            return self.code
        return f"{self.framework} {self.code}"


def pipeline_prefetches() -> list:
    """What a project's page, sheet or OC4IDS record reads of its pipeline: milestones,
    funding lines, risks, policy goals and its links to *public* related projects
    (``public_related_links``), one query each."""
    from .projects import ProjectQuerySet  # projects.py imports this module

    public_links = RelatedProject.objects.filter(
        ProjectQuerySet.public_condition("related__")
    ).select_related("related")
    return [
        "milestones",
        "funding_lines",
        "risks",
        "policy_goals",
        Prefetch("related_links", queryset=public_links, to_attr="public_related_links"),
    ]


def timeline(milestones, today=None) -> list[dict]:
    """The milestones in date order, with a ``today`` entry between the past and the
    planned ones: ``[{"milestone": m, "past": True}, …, {"today": date}, …]``."""
    today = today or timezone.localdate()
    dated = sorted((m for m in milestones if m.date), key=lambda m: (m.date, m.position, m.pk or 0))
    entries = [{"milestone": m, "past": m.date <= today} for m in dated]
    split = sum(1 for entry in entries if entry["past"])
    entries.insert(split, {"today": today})
    return entries


class ProjectChild(models.Model):
    """A row that belongs to one project, kept in the order its editor gives."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True


class Milestone(ProjectChild):
    """An event of the project's life, planned and, once it happened, dated."""

    project = models.ForeignKey(
        PROJECT, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    milestone_type = models.CharField(_("type"), max_length=20, choices=MilestoneType)
    title = translated(models.CharField(_("title"), max_length=200))
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MilestoneStatus, default=MilestoneStatus.SCHEDULED
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "position", "planned_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_date__isnull=False) | Q(actual_date__isnull=False),
                name="milestone_dated",
                violation_error_message=_("A milestone needs a planned or an actual date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="met") | Q(actual_date__isnull=False),
                name="milestone_met_has_date",
                violation_error_message=_("A milestone met needs its actual date."),
            ),
        ]

    def __str__(self):
        return str(self.title)

    @property
    def date(self):
        """The date the timeline places it at: when it happened, or else when planned."""
        return self.actual_date or self.planned_date

    @property
    def is_past(self) -> bool:
        return self.actual_date is not None or (
            self.planned_date is not None and self.planned_date < timezone.localdate()
        )

    def clean(self):
        super().clean()
        errors = {}
        if self.actual_date:
            if self.actual_date > timezone.localdate():
                errors["actual_date"] = _("An actual date cannot be in the future.")
            project = self.project if self.project_id else None
            start = project and (project.actual_start or project.planned_start)
            if start and self.actual_date < start:
                errors["actual_date"] = _(
                    "A milestone cannot have happened before the project's start (%(start)s)."
                ) % {"start": start.isoformat()}
        if errors:
            raise ValidationError(errors)


class FundingLine(ProjectChild):
    """A line of the project's budget: who funds how much, in which currency, over when."""

    project = models.ForeignKey(
        PROJECT, on_delete=models.CASCADE, related_name="funding_lines", verbose_name=_("project")
    )
    source = models.CharField(
        _("funding source"),
        max_length=200,
        help_text=_("Who provides the money, e.g. the municipal budget, a lender, the partner."),
    )
    description = translated(
        models.CharField(_("description"), max_length=300, blank=True), required=()
    )
    amount = models.DecimalField(
        _("amount"), max_digits=15, decimal_places=3, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="TND",
        validators=[validate_currency],
        help_text=_("The currency's three-letter code, e.g. TND or EUR."),
    )
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            period_ordered_constraint(
                "period_start",
                "period_end",
                name="funding_period_ordered",
                message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.source} · {self.amount} {self.currency}"


class RiskAllocation(ProjectChild):
    """A risk of the project and who carries it."""

    project = models.ForeignKey(
        PROJECT, on_delete=models.CASCADE, related_name="risks", verbose_name=_("project")
    )
    risk = translated(models.CharField(_("risk"), max_length=200))
    allocation = models.CharField(_("carried by"), max_length=10, choices=RiskBearer)

    class Meta:
        verbose_name = _("risk allocation")
        verbose_name_plural = _("risk allocations")
        ordering = ["project", "position", "id"]

    def __str__(self):
        return str(self.risk)


class RelatedProject(ProjectChild):
    """A link from a project to another of the catalogue, with its relation."""

    project = models.ForeignKey(
        PROJECT,
        on_delete=models.CASCADE,
        related_name="related_links",
        verbose_name=_("project"),
    )
    related = models.ForeignKey(
        PROJECT,
        on_delete=models.CASCADE,
        related_name="related_from",
        verbose_name=_("related project"),
    )
    relationship = models.CharField(_("relation"), max_length=20, choices=Relationship)

    class Meta:
        verbose_name = _("related project")
        verbose_name_plural = _("related projects")
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(project=F("related")),
                name="related_project_not_itself",
                violation_error_message=_("A project cannot be related to itself."),
            ),
            models.UniqueConstraint(
                fields=["project", "related"],
                name="related_project_once",
                violation_error_message=_("This project is already related."),
            ),
        ]

    def __str__(self):
        return f"{self.get_relationship_display()} {self.related_id}"

    def clean(self):
        super().clean()
        # The form of an inline leaves the project out, and with it the constraint.
        if self.project_id is not None and self.project_id == self.related_id:
            raise ValidationError({"related": _("A project cannot be related to itself.")})
