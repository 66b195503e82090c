"""Delivery numbers for staff: per announcement, per failure reason, and for the overview.

Every figure is one aggregate query over ``Delivery`` (never a query per recipient or per
announcement), so the admin stays fast with a million subscribers.
"""

import csv

from django.db.models import Count, Q

from titz_broadcast import csvsafe

# A delivery that reached "read" was also delivered and sent; the counts are cumulative,
# as staff read them ("delivered" includes those already read).
REACHED = {
    "sent": ("sent", "delivered", "read"),
    "delivered": ("delivered", "read"),
    "read": ("read",),
}
FINISHED_STATES = ("sent", "delivered", "read", "failed", "cancelled", "expired")


def _count_fields(prefix=""):
    fields = {
        "total": Count("pk"),
        "queued": Count("pk", filter=Q(**{f"{prefix}status__in": ("queued", "sending")})),
        "failed": Count("pk", filter=Q(**{f"{prefix}status": "failed"})),
        "cancelled": Count("pk", filter=Q(**{f"{prefix}status": "cancelled"})),
        "expired": Count("pk", filter=Q(**{f"{prefix}status": "expired"})),
        "done": Count("pk", filter=Q(**{f"{prefix}status__in": FINISHED_STATES})),
    }
    for name, states in REACHED.items():
        fields[name] = Count("pk", filter=Q(**{f"{prefix}status__in": states}))
    return fields


def delivery_counts(announcement):
    """Counts for one announcement: total, queued, sent, delivered, read, failed, ..."""
    return announcement.deliveries.aggregate(**_count_fields())


def counts_by_announcement(announcement_ids):
    """The same counts for several announcements in one GROUP BY query."""
    from .models import Delivery

    rows = (
        Delivery.objects.filter(announcement_id__in=list(announcement_ids))
        .values("announcement_id")
        .annotate(**_count_fields())
    )
    return {row.pop("announcement_id"): row for row in rows}


def failure_breakdown(announcement):
    """Failures grouped by Meta's error code, with the German explanation, most first."""
    return list(
        announcement.deliveries.filter(status="failed")
        .values("error_code", "error_title")
        .annotate(count=Count("pk"))
        .order_by("-count", "error_code")
    )


def write_csv(announcement, stream):
    """The per-recipient report, identified by subscriber code only (never a number)."""
    writer = csv.writer(stream, delimiter=";")
    writer.writerow(
        [
            "Kennziffer",
            "Status",
            "Fehlercode",
            "Fehler",
            "Versuche",
            "gesendet",
            "zugestellt",
            "gelesen",
            "fehlgeschlagen",
        ]
    )
    rows = announcement.deliveries.order_by("pk").values_list(
        "subscriber_code",
        "status",
        "error_code",
        "error_title",
        "attempts",
        "sent_at",
        "delivered_at",
        "read_at",
        "failed_at",
    )
    for row in rows.iterator(chunk_size=2000):
        # Meta's error titles are outside text: never let a spreadsheet run one.
        writer.writerow(["" if value is None else csvsafe.escape(value) for value in row])


def subscriber_count():
    """Residents a broadcast would reach now."""
    from subscribers.models import Subscriber

    return Subscriber.objects.filter(flagged_undeliverable=False).count()
