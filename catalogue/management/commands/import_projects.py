from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogue.intake.imports import import_projects

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import projects from a CSV or XLSX file (columns: docs/import-columns.md), all or "
        "nothing: any error on any line and nothing is written. New projects are created as "
        "drafts; the status column is ignored."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV (UTF-8) or XLSX file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, without writing anything.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Import as this user (their rights and municipal scope apply; they are "
            "recorded as the editor). Without it, the import acts as the system.",
        )
        parser.add_argument(
            "--language",
            default=None,
            choices=["fr", "ar", "en"],
            help="Language of the messages (default: the site's default language).",
        )

    def handle(self, *args, language, **options):
        # The language is the command's own: a caller (call_command) keeps its language.
        with translation.override(language or translation.get_language()):
            self.run(**options)

    def run(self, *, file, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        importer = None
        if user:
            try:
                importer = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"No user named {user!r}.") from error
        with path.open("rb") as handle:
            try:
                result = import_projects(handle, user=importer, dry_run=dry_run, name=path.name)
            except PermissionDenied as error:
                raise CommandError(str(error)) from error
        for error in result.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(result.errors) > MAX_ERRORS_SHOWN:
            more = len(result.errors) - MAX_ERRORS_SHOWN
            self.stderr.write(
                ngettext("… and %(count)s more error.", "… and %(count)s more errors.", more)
                % {"count": more}
            )
        if not result.ok:
            raise CommandError(result.summary())
        if options["verbosity"] >= 2:
            for row in result.rows:
                if row.action == "update":
                    changed = ", ".join(column for column, _old, _new in row.changes)
                    self.stdout.write(f"{row.line}: {row.reference} ({changed})")
                elif row.action == "create":
                    new = _("new")  # outside the f-string, where makemessages finds it
                    self.stdout.write(f"{row.line}: {row.reference} ({new})")
        rate = result.total_rows / result.seconds if result.seconds else 0
        figures = ngettext(
            "%(rows)s row in %(seconds)s s, %(rate)s rows per second",
            "%(rows)s rows in %(seconds)s s, %(rate)s rows per second",
            result.total_rows,
        ) % {
            "rows": number_format(result.total_rows, force_grouping=True),
            "seconds": number_format(result.seconds, 1),
            "rate": number_format(rate, 0, force_grouping=True),
        }
        self.stdout.write(self.style.SUCCESS(result.summary()) + f" ({figures})")
