from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smartcities.core.backup import restore


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from a backup folder written by "
        "`manage.py backup`. Everything in the database, in MEDIA_ROOT and in the project "
        "documents' folder (PRIVATE_MEDIA_ROOT) is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder, no_input=False, **options):
        if not (folder / "manifest.json").exists():
            raise CommandError(f"{folder} is not a backup folder (no manifest.json).")
        if not no_input:
            answer = input(f"Replace the current database and uploaded files with {folder}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "o", "oui"):
                raise CommandError("Restore cancelled.")
        manifest = restore(folder)
        total = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {total} rows in {len(manifest['tables'])} tables, "
                f"{len(manifest['media'])} media files and "
                f"{len(manifest.get('documents', {}))} project documents "
                f"from {folder} ({manifest['created']})."
            )
        )
