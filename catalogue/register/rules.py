"""The rules of the project register, each written once.

Each rule is one function; the services (``catalogue.register.services``), the admin and
the spreadsheet import call these, never a copy. A ``may_…`` function answers a question
(a page hides what it refuses); a ``check_…`` function raises the refusal that the user is
shown (``PermissionDenied`` for a right, ``ValidationError`` for data), and returns nothing
when the operation is allowed.

- scope: a municipal focal point edits only the drafts (and projects waiting for
  information) of their own municipality (``may_edit_project``, ``editable_projects``);
- staff-only fields: only ministry staff feature a project or mark it as demo data
  (``staff_only_fields``, ``check_staff_only_fields``);
- a project never changes municipality (``check_municipality_unchanged``);
- a published project is never deleted, except by a superuser (``may_delete_project``);
- reviewer independence: nobody reviews a project they submitted or edited last
  (``may_review_project``, ``check_reviewer_independent``);
- optimistic locking: a change made from a stale copy is refused (``check_lock_version``);
- workflow steps: who may take which step from which status (``may_take_step``);
- the import template's example reference is never a real project
  (``check_not_example_reference``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from catalogue.register.choices import Status
from catalogue.register.permissions import (
    NO_MUNICIPALITY,
    can_act_on_municipality,
    focal_municipality_id,
    scope_projects,
)

# Statuses in which a municipal focal point may still edit a project.
FOCAL_POINT_EDITABLE = (Status.DRAFT, Status.NEEDS_INFORMATION)
# Fields that only ministry staff (not a municipal focal point) set.
STAFF_ONLY_FIELDS = ("featured", "is_demo")
# The reference of the import template's example row: the reference pattern accepts it
# (so the example imports in a check), but no project may ever carry it.
EXAMPLE_REFERENCE = "EXA-0000-000"

STALE_EDIT = _lazy(
    "Someone else saved this project while you were editing it. Your changes were not "
    "saved: open the project again to see the new version, then redo your changes."
)


# Scope -------------------------------------------------------------------------------


def edit_refusal(user, project) -> str | None:
    """Why ``user`` may not edit ``project`` (and its photos and documents), or None.

    Ministry staff and superusers: always allowed (the model permissions decide the rest).
    A focal point: only a project of their municipality that is a draft or waits for
    information; a focal point attached to no municipality: never.
    """
    restricted_to = focal_municipality_id(user)
    if restricted_to is None:
        return None
    if project.municipality_id != restricted_to or restricted_to == NO_MUNICIPALITY:
        return _("This project belongs to another municipality.")
    if project.status not in FOCAL_POINT_EDITABLE:
        return _(
            "This project is “%(status)s”: a municipal focal point can only change drafts "
            "and projects waiting for information."
        ) % {"status": Status(project.status).label}
    return None


def may_edit_project(user, project) -> bool:
    """Whether ``user`` may edit ``project`` (see ``edit_refusal``)."""
    return edit_refusal(user, project) is None


def may_create_project(user, municipality_id) -> bool:
    """Whether ``user`` may create a project in this municipality (a focal point: only
    their own)."""
    restricted_to = focal_municipality_id(user)
    return restricted_to != NO_MUNICIPALITY and can_act_on_municipality(user, municipality_id)


def editable_projects(user):
    """The projects ``user`` may edit (the choices of a photo's or a document's project)."""
    from catalogue.models import Project

    queryset = scope_projects(user, Project.objects.all())
    if focal_municipality_id(user) is not None:
        queryset = queryset.filter(status__in=FOCAL_POINT_EDITABLE)
    return queryset


def check_may_edit_project(user, project) -> None:
    """Refuse (``PermissionDenied``) an edit of ``project`` out of ``user``'s scope."""
    refusal = edit_refusal(user, project)
    if refusal is not None:
        raise PermissionDenied(refusal)


# Staff-only fields ---------------------------------------------------------------------


def staff_only_fields(user) -> tuple[str, ...]:
    """The project fields ``user`` may not set: those of ministry staff, for a focal point."""
    return STAFF_ONLY_FIELDS if focal_municipality_id(user) is not None else ()


def staff_only_changes(user, project, current) -> list[str]:
    """The staff-only fields that ``project`` would change and ``user`` may not.

    ``current`` is the stored project, or None for a new one (whose fields must keep
    their defaults).
    """
    names = staff_only_fields(user)
    if not names:
        return []
    if current is None:
        from catalogue.models import Project

        current = Project()
    return [name for name in names if getattr(project, name) != getattr(current, name)]


