"""Create the demo staff logins (one per role plus a superuser) and print them.

The passwords are fixed and printed on purpose: this is for the embedded quick start,
where ``OTP_REQUIRED`` is off. The command refuses to run with DEBUG off, so a production
installation never gets accounts with published passwords.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from announcements.management.demo_terminal import print_logins, sync_templates_patiently
from announcements.models import Announcement
from staff.demo import DEMO_USERS
from subscribers.models import Subscriber
from subscribers.services import erase


class Command(BaseCommand):
    help = "Create (or reset) the demo staff logins and print them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Also erase all subscribers and announcements and the demo users' 2FA devices.",
        )
        parser.add_argument(
            "--no-templates",
            action="store_true",
            help="Do not sync the templates (make run: demo_seed syncs them once the "
            "simulator runs).",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=5,
            help="Seconds to retry the template sync while the simulator starts.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_setup publishes passwords; it only runs with DEBUG on.")
        if options["reset"]:
            for subscriber in Subscriber.objects.all():
                erase(subscriber, source="demo_reset")
            Announcement.objects.all().delete()
            TOTPDevice.objects.filter(user__username__in=DEMO_USERS).delete()
        User = get_user_model()
        for username, (group_name, password) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = group_name is None
            user.email = user.email or f"{username}@gemeinde.example"  # for notifications
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group_name)] if group_name else [])
        self.stdout.write("Demo-Anmeldungen (Rolle, Benutzer / Passwort):")
        print_logins(self.stdout)
        if settings.OTP_REQUIRED:
            self.stdout.write(
                "OTP_REQUIRED ist an: jede Anmeldung richtet die Zwei-Faktor-App ein."
            )
        if not options["no_templates"]:
            sync_templates_patiently(self.stdout, options["wait"])
