"""Count what Meta bills, from the ``pricing`` object of status webhooks, set-based.

Since July 2025 Meta bills a template message when it is delivered, and says so in the
status webhook: ``pricing.type`` "regular" (or, in older payloads, ``billable: true``)
is billed, "free_customer_service" and "free_entry_point" are not. The pricing object
comes with "sent" and again with "delivered" or "read"; only the latter count (a message
sent but never delivered is not billed).

``record`` is called by the delivery engine inside the batch that applies the statuses,
with the deliveries it matched whose pricing was not counted before: one upsert per
batch into ``BilledCount``, grouped by broadcast, day, category and calling code, which
it reads from the subscriber rows in the same statement. No query per status.
"""

from collections import defaultdict
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .models import BilledCount, BilledReplyCount

BILLED_STATUSES = frozenset({"delivered", "read"})
FREE_TYPES = frozenset({"free_customer_service", "free_entry_point"})


def is_billed(event):
    """True for a delivered/read ``StatusUpdate`` whose pricing says Meta billed it."""
    if event.status not in BILLED_STATUSES or not event.pricing_category:
        return False
    if event.pricing_type:
        return event.pricing_type not in FREE_TYPES
    return event.billable is True


def pricing_of(event):
    """The pricing fields of a ``StatusUpdate`` as a dict (kept with a status stored for
    later, so it is still billed once matched); {} without pricing."""
    if not (event.pricing_category or event.pricing_type or event.billable is not None):
        return {}
    return {
        "billable": event.billable,
        "pricing_category": event.pricing_category,
        "pricing_model": event.pricing_model,
        "pricing_type": event.pricing_type,
    }


class Billed(NamedTuple):
    """One billed message, as the engine matched it to a delivery."""

    announcement_id: int
    subscriber_id: int | None
    day: object  # local date of the status (``days``)
    category: str
    pricing_model: str


def days():
    """``timestamp -> local date``, memoised for one batch (statuses share their seconds)."""
    zone = timezone.get_current_timezone()
    memo = {}

    def day(timestamp):
        found = memo.get(timestamp)
        if found is None:
            found = memo[timestamp] = timestamp.astimezone(zone).date()
        return found

    return day


def record(rows):
    """Add the ``Billed`` rows to the counters: one statement, one array per group.

    Rows are grouped in Python by broadcast, day, category and model (a batch is mostly
    one group), so the statement carries one array of subscriber ids per group rather
    than five arrays of a thousand values; the calling codes come from the subscribers.
    """
    if not rows:
        return
    from subscribers.models import Subscriber

    groups = defaultdict(list)
    for row in rows:
        groups[(row.announcement_id, row.day, row.category, row.pricing_model)].append(
            row.subscriber_id
        )
    qn = connection.ops.quote_name
    table, subscribers = qn(BilledCount._meta.db_table), qn(Subscriber._meta.db_table)
    selects, params = [], []
    for (announcement_id, day, category, model), subscriber_ids in groups.items():
        if connection.vendor == "postgresql":
            source = "unnest(%s::bigint[]) AS v (subscriber_id)"
            ids = [subscriber_ids]
        else:
            values = ", ".join(["(%s)"] * len(subscriber_ids))
            source = f"(SELECT column1 AS subscriber_id FROM (VALUES {values})) AS v"  # noqa: S608
            ids = subscriber_ids
        selects.append(
            "SELECT %s, %s, %s, %s, COALESCE(s.calling_code, ''), COUNT(*) "  # noqa: S608
            f"FROM {source} LEFT JOIN {subscribers} s ON s.id = v.subscriber_id "
            "WHERE true GROUP BY COALESCE(s.calling_code, '')"
        )
        params += [announcement_id, day, category, model, *ids]
    # Only quoted table names and placeholders are interpolated; values go as parameters.
    sql = (
        f"INSERT INTO {table} AS c (announcement_id, day, category, pricing_model, "
        f"calling_code, messages) {' UNION ALL '.join(selects)} "
        "ON CONFLICT (announcement_id, day, category, pricing_model, calling_code) "
        "DO UPDATE SET messages = c.messages + excluded.messages"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class BilledReply(NamedTuple):
    """One billed automatic reply (``subscribers.SentReply``), as the engine claimed it."""

    day: object  # local date of the status (``days``)
    kind: str  # ``models.ReplyKind``
    category: str
    pricing_model: str
    calling_code: str


def record_replies(rows):
    """Add the ``BilledReply`` rows to ``BilledReplyCount``: one upsert, grouped in Python."""
    if not rows:
        return
    groups = defaultdict(int)
    for row in rows:
        groups[row] += 1
    table = connection.ops.quote_name(BilledReplyCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(groups))
    params = [value for key, n in groups.items() for value in (*key, n)]
    # Only the quoted table name and placeholders are interpolated.
    sql = (
        f"INSERT INTO {table} AS c (day, kind, category, pricing_model, calling_code, "  # noqa: S608
        f"messages) VALUES {values} "
        "ON CONFLICT (day, kind, category, pricing_model, calling_code) "
        "DO UPDATE SET messages = c.messages + excluded.messages"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
