"""Apply Meta's status webhooks to deliveries: in bulk, forward only, idempotent.

A webhook POST may carry up to 1,000 statuses, Meta repeats POSTs and does not keep their
order. Each delivery's status therefore only ever moves up one total order
(``deliveries.RANK``, which also holds the SQL that applies it)::

    queued < sending = cancelled < sent < failed < delivered < read

so "failed" overrides "sent" (the message was accepted, then not delivered) and a later
"delivered" or "read" overrides "failed" (it arrived after all). Applying the same status
twice, or in any order, ends in the same row. The comparison runs inside the UPDATE, so two
webhook requests racing on one delivery cannot move it backwards.

Statuses are matched by the keyed hash of their wamid (``Delivery.wamid_hash``: a wamid
encodes the number, so only its hash is stored), else by our ``biz_opaque_callback_data``
(the delivery id), which settles a delivery whose worker died before it stored the send
response. A status for a hash nobody knows yet is kept in ``UnmatchedStatus`` and applied
when the hash appears.

A failure reported after its broadcast finished as "sent" turns the broadcast into
"partly failed", through ``services.mark_partly_failed`` (the transition table, audited).

What Meta bills (the ``pricing`` object of a "delivered" or "read" status) is counted in
the same batch, exactly once per delivery whatever the order and however often Meta
repeats it: ``Delivery.billed`` is set by one ``UPDATE ... WHERE NOT billed RETURNING id``,
and only the rows it returns are counted (one more upsert per batch, ``pricing.billing``).
Evidence of delivery is not the test: a retried webhook may bring "read" without pricing
before the "delivered" that carries it. A status stored unmatched keeps its pricing.

Automatic replies to residents are billed too (since 1 October 2026): statuses no delivery
claims are looked up among the sent replies (``subscribers.SentReply``), once per batch,
and counted once per reply the same way (``SentReply.billed``, ``pricing.BilledReplyCount``).
A reply's status that arrives before its record waits in ``UnmatchedStatus`` like any other.
"""

from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from pricing import billing
from titz_broadcast.json_rows import json_param, json_table
from whatsapp.errors import explain

from .. import services
from ..models import Delivery, UnmatchedStatus
from . import deliveries
from .deliveries import FAILED, RANK, db_time

# 131026: not a WhatsApp number, terms not accepted, outdated app; retrying will not help.
UNDELIVERABLE_CODES = frozenset({131026})


class _Merged:
    """Everything a batch of events says about one delivery."""

    __slots__ = ("code", "rank", "status", "times", "wamid_hash")

    def __init__(self):
        self.rank, self.status, self.code, self.wamid_hash = -1, "", None, None
        self.times = {}

    def add(self, event):
        status = event.status
        if status not in RANK:
            return  # "played" (voice) and future statuses say nothing about delivery
        if status not in self.times or event.timestamp < self.times[status]:
            self.times[status] = event.timestamp
        if RANK[status] > self.rank:
            self.rank, self.status = RANK[status], status
            self.code = event.errors[0].code if status == FAILED and event.errors else None
        self.wamid_hash = self.wamid_hash or event.message_id


class New(NamedTuple):
    """What a batch says about one delivery: the values ``deliveries.forward_set_clause``
    applies (``name`` there is a field name here)."""

    id: int
    rank: int
    status: str
    code: int | None
    title: str
    failed_at: object
    wamid_hash: str | None
    sent_at: object
    delivered_at: object
    read_at: object


# The types of ``New``'s fields, for the JSON that carries a batch in one UPDATE.
_NEW_TYPES = {
    "id": "bigint",
    "rank": "integer",
    "status": "text",
    "code": "integer",
    "title": "text",
    "failed_at": "timestamptz",
    "wamid_hash": "text",
    "sent_at": "timestamptz",
    "delivered_at": "timestamptz",
    "read_at": "timestamptz",
}


class Match(NamedTuple):
    """A delivery a batch of events names."""

    id: int
    wamid_hash: str | None
    announcement_id: int
    subscriber_id: int | None
    billed: bool  # Meta's pricing for it already counted


def _update(rows, now):
    """Apply the ``New`` rows in one statement, the batch as one JSON parameter."""
    table = deliveries.table()
    new = json_table([(f"new_{name}", _NEW_TYPES[name]) for name in New._fields])
    changes = deliveries.forward_set_clause(lambda name: f"new_{name}", "%s")
    sql = f"UPDATE {table} SET {changes} FROM {new} AS new WHERE id = new_id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_time(now), json_param(rows)])


