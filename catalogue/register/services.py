"""The project workflow and its eligibility reviews, enforced in one place.

draft → submitted → in review → eligible / needs information / not eligible → published →
withdrawn (with a reason; a withdrawn project can be restored). Only a project whose
latest review is eligible can be published. Every step is recorded (``ProjectTransition``)
with who did it; a refused step raises ``ValidationError`` with a message for the user and
changes nothing.

The workflow fields (``WORKFLOW_FIELDS``) belong to these services: ``project_save``, the
write of a project's content (admin form, history revert), keeps their stored values
whatever the instance holds.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from catalogue.models import (
    Project,
    ProjectReview,
    ProjectTransition,
    ReviewGate,
    ReviewScore,
    ScreeningCriterion,
)
from catalogue.register.choices import (
    DECISION_TO_STATUS,
    ELIGIBLE_DECISIONS,
    Decision,
    Gate,
    Status,
)
from catalogue.register.permissions import can_act_on_municipality, focal_municipality_id

SUBMITTABLE = (Status.DRAFT, Status.NEEDS_INFORMATION)
# The project's fields that only the workflow services change.
WORKFLOW_FIELDS = (
    "status",
    "published_at",
    "withdrawn_reason",
    "submitted_by",
    "screening",
    "screened_at",
    "screening_score",
    "verified_at",
    "verified_by",
    "lock_version",
    "created_at",
)
CONFIRMED_CURRENT = gettext_noop("Confirmed as still current")
STALE_EDIT = _lazy(
    "Someone else saved this project while you were editing it. Your changes were not "
    "saved: open the project again to see the new version, then redo your changes."
)
REVIEWABLE = (Status.SUBMITTED, Status.IN_REVIEW, Status.ELIGIBLE, Status.NOT_ELIGIBLE)


def _require(user, permission: str, message: str):
    if not user.has_perm(permission):
        raise PermissionDenied(message)


def _locked(project: Project) -> Project:
    """The project's current row, locked until the end of the transaction."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _move(project: Project, *, user, to_status: str, note: str = "", **changes) -> Project:
    """Change the status (and ``changes``), bump the edit version and record the step."""
    from_status = project.status
    for name, value in changes.items():
        setattr(project, name, value)
    project.status = to_status
    project.lock_version = F("lock_version") + 1
    project._change_reason = note or f"{from_status} → {to_status}"
    project._history_user = user
    project.save()
    project.refresh_from_db()
    ProjectTransition.objects.create(
        project=project, from_status=from_status, to_status=to_status, user=user, note=note
    )
    return project


def _refuse(message: str, **params):
    raise ValidationError(message, params=params or None)


def _status_label(status) -> str:
    return str(Status(status).label)


@transaction.atomic
def project_submit(*, project: Project, user) -> Project:
    """A draft (or a project sent back for information) goes to the committee."""
    _require(user, "catalogue.submit_project", _("You may not submit projects."))
    project = _locked(project)
    if not can_act_on_municipality(user, project.municipality_id):
        raise PermissionDenied(_("This project belongs to another municipality."))
    if project.status not in SUBMITTABLE:
        _refuse(
            _(
                "Only a draft or a project waiting for information can be submitted; "
                "this one is “%(status)s”."
            )
            % {"status": _status_label(project.status)}
        )
    project.full_clean()
    return _move(project, user=user, to_status=Status.SUBMITTED, submitted_by=user)


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


@transaction.atomic
def project_publish(*, project: Project, user) -> Project:
    """Publish an eligible project: only with an eligible latest review."""
    _require(user, "catalogue.publish_project", _("You may not publish projects."))
    project = _locked(project)
    if project.status != Status.ELIGIBLE:
        _refuse(
            _("Only an eligible project can be published; this one is “%(status)s”.")
            % {"status": _status_label(project.status)}
        )
    latest = project.reviews.order_by("-version").first()
    if latest is None or latest.decision not in ELIGIBLE_DECISIONS:
        _refuse(_("The project's latest review is not an eligible decision."))
    return _move(project, user=user, to_status=Status.PUBLISHED, published_at=timezone.now())


