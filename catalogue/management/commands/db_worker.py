"""``manage.py db_worker``: django-tasks-db's task worker, kept alive through errors.

django-tasks-db's worker loop stops at the first error it does not expect, such as
SQLite's "database is locked" when it opens its transaction to claim a task while a long
write holds the lock, or a PostgreSQL connection lost during a restart: the process then
exits, or, under ``--reload`` (the default with ``DEBUG``, as ``make run`` runs it), stays
alive doing nothing while background imports and dossiers wait forever.

This command is that worker (same options; it takes the name because ``catalogue`` comes
before ``django_tasks_db`` in ``INSTALLED_APPS``) with a loop that outlives such errors:
it logs them, drops the database connections, waits (1 s, then twice as long each time up
to a minute, back to 1 s once it has run a while) and goes on. A task whose run raised
is recorded as failed by the library itself; only the worker's own bookkeeping ends here.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("smartcities.worker")
BACKOFF = (1.0, 60.0)  # seconds: the first pause after an error, and the longest


class Worker(db_worker.Worker):
    """The library's worker, restarted after an error instead of stopping."""

    def run(self) -> None:
        pause = BACKOFF[0]
        while True:
            started = time.monotonic()
            try:
                return super().run()
            except DatabaseError as error:
                # Transient: a lock held past the timeout, a lost connection.
                logger.warning(
                    "Task worker: database error (%s); trying again in %.0f s", error, pause
                )
            except Exception:
                logger.exception("Task worker: unexpected error; trying again in %.0f s", pause)
            connections.close_all()
            if not self.running:  # asked to stop meanwhile
                return None
            time.sleep(pause)
            # A worker that ran a while before this error starts again from a short pause.
            quiet = time.monotonic() - started > BACKOFF[1]
            pause = BACKOFF[0] if quiet else min(pause * 2, BACKOFF[1])


class Command(db_worker.Command):
    help = db_worker.Command.help + ", surviving database errors"

    def handle(self, *args, **options):
        # Periodic work (settings.WORKER_PERIODIC_TASKS): each schedules its own task once,
        # and the task its next run; named by path, so that this app imports none of them.
        # A batch run (run what is queued, then stop) schedules nothing.
        if not options.get("batch"):
            for path in getattr(settings, "WORKER_PERIODIC_TASKS", ()):
                try:
                    import_string(path)()
                except Exception:
                    logger.exception("Task worker: could not schedule %s", path)
        # The library's handle builds its Worker by this name.
        library_worker = db_worker.Worker
        db_worker.Worker = Worker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = library_worker
