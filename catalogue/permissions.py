"""Who may act on what: the three staff roles and the municipal scope of focal points.

Roles are Django groups created on every ``migrate`` (see ``catalogue.roles``). A user
attached to a municipality as a focal point sees and edits that municipality's projects
only; others are not found (404) for them.
"""

from django.db.models import QuerySet


def focal_municipality_id(user) -> int | None:
    """The municipality a focal point is restricted to, or None for unrestricted staff."""
    if not user.is_authenticated or user.is_superuser:
        return None
    focal_point = getattr(user, "focal_point", None)
    return focal_point.municipality_id if focal_point else None


def can_act_on_municipality(user, municipality_id: int) -> bool:
    restricted_to = focal_municipality_id(user)
    return restricted_to is None or restricted_to == municipality_id


def scope_projects(user, queryset: QuerySet) -> QuerySet:
    """The projects ``user`` may see in the admin."""
    restricted_to = focal_municipality_id(user)
    if restricted_to is None:
        return queryset
    return queryset.filter(municipality_id=restricted_to)
