"""The staff roles' rights on the engagement app, added after every ``migrate``.

The roles themselves (Django groups) belong to ``catalogue.register.roles``, which sets
each group's catalogue permissions; this receiver runs after it and only adds.
"""

from django.contrib.auth.models import Group, Permission

from catalogue.register.roles import COMMITTEE, EDITOR, FOCAL_POINT

ENGAGEMENT_PERMISSIONS = {
    # The programme staff handle every expression of interest and see the subscriptions.
    EDITOR: [
        "view_expressionofinterest",
        "change_expressionofinterest",
        "view_subscription",
        "view_notice",
    ],
    # A focal point handles those of their municipality's projects (scoped in the admin).
    FOCAL_POINT: ["view_expressionofinterest", "change_expressionofinterest"],
    COMMITTEE: [],
}


def ensure_engagement_permissions(**kwargs) -> None:
    for name, codenames in ENGAGEMENT_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        permissions = list(
            Permission.objects.filter(content_type__app_label="engagement", codename__in=codenames)
        )
        if group is None or len(permissions) != len(codenames):
            continue  # not migrated yet
        group.permissions.add(*permissions)
