"""Two real task workers (``manage.py db_worker``) build a large dossier in parts.

The deployment the README describes: the portal's task workers, here two processes on the
test database, the queue in it (django-tasks-db), the media folder and the shared cache
folder in common. A visitor asks for a dossier too large for a request; one worker runs
the dossier's task, the other takes its parts from the queue; the visitor's waiting page
then serves a complete dossier and no part is left in the cache.

Needs PostgreSQL (``DATABASE_URL``): on SQLite the test database lives in this process's
memory, out of the workers' reach, and the test is skipped (``.ci/run`` runs it on its
PostgreSQL leg).
"""

import io
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from bench.harness import DB_TASKS, app_env, stop_group, task_worker
from municipalities.models import Municipality
from tests.factories import ProjectFactory
from tests.helpers import database_url

WAIT_S = 120  # for the dossier: the workers start (Django, WeasyPrint), then render


@pytest.fixture
def workers(transactional_db, settings, tmp_path):
    """Two task workers on the test database, this process queueing on it too."""
    if connection.vendor != "postgresql":
        pytest.skip("task workers in other processes need a database server (DATABASE_URL)")
    settings.TASKS = {"default": {"BACKEND": DB_TASKS}}
    env = app_env(
        DATABASE_URL=database_url(),
        TASKS_BACKEND=DB_TASKS,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        SHARED_CACHE_DIR=str(settings.CACHES["shared"]["LOCATION"]),
        DOSSIER_PART_PROJECTS="3",
        LOG_LEVEL="WARNING",
    )
    processes = [
        task_worker(
            env,
            interval="0.1",
            worker_id=f"test-worker-{number}",
            log=(tmp_path / f"worker-{number}.log").open("w"),
        )
        for number in (1, 2)
    ]
    try:
        yield tmp_path
    finally:
        for process in processes:
            stop_group(process)


def test_two_task_workers_build_a_large_dossier_in_parts(client, settings, workers):
    settings.DOSSIER_SYNC_MAX_PROJECTS = 2
    # An earlier test of the run may have emptied the database (transactional tests do):
    # the reference data again (municipalities, sectors, the licence's texts…).
    call_command("load_reference_data", verbosity=0)
    tozeur = Municipality.objects.get(code="6211")
    projects = [
        ProjectFactory(municipality=tozeur, published=True, title_fr=f"Projet de Tozeur {n}")
        for n in range(1, 8)
    ]
    response = client.get("/fr/municipalities/tozeur/dossier.pdf")
    assert response.status_code == 302  # too large for the request: queued
    waiting = response["Location"]
    deadline = time.monotonic() + WAIT_S
    while (response := client.get(waiting)).status_code == 202:
        if time.monotonic() > deadline:
            logs = "\n".join(path.read_text() for path in sorted(workers.glob("worker-*.log")))
            pytest.fail(f"no dossier after {WAIT_S} s; the workers said:\n{logs}")
        time.sleep(0.3)
    assert response.status_code == 200, response.content[:500]
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        assert f"page {number} / {total}" in page.extract_text().replace("\u202f", " ")
    (sheets,) = [item for item in reader.outline if isinstance(item, list)]
    assert sorted(item.title.split(" · ")[0] for item in sheets) == sorted(
        p.reference for p in projects
    )
    # The dossier's task and its two part tasks (7 sheets, parts of 3), each run once;
    # the part tasks by the worker that was not busy with the dossier's.
    results = {
        path.rsplit(".", 1)[1]: list(
            DBTaskResult.objects.filter(task_path=path).values_list("status", "worker_ids")
        )
        for path in (
            "catalogue.outputs.tasks.build_dossier",
            "catalogue.outputs.dossier_parts.render_part",
        )
    }
    (dossier_task,) = results["build_dossier"]
    assert dossier_task[0] == "SUCCESSFUL"
    assert [status for status, _ in results["render_part"]] == ["SUCCESSFUL"] * 2
    parent = dossier_task[1]
    assert all(ids != parent for _, ids in results["render_part"])
    parts = "pdf-cache/dossier-parts"
    assert not default_storage.exists(parts) or default_storage.listdir(parts) == ([], [])
