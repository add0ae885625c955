"""Project documents, served by the portal itself to those who may read them.

The files live in the private "documents" storage (``smartcities.core.storage``), which the
reverse proxy does not serve: this view is the only way to them.

- a public document of a public project: anyone;
- any other (restricted, or of a project not yet public): a staff user who may view the
  project's documents, within their scope (a municipal focal point: their municipality's
  projects only, ``catalogue.register.permissions``);
- everyone else: not found, as if the document did not exist.
"""

import logging

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from catalogue.models import Project, ProjectDocument
from catalogue.register.permissions import scope_projects

logger = logging.getLogger(__name__)

PUBLIC_MAX_AGE = 600  # seconds a browser may keep a public document


def is_public(document: ProjectDocument) -> bool:
    """Marked public and of a public project (``ProjectDocument.objects.public()``)."""
    return ProjectDocument.objects.public().filter(pk=document.pk).exists()


def staff_may_read(user, document: ProjectDocument) -> bool:
    """A staff user who may view projects and their documents, with this project in scope."""
    if not (user.is_active and user.is_staff):
        return False
    may_view_project = user.has_perm("catalogue.view_project") or user.has_perm(
        "catalogue.change_project"
    )
    may_view_documents = user.has_perm("catalogue.view_projectdocument") or user.has_perm(
        "catalogue.change_projectdocument"
    )
    if not (may_view_project and may_view_documents):
        return False
    return scope_projects(user, Project.objects.filter(pk=document.project_id)).exists()


def download_name(document: ProjectDocument) -> str:
    """A file name safe in a Content-Disposition header: the project's reference and the
    title in plain ASCII letters, digits and hyphens (never the uploaded name)."""
    title = slugify(document.title_fr or document.title)[:80].strip("-")
    return f"{document.project.reference}-{title or document.pk}.pdf"


@require_safe
def project_document(request, reference, pk):
    """``/<lang>/catalogue/<reference>/documents/<pk>.pdf``: the file, streamed."""
    document = get_object_or_404(
        ProjectDocument.objects.select_related("project"), pk=pk, project__reference=reference
    )
    public = is_public(document)
    if not public and not staff_may_read(request.user, document):
        raise Http404("No such document.")
    if not document.file:
        raise Http404("No such document.")
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        logger.error(
            "Document %s of %s: its file %s is missing from the storage",
            document.pk,
            reference,
            document.file.name,
        )
        raise Http404("No such document.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(document),
        content_type="application/pdf",  # checked by content on upload
    )
    response["X-Content-Type-Options"] = "nosniff"
    if public:
        patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
