"""Figures for the admin index: the state of the service at a glance.

Each block is a fixed number of queries regardless of how many subscribers or deliveries
exist (aggregates, never a loop over rows).
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from whatsapp import limits

from . import stats
from .engine import planner
from .models import Announcement

WEEKS = 8
CHART_WIDTH, CHART_HEIGHT = 320, 80

Status = Announcement.Status


def subscriber_growth(weeks=WEEKS):
    """Net new subscribers per week (sign-ups minus sign-offs) from the consent log.

    The log, not the subscriber table, is the source: "Stop" deletes the subscriber row,
    but its opt-out event stays.
    """
    from subscribers.models import ConsentEvent

    today = timezone.localdate()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    rows = (
        ConsentEvent.objects.filter(occurred_at__date__gte=first_monday)
        .annotate(week=TruncWeek("occurred_at"))
        .values("week")
        .annotate(
            joined=Count("pk", filter=Q(action="opt_in")),
            left=Count("pk", filter=Q(action="opt_out")),
        )
    )
    by_week = {row["week"].date(): row["joined"] - row["left"] for row in rows}
    return [
        (first_monday + timedelta(weeks=i), by_week.get(first_monday + timedelta(weeks=i), 0))
        for i in range(weeks)
    ]


def growth_bars(growth):
    """Bar geometry for a small inline SVG chart (no JavaScript library needed)."""
    peak = max((abs(value) for _, value in growth), default=0) or 1
    slot = CHART_WIDTH / max(len(growth), 1)
    middle = CHART_HEIGHT / 2
    bars = []
    for index, (week, value) in enumerate(growth):
        height = round(abs(value) / peak * (middle - 2), 1)
        bars.append(
            {
                "x": round(index * slot + 2, 1),
                "y": middle - height if value >= 0 else middle,
                "width": round(slot - 4, 1),
                "height": height,
                "week": week,
                "value": value,
                "negative": value < 0,
            }
        )
    return bars


def overview(limit=5):
    """Everything the index shows, as one dict for the template."""
    upcoming = list(
        Announcement.objects.filter(status=Status.APPROVED).order_by("scheduled_at", "pk")[:limit]
    )
    running = list(
        Announcement.objects.filter(status__in=[Status.SENDING, Status.PAUSED]).order_by(
            "-urgent", "started_at"
        )
    )
    recent = list(
        Announcement.objects.filter(
            status__in=[Status.SENT, Status.PARTLY_FAILED, Status.FAILED],
        ).order_by("-finished_at")[:limit]
    )
    counts = stats.counts_by_announcement([a.pk for a in running + recent])
    held = planner.held_back([a.pk for a in running])  # waiting for the messaging limit
    for announcement in running:
        found = held.get(announcement.pk)
        announcement.waiting = planner.waiting_text(*found) if found else ""
    empty = {"total": 0, "done": 0, "sent": 0, "delivered": 0, "read": 0, "failed": 0}
    for announcement in running + recent:
        announcement.counts = counts.get(announcement.pk, empty)
        total = announcement.counts["total"]
        announcement.progress = round(100 * announcement.counts["done"] / total) if total else 0
    growth = subscriber_growth()
    return {
        "audience": audience_overview(),
        "subscribers": stats.subscriber_count(),
        "growth": growth,
        "growth_bars": growth_bars(growth),
        "growth_total": sum(value for _, value in growth),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "upcoming": upcoming,
        "running": running,
        "recent": recent,
        "whatsapp": limits.overview(),  # quality rating, limit, restrictions (issue 16)
    }


def audience_overview(days=30):
    """Subscribers per topic and language, and messages per topic in the last ``days``."""
    from subscribers import languages

    return {
        "topics": stats.subscribers_by_topic(),
        "languages": [
            (languages.name(code), count) for code, count in stats.subscribers_by_language()
        ],
        "deliveries": stats.deliveries_by_topic(timezone.now() - timedelta(days=days)),
        "days": days,
    }
