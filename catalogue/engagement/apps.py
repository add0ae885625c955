from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue.engagement"
    label = "engagement"
    verbose_name = _("Investors and subscribers")

    def ready(self):
        from catalogue.engagement import workflow
        from catalogue.engagement.permissions import ensure_engagement_permissions

        # After catalogue's own receiver (which sets each role's permissions): this one
        # adds the engagement app's permissions to the roles.
        post_migrate.connect(
            ensure_engagement_permissions, dispatch_uid="engagement.ensure_permissions"
        )
        workflow.connect_signals()
