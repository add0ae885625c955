"""A project's photos and documents, and its workflow transitions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalogue.register.choices import (
    DocumentType,
    Status,
)
from catalogue.register.images import make_thumbnail
from smartcities.core.fields import (
    PrivatePdfFileField,
    SafeImageField,
    UploadTo,
    translated,
)

from .projects import Project, ProjectQuerySet


class ProjectImage(models.Model):
    """A photo in a project's gallery."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="images", verbose_name=_("project")
    )
    image = SafeImageField(_("image"), upload_to=UploadTo("projects/images"))
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=UploadTo("projects/thumbnails"), blank=True, editable=False
    )
    caption = translated(models.CharField(_("caption"), max_length=200, blank=True), required=())
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("project image")
        verbose_name_plural = _("project images")
        ordering = ["project", "position", "id"]

    def __str__(self):
        return self.caption or _("Image %(position)s") % {"position": self.position}

    def save(self, *args, **kwargs):
        # A new or replaced photo gets a new thumbnail.
        if self.image and (
            not self.thumbnail or self.image.name != getattr(self, "_loaded_image", None)
        ):
            self.thumbnail.save("thumbnail.jpg", make_thumbnail(self.image), save=False)
        super().save(*args, **kwargs)
        self._loaded_image = self.image.name

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_image = (
            values[field_names.index("image")] if "image" in field_names else None
        )
        return instance


class ProjectDocumentQuerySet(models.QuerySet):
    def public(self):
        """Documents anyone may download: marked public, of a public project."""
        return self.filter(ProjectQuerySet.public_condition("project__"), is_public=True)


class ProjectDocument(models.Model):
    """A file attached to a project: a study, a plan, minutes…"""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="documents", verbose_name=_("project")
    )
    title = translated(models.CharField(_("title"), max_length=200))
    # In the private "documents" storage, served only through catalogue.public.documents.
    file = PrivatePdfFileField(
        _("file"), upload_to=UploadTo("projects/documents"), help_text=_("A PDF document.")
    )
    document_type = models.CharField(
        _("document type"), max_length=40, choices=DocumentType, blank=True
    )
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Restricted documents are only visible to ministry staff."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ProjectDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["project", "position", "id"]

    def __str__(self):
        return self.title

    def get_file_url(self) -> str:
        """The file's address: the view that checks who may read it (``file.url`` too)."""
        return reverse(
            "catalogue:project_document",
            kwargs={"reference": self.project.reference, "pk": self.pk},
        )


class ProjectTransition(models.Model):
    """A step of a project's workflow: who moved it, from what to what, when and why."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("project")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status)
    to_status = models.CharField(_("to"), max_length=20, choices=Status)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("on"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["project", "-at", "-id"]

    def __str__(self):
        return f"{self.project.reference}: {self.from_status} → {self.to_status}"
