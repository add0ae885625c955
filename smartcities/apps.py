"""The project's own configuration of Django's admin app."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``smartcities.core.sites.PortalAdminSite`` as
    ``admin.site`` (its "view on site" shortcut follows each model admin's scope)."""

    default_site = "smartcities.core.sites.PortalAdminSite"
