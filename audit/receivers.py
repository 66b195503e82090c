"""Logins and failed logins go into the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from staff.login_names import known_username

from . import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(user, "login")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, "logout")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record(None, "login_failed", known_username(credentials))
