"""The project workflow, enforced in one place (its eligibility reviews: ``reviews``).

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
from django.utils.translation import gettext_noop

from catalogue.models import (
    Project,
    ProjectTransition,
)
from catalogue.register import rules
from catalogue.register.choices import (
    ELIGIBLE_DECISIONS,
    Status,
)
from catalogue.register.permissions import can_act_on_municipality

SUBMITTABLE = rules.WORKFLOW_STEPS["submit"][1]
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
STALE_EDIT = rules.STALE_EDIT


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
def project_publish(*, project: Project, user) -> Project:
    """Publish an eligible project: only with an eligible latest review."""
    _require(user, "catalogue.publish_project", _("You may not publish projects."))
    project = _locked(project)
    if project.status not in rules.WORKFLOW_STEPS["publish"][1]:
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
    if project.status not in rules.WORKFLOW_STEPS["withdraw"][1]:
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
    if project.status not in rules.WORKFLOW_STEPS["restore"][1]:
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
def project_save(
    *, project: Project, user, edit_version: int | None = None, reason: str = ""
) -> Project:
    """Create or update a project's content: the only way the admin (change form, history
    revert) and any other single-project write save one; the import applies the same rules
    row by row (``catalogue.register.rules``) before its bulk write.

    A new project starts as a draft, in a municipality ``user`` may act on. A change is
    refused out of the user's scope, if the project was saved since ``edit_version`` was
    read (when given), if it would move the project to another municipality, or if a
    focal point sets a staff-only field. The workflow fields keep their stored values: a
    status, a decision or a verification changes only through its own service. The user
    becomes the last editor, and the history record names them and ``reason``.
    """
    if project._state.adding:
        current = None
        if not rules.may_create_project(user, project.municipality_id):
            raise PermissionDenied(_("This project belongs to another municipality."))
        defaults = Project()
        for name in WORKFLOW_FIELDS:
            setattr(project, name, getattr(defaults, name))
    else:
        current = _locked(project)
        rules.check_may_edit_project(user, current)
        if edit_version is not None:
            rules.check_lock_version(edit_version, current.lock_version)
        rules.check_municipality_unchanged(project.municipality_id, current)
        for name in WORKFLOW_FIELDS:
            setattr(project, name, getattr(current, name))
        project.lock_version = current.lock_version + 1
    rules.check_not_example_reference(project.reference)
    rules.check_staff_only_fields(user, project, current)
    project.last_edited_by = user
    project._history_user = user
    if reason:
        project._change_reason = reason[:100]
    project.save()
    return project


@transaction.atomic
def project_delete(*, project: Project, user) -> None:
    """Delete a project: never one the public has seen (withdraw it instead), except by a
    superuser, and only within the user's scope."""
    _require(user, "catalogue.delete_project", _("You may not delete projects."))
    current = _locked(project)
    if not rules.may_delete_project(user, current):
        if current.published_at:
            raise PermissionDenied(
                _(
                    "%(reference)s was published: a project the public has seen is withdrawn, "
                    "never deleted."
                )
                % {"reference": current.reference}
            )
        rules.check_may_edit_project(user, current)
    current._history_user = user
    current.delete()


@transaction.atomic
def project_confirm_current(*, project: Project, user) -> Project:
    """Staff confirm that a published project is still current (recorded in its history)."""
    _require(user, "catalogue.verify_project", _("You may not confirm that projects are current."))
    project = _locked(project)
    if not can_act_on_municipality(user, project.municipality_id):
        raise PermissionDenied(_("This project belongs to another municipality."))
    if project.status not in rules.WORKFLOW_STEPS["confirm_current"][1]:
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
