"""``manage.py purge_personal_data``: delete expressions of interest and subscriptions
older than ``ENGAGEMENT_RETENTION_DAYS`` (the task worker also runs this purge in its
periodic work)."""

from django.core.management.base import BaseCommand

from catalogue.engagement.services import personal_data_purge


class Command(BaseCommand):
    help = "Delete personal data older than the retention period (ENGAGEMENT_RETENTION_DAYS)."

    def handle(self, *args, **options):
        purged = personal_data_purge()
        self.stdout.write(
            "Purged {interests} expression(s) of interest and {subscriptions} "
            "subscription(s).".format(**purged)
        )
