"""``manage.py send_digests``: send the digests due now (daily and weekly), and the
verification notices; what the task worker's periodic work does, on demand. Running it
twice sends nothing twice."""

from django.core.management.base import BaseCommand

from catalogue.engagement.digests import send_due_digests
from catalogue.engagement.workflow import send_verification_notices


class Command(BaseCommand):
    help = "Send the digests and verification notices that are due (never twice)."

    def handle(self, *args, **options):
        digests = send_due_digests()
        notices = send_verification_notices()
        self.stdout.write(f"Sent {digests} digest(s) and {notices} verification e-mail(s).")
