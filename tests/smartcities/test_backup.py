"""The restore drill: back up, lose data, restore, and find everything as it was."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalogue.models import Project
from smartcities.core.backup import document_checksums, media_checksums, table_counts
from tests.factories import ProjectFactory, image_file


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_every_file(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    call_command("load_reference_data", verbosity=0)
    project = ProjectFactory(published=True)
    project.images.create(image=image_file(), caption_fr="Vue")
    document = project.documents.create(
        title_fr="Note interne",
        file=SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n"),
        is_public=False,
    )
    before_rows, before_files = table_counts(), media_checksums()
    before_documents = document_checksums()
    assert before_files, "the photo and its thumbnail are in the backup"
    assert list(before_documents) == [document.file.name], "the document, out of the media"

    call_command("backup", to=tmp_path / "backups", verbosity=0)
    folder = next((tmp_path / "backups").iterdir())

    # Something goes wrong: projects deleted, a photo lost, a stray file appears.
    Project.objects.all().delete()
    first = next(iter(before_files))
    (settings.MEDIA_ROOT / first).unlink()
    (settings.MEDIA_ROOT / "stray.txt").write_text("not in the backup")
    Path(document.file.path).unlink()
    (settings.PRIVATE_MEDIA_ROOT / "stray.pdf").write_bytes(b"%PDF-1.4 not in the backup")
    assert table_counts() != before_rows and document_checksums() != before_documents

    call_command("restore", folder, no_input=True, verbosity=0)
    assert table_counts() == before_rows
    assert media_checksums() == before_files
    assert document_checksums() == before_documents
    assert Project.objects.filter(reference=project.reference).exists()


@pytest.mark.django_db(transaction=True)
def test_no_cached_page_survives_a_restore(tmp_path, settings, client):
    settings.CACHE_PUBLIC_PAGES = True
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    call_command("load_reference_data", verbosity=0)
    project = ProjectFactory(published=True, title_fr="Oasis intelligente avant")
    call_command("backup", to=tmp_path / "backups", verbosity=0)
    folder = next((tmp_path / "backups").iterdir())

    project.title_fr = "Oasis intelligente après"
    project.save()
    for url in (project.get_absolute_url(), "/fr/catalogue/"):
        assert "Oasis intelligente après" in client.get(url).text  # now cached
        assert "Oasis intelligente après" in client.get(url).text

    call_command("restore", folder, no_input=True, verbosity=0)
    for url in (project.get_absolute_url(), "/fr/catalogue/"):
        page = client.get(url).text
        assert "Oasis intelligente avant" in page and "Oasis intelligente après" not in page


@pytest.mark.django_db
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", tmp_path, no_input=True)
