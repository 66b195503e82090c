"""``manage.py issue_enrolment_code USER``: a set-up code for two-factor login.

For the first administrator, who has nobody to issue one in the admin; everyone else
gets theirs in the user list ("Einrichtungscode ausstellen").
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

import audit
from staff import enrolment


class Command(BaseCommand):
    help = "Issues a one-time set-up code for a user's authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        code = enrolment.issue(user, "manage.py")
        audit.record(None, "otp.enrolment_code_issued", user.get_username())
        self.stdout.write(code)
