"""Background work: dossiers too large to render within a web request."""

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone, translation

from catalogue.outputs.dossier import render_dossier, select_dossier
from catalogue.outputs.dossier_parts import render_in_parts


@task()
def build_dossier(*, language: str, query: str, title: str, key: str, site_url: str) -> str:
    """Render the dossier of a catalogue selection into the PDF cache, under ``key``, in
    parts that the other free task workers help to render."""
    with translation.override(language):
        dossier = select_dossier(query, title=title, site_url=site_url)
        dossier.key = key  # the name the visitor's status page waits for
        return render_dossier(dossier, render=render_in_parts).name


def unclaimed(result) -> bool:
    """Whether a task (its ``TaskResult``) has waited longer than
    ``TASK_UNCLAIMED_SECONDS`` without a worker picking it up: the worker may be down.
    A task a worker runs, or a result the backend does not keep (None), is not."""
    enqueued = getattr(result, "enqueued_at", None)
    return (
        getattr(result, "status", None) == TaskResultStatus.READY
        and enqueued is not None
        and timezone.now() - enqueued > timedelta(seconds=settings.TASK_UNCLAIMED_SECONDS)
    )
