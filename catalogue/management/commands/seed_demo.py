import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalogue.caching import bump_version
from catalogue.intake.demo import MAX_PROJECTS, create_demo_projects


class Command(BaseCommand):
    help = (
        "Add N clearly labelled synthetic demo projects (flag 'demo data', titles prefixed "
        "[Démo] / [تجريبي] / [Demo]) for demonstrations and benchmarks. Deterministic for a "
        "given --seed; running it again adds N more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            required=True,
            metavar="N",
            help=f"How many demo projects to create (1 to {MAX_PROJECTS:,}).",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="Seed of the random generator (default 0)."
        )

    def handle(self, *args, projects, seed, **options):
        if not 1 <= projects <= MAX_PROJECTS:
            raise CommandError(f"--projects must be between 1 and {MAX_PROJECTS:,}.")
        started = time.perf_counter()
        try:
            created = create_demo_projects(count=projects, seed=seed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner misjudges the new rows (and the catalogue's
            # queries) until autovacuum comes by.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        bump_version()  # bulk writes send no signals: refresh the cached pages
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Created {created:,} demo projects in {elapsed:.1f} s.")
        )
