"""System checks of the staff accounts."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, register
from django.db import DatabaseError

from .demo import DEMO_USERS


@register("database")
def no_demo_logins_in_production(app_configs, databases=None, **kwargs):
    """The demo's staff logins have published passwords (README, ``demo_setup``).

    A database first used for the demo and later run with DEBUG off would keep them, and
    with them anyone could enrol their own second factor (first use wins) and send to
    every resident. Runs with the database checks (``migrate``, the process start).

    The id stays ``announcements.E002`` from before this check moved here: installations
    and runbooks may name it (``SILENCED_SYSTEM_CHECKS``, alerts).
    """
    if settings.DEBUG or not databases:
        return []
    try:
        users = list(get_user_model().objects.filter(username__in=DEMO_USERS, is_active=True))
    except DatabaseError:
        return []  # not migrated yet: there are no logins at all
    return [
        Error(
            f"The demo login '{user.username}' still has its published password.",
            hint=f"Remove it or set another password: python manage.py changepassword "
            f"{user.username}",
            id="announcements.E002",
        )
        for user in users
        if user.check_password(DEMO_USERS[user.username][1])
    ]
