"""Background work: dossiers too large to render within a web request."""

from django.tasks import task
from django.utils import translation

from .pdf import render_dossier, select_dossier


@task()
def build_dossier(*, language: str, query: str, title: str, key: str, site_url: str) -> str:
    """Render the dossier of a catalogue selection into the PDF cache, under ``key``."""
    with translation.override(language):
        dossier = select_dossier(query, title=title, site_url=site_url)
        dossier.key = key  # the name the visitor's status page waits for
        return render_dossier(dossier).name
