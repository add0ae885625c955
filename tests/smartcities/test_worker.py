"""The task worker (django-tasks-db's ``db_worker``) and the pages that wait for it.

The worker must outlive a transient database error ("database is locked" on SQLite, a
connection lost on PostgreSQL), the embedded SQLite database must be set up for
concurrent use, and a page waiting for a task that no worker has picked up says so.
"""

import contextlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import TaskResultStatus, task
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library_worker
from django_tasks_db.models import DBTaskResult

ROOT = Path(__file__).resolve().parents[2]


@task()
def add(a: int, b: int) -> int:
    """A task for these tests."""
    return a + b


@pytest.fixture
def database_tasks(settings):
    """Tasks queued in the database, as in production (no worker runs in the tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker_once():
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
    )


# The worker closes its database connections after an error: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_locked_database_and_runs_the_task(database_tasks, monkeypatch):
    result = add.enqueue(2, 3)
    real = library_worker.exclusive_transaction
    failures = []

    @contextlib.contextmanager
    def locked_twice(using=None):
        # SQLite's answer when another connection holds the write lock past the timeout,
        # raised where the worker opens its transaction to claim a task.
        if len(failures) < 2:
            failures.append(using)
            raise OperationalError("database is locked")
        with real(using):
            yield

    monkeypatch.setattr(library_worker, "exclusive_transaction", locked_twice)
    monkeypatch.setattr("catalogue.management.commands.db_worker.BACKOFF", (0.01, 0.05))
    run_worker_once()

    assert len(failures) == 2
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 5


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_lost_connection_while_it_looks_for_tasks(
    database_tasks, monkeypatch
):
    result = add.enqueue(1, 1)
    real = DBTaskResult.objects.ready
    calls = []

    def lost_once():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    monkeypatch.setattr(DBTaskResult.objects, "ready", lost_once)
    monkeypatch.setattr("catalogue.management.commands.db_worker.BACKOFF", (0.01, 0.05))
    run_worker_once()

    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


def test_the_embedded_sqlite_database_is_set_up_for_concurrent_use(tmp_path):
    """WAL (readers never wait for the writer), write transactions that take the lock at
    once (IMMEDIATE: no deadlock between two upgrading readers) and a busy timeout long
    enough to queue behind a slow write instead of failing "database is locked"."""
    script = (
        "import json, django; django.setup(); from django.db import connection;"
        "cursor = connection.cursor();"
        "values = {p: cursor.execute(f'PRAGMA {p}').fetchone()[0]"
        " for p in ('journal_mode', 'busy_timeout')};"
        "values['transaction_mode'] = connection.transaction_mode;"
        "print(json.dumps(values))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smartcities.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["journal_mode"] == "wal"
    assert values["transaction_mode"] == "IMMEDIATE"
    assert values["busy_timeout"] >= 20_000  # milliseconds


# Waiting pages -------------------------------------------------------------------------


def backdate(result, seconds: int) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=seconds)
    )


NO_WORKER = "No worker has picked this dossier up yet"


@pytest.mark.django_db
def test_the_dossier_page_says_when_no_worker_has_picked_its_task_up(
    client, settings, database_tasks
):
    settings.DOSSIER_SYNC_MAX_PROJECTS = 1
    response = client.get("/en/catalogue/dossier.pdf", {"governorate": "gabes"})
    assert response.status_code == 302
    status_url = response["Location"]
    page = client.get(status_url)
    assert page.status_code == 202
    assert "being prepared" in page.text and NO_WORKER not in page.text

    (result,) = DBTaskResult.objects.all()
    backdate(result, settings.TASK_UNCLAIMED_SECONDS + 1)
    page = client.get(status_url)
    assert page.status_code == 202
    assert NO_WORKER in page.text
    assert "the service that prepares dossiers may be down" in page.text

    # Picked up (running): no alarm, however long it has waited.
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING)
    assert NO_WORKER not in client.get(status_url).text


@pytest.mark.django_db
def test_the_background_import_page_says_when_no_worker_has_picked_it_up(
    client, team, settings, database_tasks
):
    from catalogue.intake.imports import import_projects_task
    from catalogue.intake.resources import TASKS_SESSION_KEY

    client.force_login(team["editor"])
    result = import_projects_task.enqueue(
        stored="pending-imports/none.csv",
        name="projets.csv",
        user_id=team["editor"].pk,
        language="en",
    )
    session = client.session
    session[TASKS_SESSION_KEY] = [str(result.id)]
    session.save()
    url = reverse("admin:catalogue_project_import_status", args=[str(result.id)])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 202
    assert "running in the background" in page.text
    assert "No worker has picked this import up yet" not in page.text

    backdate(result, settings.TASK_UNCLAIMED_SECONDS + 1)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 202
    assert "No worker has picked this import up yet" in page.text
    assert "manage.py db_worker" in page.text
