"""Template filters about background tasks (``catalogue.tasks``)."""

from django import template

from ..tasks import unclaimed as task_unclaimed

register = template.Library()


@register.filter
def unclaimed(result) -> bool:
    """Whether no worker has picked the task of ``result`` up in time (see
    ``catalogue.tasks.unclaimed``)."""
    return task_unclaimed(result)
