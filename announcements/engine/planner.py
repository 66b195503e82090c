"""Spread a broadcast over days when Meta's messaging limit would not let it out at once.

Meta counts unique recipients of business-initiated messages per business portfolio in a
moving 24 hours (250, 2,000, 10,000, 100,000 or unlimited): ``whatsapp.limits`` reads it
from Meta, bounded by ``WHATSAPP_MESSAGING_LIMIT`` (0 = unlimited). Beyond it, messages
are not delivered, and no error code says so reliably. So the engine sends only what is
left of today's allowance now and plans the rest in waves 24 hours apart. The count is
conservative: everyone we sent to in the last 24 hours, or are about to, uses up the
allowance, even if they would not count twice for Meta.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from whatsapp import limits

from ..models import Delivery
from .deliveries import OPEN

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Wave:
    starts_at: object  # aware datetime
    recipients: int


def used_allowance(now, *, exclude_announcement=None):
    """Unique subscribers sent to in the last 24 h, or queued to be sent within them."""
    in_flight = Q(status__in=OPEN) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now + WINDOW)
    )
    return (
        Delivery.objects.filter(Q(sent_at__gte=now - WINDOW) | in_flight)
        .exclude(subscriber__isnull=True)
        .exclude(announcement_id=exclude_announcement)
        .values("subscriber_id")
        .distinct()
        .count()
    )


def plan(recipients, *, now=None, limit=None, exclude_announcement=None):
    """The waves for ``recipients`` messages: the first now, the others a day apart each."""
    now = now or timezone.now()
    limit = limits.messaging_limit() if limit is None else limit
    if limit <= 0 or recipients <= 0:
        return [Wave(now, recipients)]
    used = used_allowance(now, exclude_announcement=exclude_announcement)
    left_today = max(0, limit - used)
    waves = [Wave(now, min(recipients, left_today))] if left_today else []
    remaining, day = recipients - min(recipients, left_today), 1
    while remaining > 0:
        waves.append(Wave(now + day * WINDOW, min(limit, remaining)))
        remaining -= min(limit, remaining)
        day += 1
    return waves


def describe(waves):
    """One German sentence for the admin, shown before approval."""
    if len(waves) <= 1:
        return _("All recipients can be reached right away.")
    return ngettext(
        "WhatsApp's daily limit does not allow reaching all recipients at once: sending will "
        "be spread over %(days)d day and will finish %(end)s at the earliest.",
        "WhatsApp's daily limit does not allow reaching all recipients at once: sending will "
        "be spread over %(days)d days and will finish %(end)s at the earliest.",
        len(waves),
    ) % {
        "days": len(waves),
        "end": date_format(timezone.localtime(waves[-1].starts_at), "SHORT_DATETIME_FORMAT"),
    }


def audience_plan(now=None):
    """The plan for a broadcast to every current subscriber (what the admin shows)."""
    from subscribers.models import Subscriber

    return plan(Subscriber.objects.count(), now=now)
