"""Eligibility screening of projects: criteria, reviews, their gates and scores."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.register.choices import (
    ELIGIBLE_DECISIONS,
    SCORE_ELIGIBLE,
    SCORE_NEEDS_INFORMATION,
    ContractModel,
    Decision,
    Gate,
)
from smartcities.core.fields import (
    translated,
)

from .projects import Project  # noqa: F401


class ScreeningCriterion(models.Model):
    """A scored criterion of the PPP screening (0–4), with a weight staff can edit.

    A review copies the weights when it is opened, so changing a weight never rewrites
    past reviews.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = translated(models.CharField(_("name"), max_length=200), required=("fr",))
    description = translated(models.TextField(_("guidance"), blank=True), required=())
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("screening criterion")
        verbose_name_plural = _("screening criteria")
        ordering = ["display_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=20), name="criterion_weight_in_range"
            )
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"


class ProjectReviewQuerySet(models.QuerySet):
    def decided(self):
        """Reviews the committee has decided."""
        return self.exclude(decision="")

    def outcome_for(self, project):
        """The project's public screening outcome: its latest decided review, or None."""
        return self.decided().filter(project=project).order_by("-version").first()

    def latest_per_project(self):
        """Only the newest review (highest version) of each project."""
        newer = ProjectReview.objects.filter(
            project_id=models.OuterRef("project_id"), version__gt=models.OuterRef("version")
        )
        return self.filter(~models.Exists(newer))


class ProjectReview(models.Model):
    """A versioned eligibility screening of a project for the PPP catalogue (DOMAIN.md §5).

    A new review supersedes the previous ones, which stay visible. The decision is taken
    through ``catalogue.register.reviews.review_decide``.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("project")
    )
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="project_reviews",
        verbose_name=_("reviewer"),
        editable=False,
    )
    created_at = models.DateTimeField(_("opened on"), auto_now_add=True)
    score = models.DecimalField(
        _("weighted score (0–100)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    decision = models.CharField(_("decision"), max_length=30, choices=Decision, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True, editable=False)
    public_summary = translated(
        models.TextField(
            _("public summary"),
            blank=True,
            help_text=_("Shown on the project's public page once the review is decided."),
        ),
        required=(),
    )
    internal_notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    objects = ProjectReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project review")
        verbose_name_plural = _("project reviews")
        ordering = ["project", "-version"]
        permissions = [("decide_projectreview", _("Can decide a project review"))]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="project_review_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="project_review_decision_dated",
            ),
        ]

    def __str__(self):
        return _("Review %(version)s of %(reference)s") % {
            "version": self.version,
            "reference": self.project.reference,
        }

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def is_eligible(self) -> bool:
        return self.decision in ELIGIBLE_DECISIONS

    def compute_score(self):
        """Weighted score 0–100 from the criteria scored so far, or None if none is."""
        scored = [s for s in self.scores.all() if s.score is not None]
        total_weight = sum(s.weight for s in scored)
        if not total_weight:
            return None
        points = sum(s.weight * s.score for s in scored)
        return (Decimal(100) * points / (4 * total_weight)).quantize(Decimal("0.1"))

    def failed_gates(self) -> list:
        return [g for g in self.gates.all() if g.passed is False]

    def proposed_decision(self):
        """The outcome the scores suggest: a failed gate means not eligible."""
        if self.failed_gates():
            return Decision.NOT_ELIGIBLE
        score = self.compute_score()
        if score is None:
            return None
        if score >= SCORE_ELIGIBLE:
            if self.project.contract_model == ContractModel.CONCESSION:
                return Decision.ELIGIBLE_CONCESSION
            return Decision.ELIGIBLE_PPP
        if score >= SCORE_NEEDS_INFORMATION:
            return Decision.NEEDS_INFORMATION
        return Decision.PUBLIC_WORKS


class ReviewGate(models.Model):
    """One pass/fail gate of a review, with its mandatory comment."""

    review = models.ForeignKey(
        ProjectReview, on_delete=models.CASCADE, related_name="gates", verbose_name=_("review")
    )
    gate = models.CharField(_("gate"), max_length=5, choices=Gate)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["review", "gate"]
        constraints = [
            models.UniqueConstraint(fields=["review", "gate"], name="review_gate_unique")
        ]

    def __str__(self):
        return self.get_gate_display()


class ReviewScore(models.Model):
    """One scored criterion of a review, with the weight it was scored with."""

    review = models.ForeignKey(
        ProjectReview, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        ScreeningCriterion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("criterion"),
    )
    weight = models.PositiveSmallIntegerField(_("weight"), editable=False)
    score = models.PositiveSmallIntegerField(
        _("score (0–4)"),
        null=True,
        blank=True,
        choices=[(n, str(n)) for n in range(5)],
        validators=[MaxValueValidator(4)],
    )
    comment = models.TextField(_("comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["review", "criterion__display_order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=4), name="review_score_0_to_4"
            ),
        ]

    def __str__(self):
        return str(self.criterion)
