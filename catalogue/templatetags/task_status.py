"""Template filters about background tasks (``catalogue.outputs.tasks``)."""

from django import template

from catalogue.outputs.tasks import unclaimed as task_unclaimed

register = template.Library()


@register.filter
def unclaimed(result) -> bool:
    """Whether no worker has picked the task of ``result`` up in time (see
    ``catalogue.outputs.tasks.unclaimed``)."""
    return task_unclaimed(result)