def _new_values(delivery_id, merged):
    times = merged.times
    evidence = [times[s] for s in ("sent", "delivered", "read") if s in times]
    failed = merged.status == FAILED
    return New(
        delivery_id,
        merged.rank,
        merged.status,
        merged.code,
        explain(merged.code) if failed else "",
        db_time(times.get("failed")),
        merged.wamid_hash,
        db_time(min(evidence)) if evidence else None,
        db_time(times.get("delivered") or times.get("read")),
        db_time(times.get("read")),
    )


def _callback_id(event):
    data = event.callback_data
    return int(data) if data.isdigit() and len(data) < 19 else None


def apply_statuses(events, *, now=None):
    """Apply a webhook's status events; returns the number of deliveries matched."""
    now = now or timezone.now()
    events = [e for e in events if e.status in RANK]
    if not events:
        return 0
    wamid_hashes = {e.message_id for e in events}
    callback_ids = {i for e in events if (i := _callback_id(e)) is not None}
    by_hash, by_id = {}, {}
    for row in _matching_rows(wamid_hashes, callback_ids):
        by_id[row.id] = row
        if row.wamid_hash:
            by_hash[row.wamid_hash] = row
    merged, unmatched, billed, day = {}, [], {}, billing.days()
    for event in events:
        row = by_hash.get(event.message_id) or by_id.get(_callback_id(event))
        if row is None:
            unmatched.append(event)
            continue
        merged.setdefault(row.id, _Merged()).add(event)
        if not row.billed and row.id not in billed and billing.is_billed(event):
            billed[row.id] = billing.Billed(
                row.announcement_id,
                row.subscriber_id,
                day(event.timestamp),
                event.pricing_category,
                event.pricing_model,
            )
    # No savepoint of its own: the webhook already runs this in a transaction (and a
    # savepoint where it must isolate a failure); one round trip less per POST.
    with transaction.atomic(savepoint=False):
        if merged:
            _update([_new_values(i, m) for i, m in sorted(merged.items())], now)
        if unmatched:
            unmatched = _apply_to_replies(unmatched, day)
        if unmatched:
            UnmatchedStatus.objects.bulk_create(
                [
                    UnmatchedStatus(
                        wamid_hash=e.message_id,
                        status=e.status,
                        occurred_at=e.timestamp,
                        error_code=e.errors[0].code if e.errors else None,
                        pricing=billing.pricing_of(e),
                    )
                    for e in unmatched
                ],
                ignore_conflicts=True,
            )
        failed = [i for i, m in merged.items() if m.status == FAILED]
        if failed:
            _after_failures([by_id[i] for i in failed], merged)
        if billed:
            billing.record([billed[i] for i in _claim_billing(sorted(billed))])
    return len(merged)


def _claim_billing(delivery_ids):
    """Mark the deliveries billed; the ids that were not yet (the only ones to count)."""
    return [row[0] for row in _claim(deliveries.table(), "id", delivery_ids, "id")]


