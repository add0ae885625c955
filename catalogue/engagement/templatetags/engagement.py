"""``{% load engagement %}``: the engagement app's parts of catalogue pages, without the
catalogue knowing of the app (it only includes these tags)."""

from django import template
from django.conf import settings

from catalogue.engagement.services import interest_open_for

register = template.Library()


@register.inclusion_tag("engagement/partials/project_actions.html")
def project_engagement(project):
    """The project page's box: the count of expressions of interest received (never who),
    the form's button where the project's stage takes them, and "follow"."""
    return {
        "project": project,
        "interest_count": project.expressions_of_interest.count(),
        "interest_open": interest_open_for(project),
    }


@register.simple_tag
def engagement_retention_days():
    """How long personal data is kept (the methodology page)."""
    return settings.ENGAGEMENT_RETENTION_DAYS
