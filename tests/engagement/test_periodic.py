"""Periodic work on the portal's task worker, the retention purge, and its command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library_worker
from django_tasks_db.models import DBTaskResult

from catalogue.engagement import tasks
from catalogue.engagement.models import ExpressionOfInterest, RateCount, Subscription
from catalogue.management.commands.db_worker import Command as WorkerCommand

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting():
    return DBTaskResult.objects.filter(
        task_path=tasks.periodic_work.module_path, status=TaskResultStatus.READY
    )


def test_the_worker_schedules_the_periodic_work_once(database_tasks, monkeypatch):
    monkeypatch.setattr(library_worker.Command, "handle", lambda self, *a, **k: None)
    for _start in range(3):  # three starts of the worker (restarts)
        WorkerCommand().handle(batch=False)
    assert waiting().count() == 1
    WorkerCommand().handle(batch=True)  # a batch run schedules nothing
    assert waiting().count() == 1


def test_the_periodic_work_runs_its_jobs_and_schedules_its_next_run(database_tasks, settings):
    settings.ENGAGEMENT_PERIODIC_MINUTES = 30
    done = tasks.periodic_work.call()
    assert set(done) == {"digests", "verification", "purge"}
    [next_run] = waiting()
    assert timedelta(minutes=29) < next_run.run_after - timezone.now() <= timedelta(minutes=30)
    tasks.periodic_work.call()  # a second run while the next one waits: still one
    assert waiting().count() == 1


def test_old_personal_data_is_purged(project, settings):
    settings.ENGAGEMENT_RETENTION_DAYS = 30
    now = timezone.now()
    old = ExpressionOfInterest.objects.create(
        project=project,
        organisation="Ancienne SA",
        country="Tunisie",
        investor_kind="fund",
        name="A",
        email="old@example.org",
        message="m",
        consent=True,
    )
    recent = ExpressionOfInterest.objects.create(
        project=project,
        organisation="Récente SA",
        country="Tunisie",
        investor_kind="fund",
        name="B",
        email="new@example.org",
        message="m",
        consent=True,
    )
    ExpressionOfInterest.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    kept = Subscription.objects.create(email="k@example.org", kind="search", confirmed_at=now)
    expired = Subscription.objects.create(email="e@example.org", kind="search", query="q=x")
    unconfirmed = Subscription.objects.create(email="u@example.org", kind="search", query="q=y")
    Subscription.objects.filter(pk=expired.pk).update(created_at=now - timedelta(days=31))
    Subscription.objects.filter(pk=unconfirmed.pk).update(created_at=now - timedelta(days=8))
    RateCount.objects.create(key="gone", count=3, expires_at=now - timedelta(hours=1))

    call_command("purge_personal_data", verbosity=0)

    assert list(ExpressionOfInterest.objects.all()) == [recent]
    assert not ExpressionOfInterest.history.filter(id=old.pk).exists()
    assert list(Subscription.objects.all()) == [kept]
    assert not RateCount.objects.exists()
