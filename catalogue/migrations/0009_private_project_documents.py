"""Project documents move to the private "documents" storage, which the reverse proxy
does not serve (restricted documents were reachable by anyone at /media/): the field
changes storage and the files already uploaded are moved there."""

from django.core.files.storage import storages
from django.db import migrations

import smartcities.core.fields
import smartcities.core.storage
import smartcities.core.uploads


def _move(apps, source, target):
    """Copy every document's file from ``source`` to ``target``, then remove the
    originals (only once all are copied: a failure midway loses nothing)."""
    ProjectDocument = apps.get_model("catalogue", "ProjectDocument")
    names = ProjectDocument.objects.exclude(file="").values_list("file", flat=True)
    copied = []
    for name in names.iterator():
        if not source.exists(name):
            continue
        if not target.exists(name):
            with source.open(name, "rb") as content:
                saved = target.save(name, content)
            if saved != name:  # never expected: the name was checked free
                raise RuntimeError(f"Document {name} was stored as {saved}")
        copied.append(name)
    for name in copied:
        source.delete(name)


def to_private_storage(apps, schema_editor):
    _move(apps, storages["default"], smartcities.core.storage.document_storage())


def to_media_storage(apps, schema_editor):
    _move(apps, smartcities.core.storage.document_storage(), storages["default"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0008_facet_covering_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="projectdocument",
            name="file",
            field=smartcities.core.fields.PrivatePdfFileField(
                help_text="A PDF document.",
                storage=smartcities.core.storage.document_storage,
                upload_to=smartcities.core.fields.UploadTo("projects/documents"),
                validators=[smartcities.core.uploads.PdfUploadValidator()],
                verbose_name="file",
            ),
        ),
        migrations.RunPython(to_private_storage, to_media_storage, elidable=True),
    ]
