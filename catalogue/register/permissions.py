"""Who may act on what: the three staff roles and the municipal scope of focal points.

Roles are Django groups created on every ``migrate`` (see ``catalogue.register.roles``). A user
attached to a municipality as a focal point sees and edits that municipality's projects
only; others are not found (404) for them.

A member of the focal point group who is not attached to a municipality yet (no
``FocalPoint`` row) is restricted to nothing: they see no project and create none
(fail closed), until a ministry administrator attaches them.
"""

from django.db.models import QuerySet

from catalogue.register.roles import FOCAL_POINT

# The scope of a focal point attached to no municipality: no municipality has this id.
NO_MUNICIPALITY = 0


def is_unattached_focal_point(user) -> bool:
    """A member of the focal point group without a municipality (sees and creates nothing)."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return False
    if getattr(user, "focal_point", None) is not None:
        return False
    cached = getattr(user, "_in_focal_point_group", None)
    if cached is None:
        cached = user.groups.filter(name=FOCAL_POINT).exists()
        user._in_focal_point_group = cached
    return cached


def focal_municipality_id(user) -> int | None:
    """The municipality a focal point is restricted to, or None for unrestricted staff.

    A focal point not attached to a municipality gets ``NO_MUNICIPALITY``, which matches
    no municipality: every scoped query is empty and every municipality is refused.
    """
    if user is None or not user.is_authenticated or user.is_superuser:
        return None  # None: the system itself (an operator's command)
    focal_point = getattr(user, "focal_point", None)
    if focal_point is not None:
        return focal_point.municipality_id
    return NO_MUNICIPALITY if is_unattached_focal_point(user) else None


def can_act_on_municipality(user, municipality_id: int) -> bool:
    restricted_to = focal_municipality_id(user)
    return restricted_to is None or restricted_to == municipality_id


def scope_projects(user, queryset: QuerySet) -> QuerySet:
    """The projects ``user`` may see in the admin."""
    restricted_to = focal_municipality_id(user)
    if restricted_to is None:
        return queryset
    if restricted_to == NO_MUNICIPALITY:
        return queryset.none()
    return queryset.filter(municipality_id=restricted_to)
