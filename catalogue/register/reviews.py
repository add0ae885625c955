"""Eligibility reviews of projects: open, score, lock and decide (the committee's work).

A review is opened on a submitted project and supersedes the previous ones; its decision
is final and moves the project (``services._move``), recorded with who took it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from catalogue.models import (
    Project,
    ProjectReview,
    ReviewGate,
    ReviewScore,
    ScreeningCriterion,
)
from catalogue.register import rules
from catalogue.register.choices import DECISION_TO_STATUS, Decision, Gate, Status
from catalogue.register.services import _locked, _move, _refuse, _require, _status_label

REVIEWABLE = rules.WORKFLOW_STEPS["review"][1]


@transaction.atomic
def review_open(*, project: Project, user) -> ProjectReview:
    """Open a new screening of the project; it supersedes the previous reviews."""
    _require(user, "catalogue.review_project", _("You may not review projects."))
    project = _locked(project)
    _check_independence(project, user)
    if project.status not in REVIEWABLE:
        _refuse(
            _("A project that is “%(status)s” cannot be reviewed; it must be submitted first.")
            % {"status": _status_label(project.status)}
        )
    last = project.reviews.order_by("-version").first()
    review = ProjectReview.objects.create(
        project=project, version=(last.version + 1) if last else 1, reviewer=user
    )
    # With their first history record, so that the first edit shows the values before it.
    bulk_create_with_history(
        [ReviewGate(review=review, gate=gate) for gate in Gate.values],
        ReviewGate,
        default_user=user,
    )
    bulk_create_with_history(
        [
            ReviewScore(review=review, criterion=criterion, weight=criterion.weight)
            for criterion in ScreeningCriterion.objects.filter(is_active=True)
        ],
        ReviewScore,
        default_user=user,
    )
    if project.status != Status.IN_REVIEW:
        _move(project, user=user, to_status=Status.IN_REVIEW)
    return review


def review_refresh_score(review: ProjectReview) -> ProjectReview:
    """Store the review's weighted score after its criteria were scored."""
    review.score = review.compute_score()
    review.save(update_fields=["score"])
    return review


def review_lock_undecided(*, review: ProjectReview) -> ProjectReview:
    """The review's current row, locked until the end of the caller's transaction, if it
    is still undecided; a decided review is refused (a decision is final).

    Whoever changes a review takes this lock first and then reads the review: two
    committee members saving or deciding it at the same moment take turns, and the second
    is told that the first decided it, instead of writing their stale copy over it.
    """
    current = ProjectReview.objects.select_for_update().get(pk=review.pk)
    if current.is_decided:
        decider = current.decided_by
        _refuse(
            _(
                "This review was decided meanwhile by %(user)s (%(decision)s); your changes "
                "were not saved."
            )
            % {
                "user": (decider.get_full_name() or decider.get_username()) if decider else "—",
                "decision": Decision(current.decision).label,
            }
        )
    return current


@transaction.atomic
def review_decide(*, review: ProjectReview, user, decision: str) -> ProjectReview:
    """Record the committee's decision and move the project accordingly."""
    _require(user, "catalogue.decide_projectreview", _("You may not decide reviews."))
    review = ProjectReview.objects.select_for_update().get(pk=review.pk)
    project = _locked(review.project)
    _check_independence(project, user)
    errors = []
    if review.is_decided:
        errors.append(_("This review is already decided; open a new review to change it."))
    if project.reviews.filter(version__gt=review.version).exists():
        errors.append(_("A newer review supersedes this one; decide the newer review."))
    if project.status != Status.IN_REVIEW:
        errors.append(
            _("The project is “%(status)s”, not in review.")
            % {"status": _status_label(project.status)}
        )
    if decision not in Decision.values:
        errors.append(_("Choose a decision."))
    gates = list(review.gates.all())
    for gate in gates:
        if gate.passed is None:
            errors.append(_("Say whether gate %(gate)s passes.") % {"gate": gate.gate.upper()})
        if not gate.comment.strip():
            errors.append(_("Gate %(gate)s needs a comment.") % {"gate": gate.gate.upper()})
    unscored = [
        s.criterion.code for s in review.scores.select_related("criterion") if s.score is None
    ]
    if unscored:
        errors.append(
            _("Score every criterion (missing: %(codes)s).") % {"codes": ", ".join(unscored)}
        )
    if any(g.passed is False for g in gates) and decision != Decision.NOT_ELIGIBLE:
        errors.append(_("A failed gate means the project is not eligible."))
    if not review.public_summary_fr.strip():
        errors.append(_("Write the public summary (in French at least)."))
    if errors:
        raise ValidationError(errors)
    review.score = review.compute_score()
    review.decision = decision
    review.decided_by = user
    review.decided_at = timezone.now()
    review._history_user = user
    review.save()
    _move(
        project,
        user=user,
        to_status=DECISION_TO_STATUS[decision],
        note=_("Review %(version)s: %(decision)s")
        % {"version": review.version, "decision": Decision(decision).label},
        # The project's public screening status: this decision, its date and score.
        screening=decision,
        screened_at=review.decided_at,
        screening_score=review.score,
    )
    return review


def _check_independence(project: Project, user):
    """A committee member does not review a project they submitted or edited last."""
    rules.check_reviewer_independent(user, project)
