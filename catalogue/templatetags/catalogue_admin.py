from django import template
from django.db.models import Count

from catalogue.models import Project, ProjectReview
from catalogue.register.choices import Status
from catalogue.register.permissions import scope_projects

register = template.Library()


@register.simple_tag(takes_context=True)
def catalogue_dashboard(context):
    """Counts by workflow status and the reviews waiting for a decision, in the user's scope."""
    user = context["request"].user
    if not user.has_perm("catalogue.view_project"):
        return None
    counts = dict(
        scope_projects(user, Project.objects.all())
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
    )
    waiting = (
        ProjectReview.objects.latest_per_project()
        .filter(decision="", project__in=scope_projects(user, Project.objects.all()))
        .select_related("project", "reviewer")
        .order_by("created_at")[:20]
    )
    return {
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "waiting": list(waiting) if user.has_perm("catalogue.view_projectreview") else [],
        "can_see_reviews": user.has_perm("catalogue.view_projectreview"),
    }
