"""Record what Meta bills, from the ``pricing`` object of status webhooks, set-based.

Since July 2025 Meta bills a template message when it is delivered, and says so in the
status webhook: ``pricing.type`` "regular" (or, in older payloads, ``billable: true``)
is billed, "free_customer_service" and "free_entry_point" are not. The pricing object
comes with "sent" and again with "delivered" or "read"; only the latter two count (a
message that was sent but never delivered is not billed), and one row per delivery
(``ON CONFLICT DO NOTHING``) keeps a "read" after a "delivered", or a repeated webhook,
from billing twice.

``record`` is called by the delivery engine inside the batch that applies the statuses,
with what it matched already: one INSERT ... SELECT per batch, which reads each
recipient's calling code from the subscriber row in the same statement. No query per
status.
"""

from typing import NamedTuple

from django.db import connection

from .models import BilledMessage

BILLED_STATUSES = frozenset({"delivered", "read"})
FREE_TYPES = frozenset({"free_customer_service", "free_entry_point"})


def is_billed(event):
    """True for a delivered/read ``StatusUpdate`` whose pricing says Meta billed it."""
    if event.status not in BILLED_STATUSES or not event.pricing_category:
        return False
    if event.pricing_type:
        return event.pricing_type not in FREE_TYPES
    return event.billable is True


class Billed(NamedTuple):
    """One billed message, as the engine matched it to a delivery."""

    delivery_id: int
    announcement_id: int
    subscriber_id: int | None
    category: str
    pricing_model: str
    pricing_type: str
    billed_at: object  # the status' timestamp (aware datetime)


_TYPES = ("bigint", "bigint", "bigint", "text", "text", "text", "timestamptz")


def record(rows):
    """Insert the ``Billed`` rows not recorded yet; returns how many were new."""
    if not rows:
        return 0
    from subscribers.models import Subscriber

    qn = connection.ops.quote_name
    table, subscribers = qn(BilledMessage._meta.db_table), qn(Subscriber._meta.db_table)
    names = ", ".join(Billed._fields)
    adapt = connection.ops.adapt_datetimefield_value
    values = [row._replace(billed_at=adapt(row.billed_at)) for row in rows]
    if connection.vendor == "postgresql":
        # Arrays: seven parameters for the whole batch, not seven per row.
        arrays = ", ".join(f"%s::{kind}[]" for kind in _TYPES)
        prefix, source = "", f"unnest({arrays}) AS v ({names})"
        params = [list(column) for column in zip(*values, strict=True)]
    else:
        row = "(" + ", ".join(["%s"] * len(_TYPES)) + ")"
        prefix = f"WITH v ({names}) AS (VALUES {', '.join([row] * len(values))}) "
        source, params = "v", [value for row in values for value in row]
    # Only quoted table names and placeholders are interpolated; values go as parameters.
    sql = (
        f"{prefix}INSERT INTO {table} (delivery_id, announcement_id, calling_code, "  # noqa: S608
        "category, pricing_model, pricing_type, billed_at) "
        "SELECT v.delivery_id, v.announcement_id, COALESCE(s.calling_code, ''), v.category, "
        f"v.pricing_model, v.pricing_type, v.billed_at FROM {source} "
        f"LEFT JOIN {subscribers} s ON s.id = v.subscriber_id "
        "WHERE true ON CONFLICT (delivery_id) DO NOTHING"  # SQLite: WHERE before upsert
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
