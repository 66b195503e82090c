"""Create the demo staff login for the embedded quick start and print it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "titz-demo-2026"  # noqa: S105 - printed on purpose, embedded demo only


class Command(BaseCommand):
    help = "Create (or reset) the demo staff login and print it."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Reset the demo state.")

    def handle(self, *args, **options):
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.stdout.write(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
