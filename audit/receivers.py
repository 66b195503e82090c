"""Logins and failed logins go into the audit log."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import record

# Stored instead of a typed name that matches no account: people type their password into
# the name field, and the log must never keep it (nor give away guessed names).
UNKNOWN_USERNAME = "(unbekannter Benutzername)"


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(user, "login")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, "logout")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record(None, "login_failed", _known_username(credentials))


def _known_username(credentials):
    """The typed name if an account has exactly that name, else ``UNKNOWN_USERNAME``."""
    user_model = get_user_model()
    typed = credentials.get(user_model.USERNAME_FIELD)
    if not isinstance(typed, str) or not typed:
        return UNKNOWN_USERNAME
    lookup = {user_model.USERNAME_FIELD: typed}
    return typed if user_model._default_manager.filter(**lookup).exists() else UNKNOWN_USERNAME
