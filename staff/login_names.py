"""What a failed login keeps of the typed user name: the name only if an account has it.

People type their password into the name field; the audit log and django-axes' tables
(attempts, failure log, kept for 90 days) must never keep that, nor give away which
names were guessed. Axes locks per name and address, so every unknown name from one
address shares one placeholder's lock, which never locks a real account.
"""

from django.contrib.auth import get_user_model

UNKNOWN_USERNAME = "(unbekannter Benutzername)"


def known_username(credentials) -> str:
    """The typed name if an account has exactly that name, else ``UNKNOWN_USERNAME``."""
    user_model = get_user_model()
    typed = (credentials or {}).get(user_model.USERNAME_FIELD)
    if not isinstance(typed, str) or not typed:
        return UNKNOWN_USERNAME
    lookup = {user_model.USERNAME_FIELD: typed}
    return typed if user_model._default_manager.filter(**lookup).exists() else UNKNOWN_USERNAME


def axes_username(request, credentials=None) -> str:
    """``AXES_USERNAME_CALLABLE``: the same rule for the names axes stores."""
    if credentials is None:
        credentials = getattr(request, "POST", None) or {}
    return known_username(credentials)