@transaction.atomic
def project_withdraw(*, project: Project, user, reason: str) -> Project:
    """Take a published project out of the public catalogue, for a stated reason."""
    _require(user, "catalogue.publish_project", _("You may not withdraw projects."))
    project = _locked(project)
    reason = (reason or "").strip()
    if project.status != Status.PUBLISHED:
        _refuse(
            _("Only a published project can be withdrawn; this one is “%(status)s”.")
            % {"status": _status_label(project.status)}
        )
    if not reason:
        _refuse(_("Say why the project is withdrawn."))
    return _move(
        project, user=user, to_status=Status.WITHDRAWN, note=reason, withdrawn_reason=reason
    )


@transaction.atomic
def project_restore(*, project: Project, user) -> Project:
    """Put a withdrawn project back in the public catalogue."""
    _require(user, "catalogue.publish_project", _("You may not restore projects."))
    project = _locked(project)
    if project.status != Status.WITHDRAWN:
        _refuse(
            _("Only a withdrawn project can be restored; this one is “%(status)s”.")
            % {"status": _status_label(project.status)}
        )
    return _move(
        project,
        user=user,
        to_status=Status.PUBLISHED,
        withdrawn_reason="",
        published_at=project.published_at or timezone.now(),
    )


@transaction.atomic
def project_save(*, project: Project, user, edit_version: int | None = None) -> Project:
    """Save a project's content (a new draft, an edit, or an older version restored).

    A new project starts as a draft. A change is refused if the project was saved since
    ``edit_version`` was read (when given), and a municipal focal point cannot move a
    project to another municipality. The workflow fields keep their stored values: a
    status, a decision or a verification changes only through its own service.
    """
    if not can_act_on_municipality(user, project.municipality_id):
        raise PermissionDenied(_("This project belongs to another municipality."))
    if project._state.adding:
        defaults = Project()
        for name in WORKFLOW_FIELDS:
            setattr(project, name, getattr(defaults, name))
    else:
        current = _locked(project)
        if edit_version is not None and edit_version != current.lock_version:
            raise ValidationError(STALE_EDIT, code="stale")
        if (
            focal_municipality_id(user) is not None
            and project.municipality_id != current.municipality_id
        ):
            raise PermissionDenied(_("A project cannot move to another municipality."))
        for name in WORKFLOW_FIELDS:
            setattr(project, name, getattr(current, name))
        project.lock_version = current.lock_version + 1
    project.last_edited_by = user
    project._history_user = user
    project.save()
    return project


@transaction.atomic
def project_confirm_current(*, project: Project, user) -> Project:
    """Staff confirm that a published project is still current (recorded in its history)."""
    _require(user, "catalogue.verify_project", _("You may not confirm that projects are current."))
    project = _locked(project)
    if not can_act_on_municipality(user, project.municipality_id):
        raise PermissionDenied(_("This project belongs to another municipality."))
    if project.status != Status.PUBLISHED:
        _refuse(
            _("Only a published project is confirmed as current; this one is “%(status)s”.")
            % {"status": _status_label(project.status)}
        )
    project.verified_at = timezone.now()
    project.verified_by = user
    project.lock_version = F("lock_version") + 1
    # Stored in English, shown in each reader's language by the history page.
    project._change_reason = CONFIRMED_CURRENT
    project._history_user = user
    # Not a change of the project's content: its "last updated" date stays.
    project.save(update_fields=["verified_at", "verified_by", "lock_version"])
    project.refresh_from_db()
    return project


def _check_independence(project: Project, user):
    """A committee member does not review a project they submitted or edited last."""
    if user.is_superuser:
        return
    if user.pk in (project.submitted_by_id, project.last_edited_by_id):
        raise PermissionDenied(
            _("You submitted or last edited this project: another committee member must review it.")
        )
