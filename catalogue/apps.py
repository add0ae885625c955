from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Catalogue of PPP projects")

    def ready(self):
        from catalogue import caching
        from catalogue.register import signals
        from catalogue.register.roles import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="catalogue.ensure_roles")
        caching.connect_signals()
        signals.connect_signals()
