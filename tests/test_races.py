"""Simultaneous requests: the first downloads of a PDF sheet.

Each scenario runs its requests in threads released together by a barrier, against the
test database committed for real (``transaction=True``), so that PostgreSQL's row locks
and the storage's files are exercised as under a real server.
"""

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from catalogue.models import Project
from tests.factories import ProjectFactory

DOWNLOADS = 20


def run_together(count, call, *, spread=0.0):
    """``call(index)`` in ``count`` threads released at the same moment (or, with
    ``spread``, thread ``i`` ``i * spread`` seconds after), each with its own database
    connection (closed after); their results, in order."""
    barrier = threading.Barrier(count)

    def one(index):
        try:
            barrier.wait(timeout=30)
            time.sleep(index * spread)
            return call(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def cache_files(folder: str) -> set[str]:
    """The files in a folder of the media storage."""
    return set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()


@pytest.fixture
def reference_data():
    """The shipped reference data (the transactional tests run before flush it)."""
    from django.core.management import call_command

    from municipalities.models import Municipality

    if not Municipality.objects.exists():
        call_command("load_reference_data", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_downloads_of_a_sheet_all_get_the_whole_pdf_and_one_cache_file(
    reference_data,
):
    project = ProjectFactory(published=True, summary_fr="Des LED pilotées.")
    url = f"/fr/catalogue/{project.reference}/sheet.pdf"
    # The rendering workers are started and warm, as on a server that has served a sheet.
    warm = ProjectFactory(published=True)
    assert Client().get(f"/fr/catalogue/{warm.reference}/sheet.pdf").status_code == 200

    def download(_index):
        response = Client(raise_request_exception=False).get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    folders = ("pdf-cache/sheets", "pdf-cache/sheet-pages")
    for round_ in range(5):
        # Right after a change: a sheet that is not cached yet.
        title = f"Éclairage public intelligent, version {round_}"
        Project.objects.filter(pk=project.pk).update(title_fr=title)
        before = {folder: cache_files(folder) for folder in folders}
        # As from a real server's threads: the requests arrive within a few tens of
        # milliseconds, some while others render, store or stream the sheet.
        answers = run_together(DOWNLOADS, download, spread=0.01)

        assert [status for status, _body in answers] == [200] * DOWNLOADS
        for _status, body in answers:
            assert body.startswith(b"%PDF-")
            assert b"%%EOF" in body[-1024:]
            reader = PdfReader(io.BytesIO(body), strict=True)
            assert title in " ".join(reader.pages[0].extract_text().split())
        # One file for the new key in each folder: no duplicate (name_XXXXXXX.pdf), no
        # temporary file left over, no earlier file deleted.
        for folder in folders:
            files = cache_files(folder)
            new = files - before[folder]
            assert before[folder] <= files
            assert len(new) == 1, sorted(new)
            (name,) = new
            assert name.startswith(f"{project.reference}-fr-") and name.endswith(".pdf")
            assert "_" not in name.removesuffix(".pdf").rsplit("-", 1)[1]
        # What is cached is the complete PDF that was served.
        (sheet,) = cache_files("pdf-cache/sheets") - before["pdf-cache/sheets"]
        with default_storage.open(f"pdf-cache/sheets/{sheet}", "rb") as cached:
            assert cached.read() in {body for _status, body in answers}


@pytest.mark.django_db
def test_a_storage_without_local_paths_keeps_one_whole_file_per_key(settings, monkeypatch):
    """A storage that is not a folder (an S3 bucket) has nothing to rename: the PDF is
    saved under its name once, and a duplicate made by a concurrent save is removed."""
    from catalogue import pdf

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    name = "pdf-cache/sheets/TST-2025-001-fr-0123.pdf"
    pdf._store(name, b"%PDF-1.7 first")
    pdf._store(name, b"%PDF-1.7 first")  # already there: left alone
    # Another request stored it between this one's check and its save: the storage gives
    # this save another name, and that copy goes.
    monkeypatch.setattr(default_storage, "exists", lambda name: False)
    pdf._store(name, b"%PDF-1.7 first")
    monkeypatch.undo()
    assert default_storage.listdir("pdf-cache/sheets")[1] == ["TST-2025-001-fr-0123.pdf"]
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == b"%PDF-1.7 first"
