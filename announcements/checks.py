"""System checks of the staff workflow and the broadcast engine's configuration."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, register
from django.db import DatabaseError


@register()
def claim_grace_outlasts_requests(app_configs, **kwargs):
    """A claim must outlive the longest request, or a live worker's rows are sent twice.

    The sweeper re-queues a row claimed longer than the grace period ago; a request that
    may take ``connect + read`` timeouts must therefore fit well inside it, which is also
    what ``engine.sending.send_window`` needs to leave a window at all.
    """
    timeouts = settings.WHATSAPP_CONNECT_TIMEOUT + settings.WHATSAPP_READ_TIMEOUT
    if timeouts < settings.BROADCAST_CLAIM_GRACE_SECONDS:
        return []
    return [
        Error(
            f"BROADCAST_CLAIM_GRACE_SECONDS ({settings.BROADCAST_CLAIM_GRACE_SECONDS:g}) must "
            f"be longer than WHATSAPP_CONNECT_TIMEOUT + WHATSAPP_READ_TIMEOUT ({timeouts:g}).",
            hint="Otherwise the sweeper re-queues rows that a live worker is still sending, "
            "and residents get the message twice. The default is 300 seconds.",
            id="announcements.E001",
        )
    ]


@register("database")
def no_demo_logins_in_production(app_configs, databases=None, **kwargs):
    """The demo's staff logins have published passwords (README, ``demo_setup``).

    A database first used for the demo and later run with DEBUG off would keep them, and
    with them anyone could enrol their own second factor (first use wins) and send to
    every resident. Runs with the database checks (``migrate``, the process start).
    """
    if settings.DEBUG or not databases:
        return []
    from .management.commands.demo_setup import DEMO_USERS

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
