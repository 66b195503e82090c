"""Spread a broadcast over days so that it never exceeds Meta's daily messaging limit.

Meta counts unique recipients of business-initiated messages per business portfolio in a
moving 24 hours (250, 2,000, 10,000, 100,000 or unlimited): ``whatsapp.limits`` reads it
from Meta, bounded by ``WHATSAPP_MESSAGING_LIMIT`` (0 = unlimited). Beyond it Meta does
not deliver, and no error code says so reliably. So the engine sends only what is left of
today's allowance now and plans the rest in waves 24 hours apart; when nothing is left
today, even the first wave waits a day. The count is conservative: everyone we sent to in
the last 24 hours, or are about to, uses up the allowance, even if they would not count
twice for Meta; and a later day's wave leaves room for every other broadcast's wave
planned within 24 hours before or after it, since the moving window may hold both.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from whatsapp import limits

from ..models import Delivery
from .deliveries import OPEN, QUEUED

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


def _booked(now, days, *, exclude_announcement=None):
    """Per later day ``k`` (1, 2, ...): other broadcasts' deliveries held back to within
    24 h of ``now + k`` days. Enough days to cover ``days`` more than the last of them;
    two aggregate queries."""
    held = Delivery.objects.filter(status=QUEUED, next_attempt_at__gt=now).exclude(
        announcement_id=exclude_announcement
    )
    last = held.aggregate(last=Max("next_attempt_at"))["last"]
    if last is not None:
        days += -(-(last - now) // WINDOW)
    counts = {
        f"day{k}": Count(
            "pk",
            filter=Q(next_attempt_at__gt=now + (k - 1) * WINDOW)
            & Q(next_attempt_at__lt=now + (k + 1) * WINDOW),
        )
        for k in range(1, days + 1)
    }
    found = held.aggregate(**counts) if last is not None else {}
    return [found.get(f"day{k}", 0) for k in range(1, days + 1)]


def plan(recipients, *, now=None, limit=None, exclude_announcement=None):
    """The waves for ``recipients`` messages, a day apart, none beyond the limit.

    The first wave starts ``now`` if anything is left of today's allowance, else a day
    later; a single wave may therefore lie in the future (``sends_now`` tells).
    """
    now = now or timezone.now()
    limit = limits.messaging_limit() if limit is None else limit
    if limit <= 0 or recipients <= 0:
        return [Wave(now, recipients)]
    today = max(0, limit - used_allowance(now, exclude_announcement=exclude_announcement))
    # Each later day takes at most ``limit``; other broadcasts' waves can only add days.
    days = -(-max(0, recipients - today) // limit)
    booked = _booked(now, days, exclude_announcement=exclude_announcement) if days else []
    free = [today, *(max(0, limit - taken) for taken in booked)]
    waves, remaining, day = [], recipients, 0
    while remaining > 0:
        room = min(free[day] if day < len(free) else limit, remaining)
        if room:
            waves.append(Wave(now + day * WINDOW, room))
            remaining -= room
        day += 1
    return waves


def sends_now(waves, now):
    """True when the plan sends everything at once: one wave, starting now."""
    return len(waves) == 1 and waves[0].starts_at <= now


def describe(waves, now=None, limit=None):
    """One German sentence for the approver, shown before approval."""
    now = now or timezone.now()
    limit = limits.messaging_limit() if limit is None else limit
    if not waves or sends_now(waves, now):
        return _("All recipients can be reached right away.")
    later = sum(wave.recipients for wave in waves if wave.starts_at > now)
    return ngettext(
        "WhatsApp's daily limit of %(limit)s recipients does not allow reaching all at once: "
        "%(later)d recipient follows from %(when)s, sending finishes %(end)s at the earliest.",
        "WhatsApp's daily limit of %(limit)s recipients does not allow reaching all at once: "
        "%(later)d recipients follow from %(when)s, sending finishes %(end)s at the earliest.",
        later,
    ) % {
        "limit": limit,
        "later": later,
        "when": day_and_time(next(w.starts_at for w in waves if w.starts_at > now), now),
        "end": day_and_time(waves[-1].starts_at, now),
    }


def held_back(announcement_ids, now=None):
    """``{announcement id: (count, from)}`` of deliveries waiting for the limit, one query.

    Held rows are queued, never attempted, and due later (a retry has an attempt behind
    it); broadcasts with none are left out.
    """
    now = now or timezone.now()
    rows = (
        Delivery.objects.filter(
            announcement_id__in=announcement_ids,
            status=QUEUED,
            attempts=0,
            next_attempt_at__gt=now,
        )
        .values_list("announcement_id")
        .order_by()
        .annotate(n=Count("pk"), first=Min("next_attempt_at"))
    )
    return {announcement_id: (n, first) for announcement_id, n, first in rows}


def waiting_text(count, first, now=None):
    """ "50 Empfänger folgen ab morgen 08:14, Tageslimit 250" for ``held_back``'s figures."""
    return ngettext(
        "%(count)d recipient follows from %(when)s, daily limit %(limit)s",
        "%(count)d recipients follow from %(when)s, daily limit %(limit)s",
        count,
    ) % {
        "count": count,
        "when": day_and_time(first, now or timezone.now()),
        "limit": limits.messaging_limit() or _("unlimited"),
    }


def day_and_time(when, now):
    """ "heute 14:02", "morgen 08:14" or "am 10.12.2026 08:14" (local time)."""
    local, today = timezone.localtime(when), timezone.localtime(now).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return _("today %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("tomorrow %(time)s") % {"time": clock}
    return _("on %(date)s %(time)s") % {"date": f"{local:%d.%m.%Y}", "time": clock}