def _claim(table, column, keys, returning):
    """``UPDATE table SET billed = true`` for ``keys`` not billed yet; the rows it changed.

    The row lock and the ``NOT billed`` condition, re-checked after a concurrent webhook's
    commit, let exactly one of two racing batches count a message.
    """
    keys = list(keys)
    if connection.vendor == "postgresql":
        where, params = f"{column} = ANY(%s)", [keys]
    else:
        where, params = f"{column} IN ({', '.join(['%s'] * len(keys))})", keys
    sql = (
        f"UPDATE {table} SET billed = true WHERE {where} AND NOT billed "  # noqa: S608
        f"RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _apply_to_replies(events, day):
    """Count the pricing of statuses that name automatic replies; the events left unmatched.

    Replies are billed since 1 October 2026 (``subscribers.SentReply``, written when one is
    sent). Only statuses no delivery claimed get here, so a broadcast's batch pays nothing;
    otherwise one SELECT for the batch, and for priced ones one claim and one upsert.
    """
    from subscribers.models import SentReply

    known = dict(
        SentReply.objects.filter(wamid_hash__in={e.message_id for e in events}).values_list(
            "wamid_hash", "billed"
        )
    )
    if not known:
        return events
    priced = {}
    for event in events:
        wamid_hash = event.message_id
        unbilled = known.get(wamid_hash) is False and wamid_hash not in priced
        if unbilled and billing.is_billed(event):
            priced[wamid_hash] = event
    if priced:
        table = connection.ops.quote_name(SentReply._meta.db_table)
        claimed = _claim(table, "wamid_hash", sorted(priced), "wamid_hash, kind, calling_code")
        billing.record_replies(
            [
                billing.BilledReply(
                    day(priced[wamid_hash].timestamp),
                    kind,
                    priced[wamid_hash].pricing_category,
                    priced[wamid_hash].pricing_model or "",
                    code,
                )
                for wamid_hash, kind, code in claimed
            ]
        )
    return [e for e in events if e.message_id not in known]


def _matching_rows(wamid_hashes, callback_ids):
    """The ``Match`` of each delivery the events name.

    Plain SQL: building the same query through the ORM cost more CPU than the rest of a
    single-status webhook's own work. PostgreSQL gets arrays (two parameters instead of
    a thousand placeholders for psycopg to parse).
    """
    table = deliveries.table()
    if connection.vendor == "postgresql":
        where, params = (
            ["wamid_hash = ANY(%s)", "id = ANY(%s)"],
            [list(wamid_hashes), list(callback_ids)],
        )
    else:
        where = [f"wamid_hash IN ({', '.join(['%s'] * len(wamid_hashes))})"]
        if callback_ids:
            where.append(f"id IN ({', '.join(['%s'] * len(callback_ids))})")
        params = [*wamid_hashes, *callback_ids]
    sql = (
        "SELECT id, wamid_hash, announcement_id, subscriber_id, billed "  # noqa: S608
        f"FROM {table} "
        f"WHERE {' OR '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Match._make(row) for row in cursor.fetchall()]


def _after_failures(rows, merged):
    """A finished broadcast with a late failure is partly failed; flag undeliverable ones."""
    services.mark_partly_failed({row.announcement_id for row in rows})
    undeliverable = {
        row.subscriber_id for row in rows if merged[row.id].code in UNDELIVERABLE_CODES
    }
    recount_undeliverable(undeliverable - {None})


def recount_undeliverable(subscriber_ids):
    """Recount the subscribers' undeliverable failures (idempotent) and flag the frequent ones.

    Staff see only the flag and the error codes; what to do (ask by letter whether the number
    is still right) is theirs to decide.
    """
    if not subscriber_ids:
        return
    from subscribers.models import Subscriber

    failures = (
        Delivery.objects.filter(
            subscriber=OuterRef("pk"),
            status=FAILED,
            error_code__in=UNDELIVERABLE_CODES,
        )
        .order_by()
        .values("subscriber")
        .annotate(n=Count("id"))
        .values("n")
    )
    subscribers = Subscriber.objects.filter(pk__in=subscriber_ids)
    subscribers.update(undeliverable_count=Coalesce(Subquery(failures), Value(0)))
    subscribers.filter(undeliverable_count__gte=settings.UNDELIVERABLE_FLAG_THRESHOLD).update(
        flagged_undeliverable=True
    )


def match_unmatched(wamid_hashes=None):
    """Apply stored statuses whose hash is now known; ``None`` looks at all of them."""
    stored = UnmatchedStatus.objects.all()
    if wamid_hashes is not None:
        stored = stored.filter(wamid_hash__in=wamid_hashes)
    from subscribers.models import SentReply

    known = stored.filter(
        Q(wamid_hash__in=Delivery.objects.filter(wamid_hash__isnull=False).values("wamid_hash"))
        | Q(wamid_hash__in=SentReply.objects.values("wamid_hash"))
    ).order_by("id")[:5000]
    events = [_event_from(s) for s in known]
    if not events:
        return 0
    apply_statuses(events)
    UnmatchedStatus.objects.filter(id__in=[s.id for s in known]).delete()
    return len(events)


def _event_from(stored):
    from whatsapp.events import ErrorInfo, StatusUpdate

    errors = (ErrorInfo(code=stored.error_code),) if stored.error_code is not None else ()
    return StatusUpdate(
        message_id=stored.wamid_hash,
        status=stored.status,
        timestamp=stored.occurred_at,
        recipient="",
        errors=errors,
        **stored.pricing,
    )
