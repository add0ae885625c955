from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from smartcities.core.backup import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (SQLite online backup or pg_dump) and "
        "of the uploaded files into a new folder (default: BACKUP_DIR, var/backups)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=None, help="Folder to write into.")

    def handle(self, *args, to=None, **options):
        folder = backup(to or Path(settings.BACKUP_DIR))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
