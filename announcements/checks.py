"""System checks of the broadcast engine's configuration (staff logins: ``staff.checks``)."""

from django.conf import settings
from django.core.checks import Error, register


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
