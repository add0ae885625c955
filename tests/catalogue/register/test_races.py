"""Simultaneous requests: the first downloads of a PDF sheet, two reviewers deciding at once.

Each scenario runs its requests in threads released together by a barrier, against the
test database committed for real (``transaction=True``), so that PostgreSQL's row locks
and the storage's files are exercised as under a real server.
"""

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from catalogue.models import Project, ProjectReview, ProjectTransition
from catalogue.register import reviews, services
from catalogue.register.choices import Decision, Gate, Status
from tests.factories import ProjectFactory
from tests.helpers import change_form_data

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
    # WeasyPrint and the fonts are loaded, as on a server that has served a sheet.
    warm = ProjectFactory(published=True)
    assert Client().get(f"/fr/catalogue/{warm.reference}/sheet.pdf").status_code == 200

    def download(_index):
        response = Client(raise_request_exception=False).get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    folders = ("pdf-cache/sheets",)
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
    from catalogue.outputs import pdf

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


# Reviews ----------------------------------------------------------------------------


def messages_shown(html: str) -> list[str]:
    """The admin messages on a page."""
    listed = re.search(r'<ul class="messagelist">(.*?)</ul>', html, re.S)
    items = re.findall(r"<li[^>]*>(.*?)</li>", listed[1], re.S) if listed else []
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def decidable_review(team):
    """A review every gate and criterion of which is filled in, ready to be decided."""
    project = ProjectFactory()
    services.project_submit(project=project, user=team["focal"])
    review = reviews.review_open(project=project, user=team["editor_of_reviews"])
    review.gates.update(passed=True, comment="Vérifié sur pièces.")
    review.scores.update(score=4, comment="Noté en comité.")
    review.public_summary_fr = "Projet éligible."
    review.save()
    reviews.review_refresh_score(review)
    return project, review


@pytest.fixture
def reviewers(reference_data, make_user, team):
    from catalogue.register.roles import COMMITTEE

    return {**team, "editor_of_reviews": make_user("committee3", COMMITTEE)}


def stale_decision_form(client, user, url):
    """What a reviewer posts to decide a review: the change form as they opened it, every
    gate passed, the decision "eligible as a PPP contract"."""
    client.force_login(user)
    data = change_form_data(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    for index in range(len(Gate.values)):
        data[f"gates-{index}-passed"] = "true"
    data["decide"] = Decision.ELIGIBLE_PPP
    return data


@pytest.mark.django_db
def test_a_reviewer_deciding_a_review_a_colleague_has_just_decided_is_told_and_changes_nothing(
    client, reviewers
):
    """Both opened the review; the first decides; the second's form, opened before, comes
    in after (on SQLite, whose write transactions queue, the race always ends this way)."""
    project, review = decidable_review(reviewers)
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    first, second = Client(), Client()
    first_form = stale_decision_form(first, reviewers["committee"], url)
    second_form = stale_decision_form(second, reviewers["committee2"], url)
    second_form["decide"] = Decision.NEEDS_INFORMATION
    second_form["public_summary_fr"] = "Réécrit par le second."

    assert first.post(url, first_form).status_code == 302
    response = second.post(url, second_form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == url
    page = second.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert messages_shown(page.text) == [
        "This review was decided meanwhile by committee (Eligible as a PPP contract); your "
        "changes were not saved."
    ]
    review = ProjectReview.objects.get(pk=review.pk)
    assert (review.decision, review.decided_by) == (Decision.ELIGIBLE_PPP, reviewers["committee"])
    assert review.public_summary_fr == "Projet éligible."
    assert Project.objects.get(pk=project.pk).status == Status.ELIGIBLE
    assert ProjectTransition.objects.filter(project=project, to_status=Status.ELIGIBLE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_reviewers_deciding_at_once_record_one_decision_and_the_second_is_told(
    reviewers, round_
):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite queues write transactions (IMMEDIATE), so the second save always starts "
            "after the first committed (the test above); its in-memory test database even "
            "refuses a concurrent writer (table locked) instead of queueing it"
        )
    project, review = decidable_review(reviewers)
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    users = [reviewers["committee"], reviewers["committee2"]]
    clients = [Client(), Client()]
    payloads = [stale_decision_form(c, user, url) for c, user in zip(clients, users, strict=True)]

    def decide(index):
        response = clients[index].post(url, payloads[index], HTTP_ACCEPT_LANGUAGE="en")
        page = clients[index].get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
        # The page's text (the test client's captured contexts mix between threads).
        return response.status_code, messages_shown(page.text)

    answers = run_together(2, decide)

    review = ProjectReview.objects.get(pk=review.pk)
    assert review.decision == Decision.ELIGIBLE_PPP
    assert review.decided_by in users and review.decided_at is not None
    project = Project.objects.get(pk=project.pk)
    assert project.status == Status.ELIGIBLE
    assert ProjectTransition.objects.filter(project=project, to_status=Status.ELIGIBLE).count() == 1
    winner = users.index(review.decided_by)
    loser = 1 - winner
    assert [status for status, _messages in answers] == [302, 302]
    assert "Decision recorded: Eligible as a PPP contract." in answers[winner][1]
    assert not any("Decision recorded" in message for message in answers[loser][1])
    assert answers[loser][1] == [
        f"This review was decided meanwhile by {review.decided_by.username} (Eligible as a "
        "PPP contract); your changes were not saved."
    ]
    # The decision stands: the project can be published.
    services.project_publish(project=project, user=reviewers["editor"])
    assert Project.objects.get(pk=project.pk).status == Status.PUBLISHED
