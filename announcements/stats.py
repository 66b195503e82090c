"""Delivery numbers for staff: per announcement, per failure reason, and for the overview.

Every figure is one aggregate query over ``Delivery`` (never a query per recipient or per
announcement), so the admin stays fast with a million subscribers. Once the per-recipient
rows of a broadcast are past ``DELIVERY_RETENTION_DAYS`` (``retention.purge_deliveries``),
the same figures come from its ``DeliveryAggregate`` rows, marked ``aggregated``.
"""

import csv

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from titz_broadcast import csvsafe

# A delivery that reached "read" was also delivered and sent; the counts are cumulative,
# as staff read them ("delivered" includes those already read).
REACHED = {
    "sent": ("sent", "delivered", "read"),
    "delivered": ("delivered", "read"),
    "read": ("read",),
}
FINISHED_STATES = ("sent", "delivered", "read", "failed", "cancelled", "expired")
# Each figure and the delivery states it counts, for the SQL and for the aggregates alike.
COUNTED = {
    "queued": ("queued", "sending"),
    "failed": ("failed",),
    "cancelled": ("cancelled",),
    "expired": ("expired",),
    "done": FINISHED_STATES,
    **REACHED,
}


def _count_fields(prefix=""):
    fields = {"total": Count("pk")}
    for name, states in COUNTED.items():
        fields[name] = Count("pk", filter=Q(**{f"{prefix}status__in": states}))
    return fields


def _counts_from_statuses(by_status):
    counts = {"total": sum(by_status.values()), "aggregated": True}
    for name, states in COUNTED.items():
        counts[name] = sum(by_status.get(state, 0) for state in states)
    return counts


def _aggregated(announcement_ids, dimension):
    """``{announcement id: [aggregate rows of dimension]}`` for the purged ones, one query."""
    from .models import DeliveryAggregate

    found = {}
    rows = DeliveryAggregate.objects.filter(
        announcement_id__in=list(announcement_ids), dimension=dimension
    ).order_by("-count", "key")
    for row in rows:
        found.setdefault(row.announcement_id, []).append(row)
    return found


def _aggregated_counts(announcement_ids):
    return {
        pk: _counts_from_statuses({row.key: row.count for row in rows})
        for pk, rows in _aggregated(announcement_ids, "status").items()
    }


def delivery_counts(announcement):
    """Counts for one announcement: total, queued, sent, delivered, read, failed, ..."""
    aggregated = _aggregated_counts([announcement.pk])
    if announcement.pk in aggregated:
        return aggregated[announcement.pk]
    return announcement.deliveries.aggregate(**_count_fields())


def counts_by_announcement(announcement_ids):
    """The same counts for several announcements in one GROUP BY query (and one for the
    purged ones' aggregates)."""
    from .models import Delivery

    ids = list(announcement_ids)
    rows = (
        Delivery.objects.filter(announcement_id__in=ids)
        .values("announcement_id")
        .annotate(**_count_fields())
    )
    return {row.pop("announcement_id"): row for row in rows} | _aggregated_counts(ids)


def failure_breakdown(announcement):
    """Failures grouped by Meta's error code, with the German explanation, most first."""
    aggregated = _aggregated([announcement.pk], "failure").get(announcement.pk)
    if aggregated is not None:
        return [
            {
                "error_code": int(row.key) if row.key else None,
                "error_title": row.label,
                "count": row.count,
            }
            for row in aggregated
        ]
    return list(
        announcement.deliveries.filter(status="failed")
        .values("error_code", "error_title")
        .annotate(count=Count("pk"))
        .order_by("-count", "error_code")
    )


def write_csv(announcement, stream):
    """The per-recipient report, identified by subscriber code only (never a number).

    After the retention purge only the totals are left: then the report lists those.
    """
    if delivery_counts(announcement).get("aggregated"):
        _write_aggregate_csv(announcement, stream)
        return
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


def _write_aggregate_csv(announcement, stream):
    from .models import Delivery

    writer = csv.writer(stream, delimiter=";")
    writer.writerow(["Merkmal", "Wert", "Fehler", "Anzahl"])
    for row in _aggregated([announcement.pk], "status")[announcement.pk]:
        writer.writerow(["Status", str(Delivery.Status(row.key).label), "", row.count])
    for row in failure_breakdown(announcement):
        code = "" if row["error_code"] is None else row["error_code"]
        writer.writerow(["Fehlercode", code, csvsafe.escape(row["error_title"]), row["count"]])


def subscriber_count():
    """Residents a broadcast would reach now."""
    from subscribers.models import Subscriber

    return Subscriber.objects.filter(flagged_undeliverable=False).count()


# --- Per language and per topic (issue 13) ---------------------------------------------


def by_language(announcement):
    """Counts per language version ("" = German), one GROUP BY over the deliveries."""
    rows = announcement.deliveries.values("language").annotate(**_count_fields())
    return sorted(({**row, "language": row["language"] or "de"} for row in rows), key=_by_code)


def _by_code(row):
    return row["language"]


def subscribers_by_language():
    """``[(code, count)]`` of current subscribers, most first."""
    from subscribers.models import Subscriber

    rows = Subscriber.objects.values_list("language").annotate(n=Count("pk")).order_by("-n")
    return list(rows)


def subscribers_by_topic():
    """``[(topic name, count)]`` for the active topics, in list order (one query)."""
    from subscribers.models import Topic

    return list(
        Topic.objects.filter(active=True)
        .annotate(n=Count("subscribers"))
        .order_by("order", "name")
        .values_list("name", "n")
    )


def deliveries_by_topic(since):
    """Messages sent per topic since ``since``: ``[(topic name, deliveries, read)]``."""
    from subscribers.models import Topic

    from .models import Delivery

    rows = (
        Delivery.objects.filter(announcement__started_at__gte=since)
        .values_list("announcement__topic_links__topic_id")
        .annotate(total=Count("pk"), read=Count("pk", filter=Q(status="read")))
    )
    names = dict(Topic.objects.values_list("pk", "name"))
    return [
        (names.get(topic_id, "—") if topic_id else _("all subscribers"), total, read)
        for topic_id, total, read in rows
    ]
