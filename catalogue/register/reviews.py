"""Eligibility reviews of projects: open, score, lock and decide (the committee's work).

A review is opened on a submitted project and supersedes the previous ones; its decision
is final and moves the project (``services._move``), recorded with who took it.
"""

from django.db import transaction
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
from smartcities.core import reviews as core_reviews

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
    is still undecided (the shared machine's lock: ``smartcities.core.reviews``)."""
    return core_reviews.review_lock_undecided(review=review)


@transaction.atomic
def review_decide(*, review: ProjectReview, user, decision: str) -> ProjectReview:
    """Record the committee's decision (the shared decide skeleton: permission, locks on
    the review and the project, independence, gates, scores, summary) and move the project
    accordingly."""
    review = core_reviews.review_record_decision(review=review, user=user, decision=decision)
    _move(
        review.project,
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