def check_staff_only_fields(user, project, current) -> None:
    """Refuse (``ValidationError`` on each field) a staff-only field that ``user`` sets."""
    changed = staff_only_changes(user, project, current)
    if changed:
        raise ValidationError(
            {name: _("Only ministry staff can change this field.") for name in changed}
        )


# Municipality ----------------------------------------------------------------------------


def check_municipality_unchanged(municipality_id, current) -> None:
    """Refuse (``ValidationError`` on ``municipality``) moving a stored project to another
    municipality: its reference, its review and its public history are that municipality's.
    A project filed under the wrong municipality is withdrawn (or deleted while a draft) and
    filed again."""
    if current is not None and municipality_id != current.municipality_id:
        raise ValidationError(
            {
                "municipality": _(
                    "A project never moves to another municipality. If it was filed under "
                    "the wrong one, create it again under the right one."
                )
            },
            code="municipality_fixed",
        )


# Deletion ------------------------------------------------------------------------------


def may_delete_project(user, project) -> bool:
    """A project the public has seen (it was published once) is withdrawn, never deleted,
    except by a superuser; others follow the user's scope."""
    if project.published_at and not user.is_superuser:
        return False
    return may_edit_project(user, project)


# Reviews -------------------------------------------------------------------------------


def may_review_project(user, project) -> bool:
    """A committee member does not review a project they submitted or edited last."""
    return user.is_superuser or user.pk not in (
        project.submitted_by_id,
        project.last_edited_by_id,
    )


def check_reviewer_independent(user, project) -> None:
    """Refuse (``PermissionDenied``) a review by whoever submitted or last edited it."""
    if not may_review_project(user, project):
        raise PermissionDenied(
            _("You submitted or last edited this project: another committee member must review it.")
        )


# Optimistic locking ------------------------------------------------------------------------


def check_lock_version(seen, current) -> None:
    """Refuse (``ValidationError``, code ``stale``) a change made from the edit version
    ``seen`` (None: unknown) when the project is now at edit version ``current``."""
    if seen != current:
        raise ValidationError(STALE_EDIT, code="stale")


# Workflow steps ---------------------------------------------------------------------------

# Each step of the workflow: the permission it needs and the statuses it starts from (its
# service refuses any other; ``decide`` is done on the review's own page).
WORKFLOW_STEPS = {
    "submit": ("catalogue.submit_project", (Status.DRAFT, Status.NEEDS_INFORMATION)),
    "review": (
        "catalogue.review_project",
        (Status.SUBMITTED, Status.IN_REVIEW, Status.ELIGIBLE, Status.NOT_ELIGIBLE),
    ),
    "decide": ("catalogue.decide_projectreview", (Status.IN_REVIEW,)),
    "publish": ("catalogue.publish_project", (Status.ELIGIBLE,)),
    "withdraw": ("catalogue.publish_project", (Status.PUBLISHED,)),
    "restore": ("catalogue.publish_project", (Status.WITHDRAWN,)),
    "confirm_current": ("catalogue.verify_project", (Status.PUBLISHED,)),
}
# Steps taken by the committee, who must not have submitted or last edited the project.
INDEPENDENT_STEPS = ("review", "decide")


def may_take_step(user, project, step: str) -> bool:
    """Whether ``user`` may take the workflow ``step`` on ``project`` now: the step's
    permission, the project's status, the user's municipal scope and, for the committee's
    steps, reviewer independence."""
    permission, statuses = WORKFLOW_STEPS[step]
    return (
        user.has_perm(permission)
        and project.status in statuses
        and can_act_on_municipality(user, project.municipality_id)
        and (step not in INDEPENDENT_STEPS or may_review_project(user, project))
    )


# Example reference ---------------------------------------------------------------------------


def check_not_example_reference(reference: str) -> None:
    """Refuse (``ValidationError`` on ``reference``) the import template's example
    reference: the example row is never imported, and no project carries it."""
    if (reference or "").strip().upper() == EXAMPLE_REFERENCE:
        raise ValidationError(
            {
                "reference": _(
                    "%(reference)s is the reference of the template's example row: replace "
                    "the example with your own projects (or delete its line)."
                )
                % {"reference": EXAMPLE_REFERENCE}
            },
            code="example",
        )
