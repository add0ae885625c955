"""Project documents: kept out of the public media, served only through a view that
checks who asks (a public document of a public project: anyone; otherwise staff in
scope)."""

import importlib
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.urls import reverse

from catalogue.models import ProjectDocument
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test document\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return settings.PRIVATE_MEDIA_ROOT


def add_document(project, *, public, title="Étude de faisabilité", content=PDF):
    return ProjectDocument.objects.create(
        project=project,
        title_fr=title,
        file=SimpleUploadedFile("../../etude.pdf", content),
        is_public=public,
    )


def url_of(document):
    return reverse(
        "catalogue:project_document",
        kwargs={"reference": document.project.reference, "pk": document.pk},
    )


def test_a_document_is_stored_out_of_the_public_media_and_has_no_media_url(settings, private_media):
    document = add_document(ProjectFactory(published=True), public=False)
    stored = Path(document.file.path)
    assert stored.is_relative_to(private_media) and stored.read_bytes() == PDF
    assert not stored.is_relative_to(settings.MEDIA_ROOT)
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert document.file.url == url_of(document)
    assert document.file.url.startswith("/fr/catalogue/TST-")
    with pytest.raises(ValueError):
        document.file.storage.url(document.file.name)  # the storage itself has no URL


def test_a_public_document_of_a_public_project_is_streamed_to_anyone(client):
    document = add_document(ProjectFactory(published=True), public=True)
    response = client.get(url_of(document))
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{document.project.reference}-etude-de-faisabilite.pdf"'
    )
    assert "private" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert client.head(url_of(document)).status_code == 200
    assert client.post(url_of(document)).status_code == 405


def test_the_download_name_is_safe_whatever_the_title(client):
    document = add_document(
        ProjectFactory(published=True),
        public=True,
        title='Plan "final"\r\nSet-Cookie: x=1; ../../etc/passwd \u202egnp.exe',
    )
    disposition = client.get(url_of(document))["Content-Disposition"]
    name = disposition.removeprefix('attachment; filename="').removesuffix('"')
    assert name == f"{document.project.reference}-plan-final-set-cookie-x1-etcpasswd-gnpexe.pdf"
    arabic = add_document(document.project, public=True, title="دراسة الجدوى")
    disposition = client.get(url_of(arabic))["Content-Disposition"]
    assert disposition == f'attachment; filename="{document.project.reference}-{arabic.pk}.pdf"'


def test_a_restricted_document_or_one_of_a_draft_is_not_found_for_the_public(client, make_user):
    published, draft = ProjectFactory(published=True), ProjectFactory()
    restricted = add_document(published, public=False)
    of_a_draft = add_document(draft, public=True)
    staff_without_role = make_user("clerk")  # is_staff, no permission
    for document in (restricted, of_a_draft):
        assert client.get(url_of(document)).status_code == 404
        client.force_login(staff_without_role)
        assert client.get(url_of(document)).status_code == 404
        client.logout()


def test_staff_read_restricted_documents_within_their_scope(client, team):
    gabes = ProjectFactory()  # a draft in Gabès (the factory's municipality)
    document = add_document(gabes, public=False)
    for name in ("editor", "committee", "focal", "root"):
        client.force_login(team[name])
        response = client.get(url_of(document))
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == PDF
        assert "no-store" in response["Cache-Control"]
    client.force_login(team["other_focal"])  # the focal point of Sfax
    assert client.get(url_of(document)).status_code == 404


def test_a_document_is_not_found_under_another_projects_reference(client):
    document = add_document(ProjectFactory(published=True), public=True)
    other = ProjectFactory(published=True)
    url = reverse(
        "catalogue:project_document", kwargs={"reference": other.reference, "pk": document.pk}
    )
    assert client.get(url).status_code == 404


def test_a_missing_file_is_a_404_not_a_500(client):
    document = add_document(ProjectFactory(published=True), public=True)
    Path(document.file.path).unlink()
    client.raise_request_exception = False
    assert client.get(url_of(document)).status_code == 404


def test_the_project_page_links_public_documents_to_the_view(client):
    project = ProjectFactory(published=True)
    public = add_document(project, public=True, title="Étude publique")
    restricted = add_document(project, public=False, title="Note interne")
    page = client.get(project.get_absolute_url()).text
    assert f'href="{url_of(public)}"' in page
    assert "Note interne" not in page and url_of(restricted) not in page
    assert "/media/projects/documents" not in page


def test_the_admin_links_documents_to_the_view(client, team):
    project = ProjectFactory()
    document = add_document(project, public=False)
    client.force_login(team["editor"])
    for url in (
        reverse("admin:catalogue_project_change", args=[project.pk]),
        reverse("admin:catalogue_projectdocument_change", args=[document.pk]),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").text
        assert f'href="{url_of(document)}"' in page, url
        assert "/media/projects/documents" not in page


def test_the_oc4ids_package_links_public_documents_to_the_view(client):
    document = add_document(ProjectFactory(published=True), public=True)
    response = client.get("/api/oc4ids/projects.json")
    package = json.loads(b"".join(response.streaming_content))
    urls = [
        d["url"]
        for p in package["projects"]
        for d in p.get("documents", [])
        if not d["id"].startswith("source-")  # the sources cited, with or without address
    ]
    assert urls == [f"http://testserver{url_of(document)}"]
    assert client.get(urls[0]).status_code == 200


def test_the_migration_moves_documents_already_uploaded_out_of_the_media(settings, private_media):
    from django.apps import apps

    migration = importlib.import_module("catalogue.migrations.0009_private_project_documents")
    name = storages["default"].save("projects/documents/old.pdf", ContentFile(PDF))
    document = add_document(ProjectFactory(published=True), public=False)
    ProjectDocument.objects.filter(pk=document.pk).update(file=name)
    assert (Path(settings.MEDIA_ROOT) / name).exists()

    migration.to_private_storage(apps, None)
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert (private_media / name).read_bytes() == PDF
    migration.to_media_storage(apps, None)  # and back, when the migration is reversed
    assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == PDF
    assert not (private_media / name).exists()
