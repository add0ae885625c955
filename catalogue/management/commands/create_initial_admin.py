import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "On a new installation (no superuser yet), create the superuser 'admin' with a random "
        "password, print it once and keep it in var/initial_admin_password (mode 600). "
        "Does nothing when a superuser exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        password_file = settings.BASE_DIR / "var" / "initial_admin_password"
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            if password_file.exists():
                self.stdout.write(
                    f"Administrator login: http://127.0.0.1:8000/admin/ — user '{username}', "
                    f"initial password in {password_file.relative_to(settings.BASE_DIR)}"
                )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the administrator '{username}' with the password: {password}\n"
                f"(kept in {password_file.relative_to(settings.BASE_DIR)}; change it in the "
                "admin under Users, or run `make admin` for another account)"
            )
        )
