"""Eligibility screening of projects: criteria, reviews, their gates and scores."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.register.choices import (
    ELIGIBLE_DECISIONS,
    SCORE_ELIGIBLE,
    SCORE_NEEDS_INFORMATION,
    ContractModel,
    Decision,
    Gate,
    Status,
)
from smartcities.core.fields import (
    translated,
)
from smartcities.core.reviews import AbstractReview, AbstractReviewGate, ReviewQuerySet

from .projects import Project  # noqa: F401

# What each score means for a criterion that does not say it in its own words.
GENERIC_SCALE = (
    _("Not met, or no evidence"),
    _("Weak: major gaps"),
    _("Partly met"),
    _("Largely met"),
    _("Fully met, with evidence"),
)


class ScreeningCriterion(models.Model):
    """A scored criterion of the PPP screening (0–4), with a weight staff can edit.

    A review copies the weights when it is opened, so changing a weight never rewrites
    past reviews.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = translated(models.CharField(_("name"), max_length=200), required=("fr",))
    description = translated(models.TextField(_("guidance"), blank=True), required=())
    scale = translated(
        models.TextField(
            _("what each score means"),
            blank=True,
            help_text=_(
                "Five lines: what a score of 0, 1, 2, 3 and 4 means for this criterion. "
                "Left empty, the general scale is shown."
            ),
        ),
        required=(),
    )
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

    def clean(self):
        for field in type(self).scale.fields:
            lines = _scale_lines(getattr(self, field))
            if lines and len(lines) != 5:
                raise ValidationError(
                    {field: _("Write five lines, one per score from 0 to 4, or none.")}
                )

    def score_meanings(self) -> list[str]:
        """What each score 0–4 means for this criterion, in the active language."""
        lines = _scale_lines(self.scale)
        return lines if len(lines) == 5 else [str(meaning) for meaning in GENERIC_SCALE]


def _scale_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ProjectReviewQuerySet(ReviewQuerySet):
    def outcome_for(self, project):
        """The project's public screening outcome: its latest decided review, or None."""
        return self.current_for(project)

    def latest_per_project(self):
        """Only the newest review (highest version) of each project."""
        return self.latest_per_subject()


class ProjectReview(AbstractReview):
    """A versioned eligibility screening of a project for the PPP catalogue.

    See docs/domain.md#project-screening. A new review supersedes the previous ones, which
    stay visible. Its gates are ``ReviewGate`` rows, its criteria ``ReviewScore`` rows; the
    decision is taken through ``catalogue.register.reviews.review_decide``.
    """

    subject_field = "project"
    decisions_if_a_gate_fails = (Decision.NOT_ELIGIBLE,)
    decide_refused = _("You may not decide reviews.")
    independence_refused = _(
        "You submitted or last edited this project: another committee member must review it."
    )

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("project")
    )
    score = models.DecimalField(
        _("weighted score (0–100)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    decision = models.CharField(_("decision"), max_length=30, choices=Decision, blank=True)

    objects = ProjectReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(AbstractReview.Meta):
        verbose_name = _("project review")
        verbose_name_plural = _("project reviews")
        ordering = ["project", "-version"]
        permissions = [("decide_projectreview", _("Can decide a project review"))]
        constraints = [
            *AbstractReview.Meta.constraints,
            models.UniqueConstraint(
                fields=["project", "version"], name="project_review_unique_version"
            ),
        ]

    def __str__(self):
        return _("Review %(version)s of %(reference)s") % {
            "version": self.version,
            "reference": self.project.reference,
        }

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

    # The review machine's hooks (smartcities.core.reviews).

    def lock_subject(self) -> None:
        """The decision moves the project: lock its row too."""
        self.project = Project.objects.select_for_update().get(pk=self.project_id)

    def is_independent_of(self, user) -> bool:
        """A committee member does not review a project they submitted or edited last."""
        from catalogue.register.rules import may_review_project  # the rule, written once

        return may_review_project(user, self.project)

    def failed_gate_error(self, failed) -> str:
        return gettext("A failed gate means the project is not eligible.")

    def subject_errors(self, decision) -> list[str]:
        errors = []
        if self.project.status != Status.IN_REVIEW:
            errors.append(
                gettext("The project is “%(status)s”, not in review.")
                % {"status": Status(self.project.status).label}
            )
        unscored = [
            s.criterion.code for s in self.scores.select_related("criterion") if s.score is None
        ]
        if unscored:
            errors.append(
                gettext("Score every criterion (missing: %(codes)s).")
                % {"codes": ", ".join(unscored)}
            )
        return errors

    def before_decision(self) -> None:
        self.score = self.compute_score()


class ReviewGate(AbstractReviewGate):
    """One pass/fail gate of a project review, with its mandatory comment."""

    review = models.ForeignKey(
        ProjectReview, on_delete=models.CASCADE, related_name="gates", verbose_name=_("review")
    )
    gate = models.CharField(_("gate"), max_length=5, choices=Gate)

    history = HistoricalRecords()

    class Meta(AbstractReviewGate.Meta):
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["review", "gate"]

    @property
    def short_name(self) -> str:
        return self.gate.upper()


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

    @property
    def guidance(self) -> str:
        return self.criterion.description
