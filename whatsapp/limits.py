"""The messaging limit and throughput Meta grants our number, read from Meta itself.

Meta sets the messaging limit per business portfolio (250, 2,000, 10,000, 100,000 or
unlimited unique recipients outside a service window per moving 24 hours, since October
2025) and the throughput per number (80 messages/s, 1,000 after Meta's automatic
upgrade, 20 for numbers shared with the WhatsApp Business app). ``refresh`` reads both,
and the quality rating, with ``GET /<PHONE_NUMBER_ID>`` at start-up and whenever an
``account_update``, ``phone_number_quality_update`` or ``business_capability_update``
webhook arrives (the last is where Meta reports a changed messaging limit: operators
subscribe to it); ``apply_update`` records what such a webhook says at once, before the
read confirms it.

The settings stay: ``WHATSAPP_MESSAGING_LIMIT`` and ``WHATSAPP_MESSAGES_PER_SECOND`` are
upper bounds (an office may want to send slower than Meta allows) and the only source
for a backend without Meta (the console, tests). ``messaging_limit()`` and
``messages_per_second()`` give the lower of both; the planner and the rate limiter use
them.
"""

import logging
import time

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import WhatsAppError
from .models import AccountHealth

logger = logging.getLogger(__name__)
MEMO_SECONDS = 30.0  # how long a process trusts the row it read (one query per batch less)
_memo = [float("-inf"), None]

# Meta's tier names since October 2025 (messaging-limits page; the 1K tier is gone).
TIERS = {
    "TIER_250": 250,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": 0,
    "UNLIMITED": 0,
}
# throughput.level (throughput page): standard 80/s, high 1,000/s.
THROUGHPUT = {"STANDARD": 80, "HIGH": 1_000}
# What staff read on the overview (Meta's quality rating and restriction types).
QUALITY_LABELS = {
    "GREEN": _("good (green)"),
    "YELLOW": _("medium (yellow): recipients block or report messages"),
    "RED": _("poor (red): WhatsApp may restrict sending"),
}
RESTRICTION_LABELS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": _("No new messages to subscribers possible"),
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": _("No replies to residents possible"),
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": _("No further phone numbers possible"),
}


def parse_limit(value):
    """Meta's limit (a tier name or a number as text, "-1" unlimited) as a number; 0
    unlimited, None unknown (an old tier name too: guessing it could exceed the limit)."""
    value = (value or "").strip().upper()
    if value in TIERS:
        return TIERS[value]
    if value == "-1":
        return 0
    return int(value) if value.isdigit() else None


def current():
    """The stored ``AccountHealth`` (an unsaved empty one before the first read)."""
    return AccountHealth.objects.order_by("pk").first() or AccountHealth()


def refresh(backend=None):
    """Read the limits from the Graph API and store them; the ``AccountHealth`` or None.

    A failed read (Meta unreachable, a backend without Meta) keeps what was stored: the
    settings then bound the sending alone.
    """
    from . import get_backend

    backend = backend or get_backend()
    try:
        info = backend.account_limits()
    except WhatsAppError as error:
        logger.warning("could not read the messaging limits from Meta: %s", error)
        return None
    if info is None:
        return None
    health = current()
    health.messaging_limit = parse_limit(info.messaging_limit)
    health.limit_tier = info.messaging_limit
    health.throughput = THROUGHPUT.get(info.throughput_level.upper())
    health.quality_rating = info.quality_rating
    health.checked_at = timezone.now()
    health.save()
    forget()
    logger.info("limits from Meta: %s", health)
    return health


def apply_update(event):
    """Store what an ``events.AccountUpdate`` says (its limit, its restrictions)."""
    health = current()
    limit = parse_limit(event.messaging_limit)
    if limit is not None:
        health.messaging_limit, health.limit_tier = limit, event.messaging_limit
    if event.event == "ACCOUNT_RESTRICTION":
        health.restrictions = [list(item) for item in event.restrictions]
    health.save()
    forget()
    return health


def active_restrictions(health, now=None):
    """The restriction types of ``health`` that have not expired yet."""
    now = (now or timezone.now()).timestamp()
    return [kind for kind, until in health.restrictions if until is None or until > now]


def overview():
    """The number's state for the overview, in German (``None`` before Meta's first answer)."""
    health = _stored()
    if health is None:
        return None
    return {
        "quality": QUALITY_LABELS.get(health.quality_rating, _("unknown")),
        "quality_rating": health.quality_rating,
        "messaging_limit": health.messaging_limit,
        "throughput": health.throughput,
        "restrictions": [
            RESTRICTION_LABELS.get(kind, _("A restriction by WhatsApp"))
            for kind in active_restrictions(health)
        ],
        "checked_at": health.checked_at,
    }


def forget():
    """Read the row again on the next call (after a change, or a changed setting)."""
    _memo[0] = float("-inf")


@receiver(setting_changed)
def _forget_on_setting(setting, **kwargs):
    if setting in {"WHATSAPP_MESSAGING_LIMIT", "WHATSAPP_MESSAGES_PER_SECOND"}:
        forget()


def _stored():
    now = time.monotonic()
    if now < _memo[0]:
        return _memo[1]
    try:
        health = AccountHealth.objects.order_by("pk").first()
    except DatabaseError:  # before the first migration (checks, start-up)
        health = None
    _memo[:] = [now + MEMO_SECONDS, health]
    return health


def messaging_limit():
    """Unique recipients per 24 h the planner may use: the lower of Meta's and ours (0 = none)."""
    ours = settings.WHATSAPP_MESSAGING_LIMIT
    health = _stored()
    meta = health.messaging_limit if health else None
    bounds = [limit for limit in (ours, meta) if limit]
    return min(bounds) if bounds else 0


def messages_per_second():
    """The rate to pace at: Meta's throughput, never above ``WHATSAPP_MESSAGES_PER_SECOND``.

    0 in the settings means unpaced (benchmarks, tests) and stays so.
    """
    ours = settings.WHATSAPP_MESSAGES_PER_SECOND
    health = _stored()
    if ours <= 0 or health is None or not health.throughput:
        return ours
    return min(ours, float(health.throughput))
