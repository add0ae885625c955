"""Digests: exactly the changes of the period, for confirmed subscriptions, never twice."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from catalogue.engagement import digests
from catalogue.engagement.digests import last_period, send_due_digests
from catalogue.engagement.models import DigestLog, Subscription
from catalogue.models import ProjectDocument
from catalogue.register.choices import Screening, Stage
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def tomorrow():
    """A moment of tomorrow: the daily period to report is today."""
    return timezone.localtime() + timedelta(days=1)


def confirmed(**kwargs):
    today = last_period("daily", timezone.localtime() + timedelta(days=1)).start
    return Subscription.objects.create(
        email="reader@example.org", frequency="daily", confirmed_at=today, **kwargs
    )


def test_the_last_period_is_the_last_complete_day_or_week():
    wednesday = timezone.make_aware(datetime(2026, 12, 2, 9, 30))
    day = last_period("daily", wednesday)
    assert day.key == "2026-12-01"
    assert (day.start.day, day.end.day, day.start.hour) == (1, 2, 0)
    week = last_period("weekly", wednesday)
    assert week.key == "2026-W48"
    assert (week.start.date().isoformat(), week.end.date().isoformat()) == (
        "2026-11-23",
        "2026-11-30",
    )


def test_a_saved_search_lists_exactly_the_new_matching_projects(tomorrow):
    confirmed(kind="search", query="stage=planning")
    new_match = ProjectFactory(published=True, stage=Stage.PLANNING, title_fr="Parking connecté")
    ProjectFactory(published=True, stage=Stage.AWARDED, title_fr="Déjà attribué")
    ProjectFactory(stage=Stage.PLANNING, title_fr="Brouillon")  # not public
    ProjectFactory(
        published=True,
        stage=Stage.PLANNING,
        title_fr="Publié hier",
        published_at=timezone.now() - timedelta(days=2),
    )

    assert send_due_digests(tomorrow) == 1

    [message] = mail.outbox
    assert "Parking connecté" in message.body
    assert new_match.reference in message.body
    for other in ("Déjà attribué", "Brouillon", "Publié hier"):
        assert other not in message.body
    assert "1 nouveau projet" in message.subject or "1 new project" in message.subject
    assert f"https://smartcities.example.tn/fr/catalogue/{new_match.reference}/" in message.body
    assert "/fr/catalogue/?stage=planning" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_followed_project_lists_its_stage_screening_and_document_changes(project, tomorrow):
    confirmed(kind="project", project=project, language="en")
    project.stage = Stage.PROCUREMENT
    project.save()
    project.screening = Screening.ELIGIBLE_PPP
    project.save()
    project.title_fr = "Un autre titre"  # not news for followers
    project.save()
    public = ProjectDocument(project=project, title_fr="Étude de faisabilité", is_public=True)
    public.file.save("study.pdf", ContentFile(PDF), save=False)
    public.save()
    restricted = ProjectDocument(project=project, title_fr="Note interne", is_public=False)
    restricted.file.save("note.pdf", ContentFile(PDF), save=False)
    restricted.save()

    assert send_due_digests(tomorrow) == 1

    [message] = mail.outbox
    changes = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert len(changes) == 3, message.body
    assert "Detailed planning → Under procurement" in changes[0]
    assert "Not yet screened → Eligible as a PPP contract" in changes[1]
    assert "Étude de faisabilité" in changes[2]
    assert "Note interne" not in message.body and "Un autre titre" not in message.body
    assert message.subject.startswith(f"{project.reference}: 3 ")


def test_nothing_is_sent_when_nothing_changed_or_before_confirmation(project, tomorrow):
    confirmed(kind="project", project=project)
    Subscription.objects.create(
        email="unconfirmed@example.org", kind="search", query="", frequency="daily"
    )
    assert send_due_digests(tomorrow) == 0
    assert mail.outbox == []


def test_a_digest_is_never_sent_twice(project, tomorrow):
    subscription = confirmed(kind="project", project=project)
    project.stage = Stage.ANNOUNCED
    project.save()

    assert send_due_digests(tomorrow) == 1
    assert send_due_digests(tomorrow) == 0  # the worker runs again
    assert len(mail.outbox) == 1
    log = DigestLog.objects.get()
    assert (log.subscription, log.items, log.sent_at is not None) == (subscription, 1, True)


def test_a_period_claimed_by_a_worker_that_died_is_not_sent_again(project, tomorrow):
    subscription = confirmed(kind="project", project=project)
    project.stage = Stage.ANNOUNCED
    project.save()
    period = last_period("daily", tomorrow)
    # A worker claimed the period, then stopped before sending.
    DigestLog.objects.create(subscription=subscription, period=period.key, items=1)

    assert send_due_digests(tomorrow) == 0
    assert mail.outbox == []


def test_a_claim_taken_meanwhile_by_another_worker_sends_nothing(project, tomorrow):
    subscription = confirmed(kind="project", project=project)
    project.stage = Stage.ANNOUNCED
    project.save()
    period = last_period("daily", tomorrow)
    DigestLog.objects.create(subscription=subscription, period=period.key)
    assert digests.send_digest(subscription, period) is False
    assert mail.outbox == []
