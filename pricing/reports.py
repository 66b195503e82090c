"""What Meta billed: per announcement, per month and per year, from ``BilledCount``.

One GROUP BY query (by announcement, category, calling code and day) feeds every view;
the rates come from the price table valid on each day, so a rate change in the middle of
a quarter prices each message at the rate of its own day. Amounts are euros (Decimal).

The automatic replies (billed since 1 October 2026, ``BilledReplyCount``) are a report of
their own, per month with counts by kind: they belong to no broadcast. The month's total
against the budget counts both.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from titz_broadcast import csvsafe

from .countries import priced_code
from .models import BilledCount, BilledReplyCount, Category, ReplyKind
from .table import PriceTable

GROUPS = ("announcement", "month", "year")


@dataclass
class CostRow:
    key: object  # announcement id, "2026-11" or 2026
    messages: int = 0
    amount: Decimal = Decimal(0)
    by_category: dict = field(default_factory=lambda: defaultdict(int))  # messages
    unpriced: int = 0  # messages the table has no rate for


def _facts(queryset):
    return (
        queryset.values_list("announcement_id", "category", "calling_code", "day")
        .order_by()
        .annotate(n=Sum("messages"))
    )


def _key(group, announcement_id, day):
    if group == "announcement":
        return announcement_id
    if group == "month":
        return f"{day:%Y-%m}"
    return day.year


def costs(group, *, announcement_ids=None, since=None, table=None):
    """The ``CostRow`` of each announcement / month / year, newest first."""
    if group not in GROUPS:
        raise ValueError(group)
    table = table or PriceTable.load()
    queryset = BilledCount.objects.all()
    if announcement_ids is not None:
        queryset = queryset.filter(announcement_id__in=list(announcement_ids))
    if since is not None:
        queryset = queryset.filter(day__gte=since)
    rows = {}
    for announcement_id, category, code, day, n in _facts(queryset):
        key = _key(group, announcement_id, day)
        row = rows.setdefault(key, CostRow(key))
        row.messages += n
        row.by_category[category] += n
        rate = table.rate(category, priced_code(code), day)
        if rate is None:
            row.unpriced += n
        else:
            row.amount += rate * n
    return sorted(rows.values(), key=lambda row: row.key, reverse=True)


def reply_costs(*, since=None, table=None):
    """The ``CostRow`` of each month's automatic replies, newest first.

    ``by_category`` of these rows counts by reply kind (``ReplyKind``), which is what the
    office can act on; every reply is a service message.
    """
    table = table or PriceTable.load()
    queryset = BilledReplyCount.objects.all()
    if since is not None:
        queryset = queryset.filter(day__gte=since)
    facts = (
        queryset.values_list("kind", "category", "calling_code", "day")
        .order_by()
        .annotate(n=Sum("messages"))
    )
    rows = {}
    for kind, category, code, day, n in facts:
        key = f"{day:%Y-%m}"
        row = rows.setdefault(key, CostRow(key))
        row.messages += n
        row.by_category[kind] += n
        rate = table.rate(category, priced_code(code), day)
        if rate is None:
            row.unpriced += n
        else:
            row.amount += rate * n
    return sorted(rows.values(), key=lambda row: row.key, reverse=True)


def month_to_date(today=None, *, table=None):
    """Euros billed in the current calendar month so far: broadcasts and replies."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    table = table or PriceTable.load()
    rows = costs("month", since=first, table=table) + reply_costs(since=first, table=table)
    return sum((row.amount for row in rows), Decimal(0))


# What the estimate's measured reply share looks back on; welcomes answer an opt-in, not
# a broadcast, so they are left out.
MEASURED_DAYS = 28
PROVOKED = tuple(kind for kind in ReplyKind.values if kind != ReplyKind.WELCOME)


def measured_reply_rate(today=None):
    """Billed replies per billed broadcast message over the last ``MEASURED_DAYS``.

    None when the period has no billed reply or no billed broadcast message: then the
    estimate falls back on the assumption ``PRICING_REPLY_RATE``.
    """
    today = today or timezone.localdate()
    since = today - timedelta(days=MEASURED_DAYS)
    replies = BilledReplyCount.objects.filter(day__gte=since, kind__in=PROVOKED).aggregate(
        n=Sum("messages")
    )["n"]
    broadcast = BilledCount.objects.filter(day__gte=since).aggregate(n=Sum("messages"))["n"]
    if not replies or not broadcast:
        return None
    return replies / broadcast


HEADERS = {
    "announcement": "Nachricht",
    "month": "Monat",
    "year": "Jahr",
}


def write_csv(group, stream, labels=None):
    """The cost report as CSV with German headers (``labels``: announcement id -> title)."""
    labels = labels or {}
    writer = csv.writer(stream, delimiter=";")
    categories = [choice for choice in Category.values]
    writer.writerow(
        [
            HEADERS[group],
            "Abgerechnete Nachrichten",
            *[f"davon {Category(c).label!s}" for c in categories],
            "Ohne Preis",
            "Kosten (Euro)",
        ]
    )
    for row in costs(group):
        key = labels.get(row.key, row.key) if group == "announcement" else row.key
        writer.writerow(
            [
                csvsafe.escape(str(key)),
                row.messages,
                *[row.by_category.get(c, 0) for c in categories],
                row.unpriced,
                f"{row.amount.quantize(Decimal('0.01'))}".replace(".", ","),
            ]
        )
