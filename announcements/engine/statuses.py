"""Apply Meta's status webhooks to deliveries: in bulk, forward only, idempotent.

A webhook POST may carry up to 1,000 statuses, Meta repeats POSTs and does not keep their
order. Each delivery's status therefore only ever moves up one total order::

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
"""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from whatsapp.errors import explain

from ..delivery_models import Delivery, UnmatchedStatus

RANK = {
    "queued": 0,
    "sending": 1,
    "cancelled": 1,
    "sent": 2,
    "failed": 3,
    "delivered": 4,
    "read": 5,
}
# 131026: not a WhatsApp number, terms not accepted, outdated app; retrying will not help.
UNDELIVERABLE_CODES = frozenset({131026})

_RANK_SQL = (
    "(CASE status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'cancelled' THEN 1 "
    "WHEN 'sent' THEN 2 WHEN 'failed' THEN 3 WHEN 'delivered' THEN 4 ELSE 5 END)"
)


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
            self.code = event.errors[0].code if status == "failed" and event.errors else None
        self.wamid_hash = self.wamid_hash or event.message_id


# What a batch says about one delivery, in the order of ``_NEW``'s columns.
_NEW = (
    ("id", "bigint"),
    ("rank", "integer"),
    ("status", "text"),
    ("code", "integer"),
    ("title", "text"),
    ("failed_at", "timestamptz"),
    ("wamid_hash", "text"),
    ("sent_at", "timestamptz"),
    ("delivered_at", "timestamptz"),
    ("read_at", "timestamptz"),
)


def _set_clause(new, now):
    """The SET list; ``new(name)`` is the SQL for the batch's value called ``name``."""
    wins = f"{_RANK_SQL} < {new('rank')}"
    failed = f"{wins} AND {new('status')} = 'failed'"

    def earliest(column):  # the earlier of the column and the new value, NULL-safe
        value = new(column)
        return (
            f"{column} = CASE WHEN {value} IS NOT NULL AND ({column} IS NULL OR {column} > "
            f"{value}) THEN {value} ELSE {column} END"
        )

    return ", ".join(
        [
            f"status = CASE WHEN {wins} THEN {new('status')} ELSE status END",
            f"error_code = CASE WHEN {failed} THEN {new('code')} ELSE error_code END",
            f"error_title = CASE WHEN {failed} THEN {new('title')} ELSE error_title END",
            f"failed_at = CASE WHEN {failed} THEN {new('failed_at')} ELSE failed_at END",
            f"wamid_hash = COALESCE(wamid_hash, {new('wamid_hash')})",
            earliest("sent_at"),
            earliest("delivered_at"),
            earliest("read_at"),
            f"updated_at = {now}",
        ]
    )


def _update(rows, now):
    """Apply the ``_NEW``-ordered rows: one statement on PostgreSQL, one per row elsewhere."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for _, kind in _NEW)
            names = ", ".join(f"new_{name}" for name, _ in _NEW)
            sql = (
                f"UPDATE {table} SET {_set_clause(lambda name: f'new_{name}', '%s')} "  # noqa: S608
                f"FROM unnest({arrays}) AS new ({names}) WHERE id = new_id"
            )
            cursor.execute(sql, [db_time(now), *(list(c) for c in zip(*rows, strict=True))])
        else:
            sql = (
                f"UPDATE {table} SET {_set_clause(lambda name: f'%({name})s', '%(now)s')} "  # noqa: S608
                "WHERE id = %(id)s"
            )
            names = [name for name, _ in _NEW]
            now = db_time(now)
            cursor.executemany(sql, [dict(zip(names, row, strict=True), now=now) for row in rows])


def _new_values(delivery_id, merged):
    times = merged.times
    evidence = [times[s] for s in ("sent", "delivered", "read") if s in times]
    failed = merged.status == "failed"
    return (
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


def db_time(value):
    """A datetime as the database stores it (SQLite: naive UTC text, like the ORM writes)."""
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


def _callback_id(event):
    data = event.callback_data
    return int(data) if data.isdigit() and len(data) < 19 else None


def apply_statuses(events, *, now=None):
    """Apply a webhook's status events; returns the number of deliveries matched."""
    from django.utils import timezone

    now = now or timezone.now()
    events = [e for e in events if e.status in RANK]
    if not events:
        return 0
    wamid_hashes = {e.message_id for e in events}
    callback_ids = {i for e in events if (i := _callback_id(e)) is not None}
    by_hash, by_id = {}, {}
    for row in _matching_rows(wamid_hashes, callback_ids):
        by_id[row[0]] = row
        if row[1]:
            by_hash[row[1]] = row
    merged, unmatched = {}, []
    for event in events:
        row = by_hash.get(event.message_id) or by_id.get(_callback_id(event))
        if row is None:
            unmatched.append(event)
            continue
        merged.setdefault(row[0], _Merged()).add(event)
    # No savepoint of its own: the webhook already runs this in a transaction (and a
    # savepoint where it must isolate a failure); one round trip less per POST.
    with transaction.atomic(savepoint=False):
        if merged:
            _update([_new_values(i, m) for i, m in sorted(merged.items())], now)
        if unmatched:
            UnmatchedStatus.objects.bulk_create(
                [
                    UnmatchedStatus(
                        wamid_hash=e.message_id,
                        status=e.status,
                        occurred_at=e.timestamp,
                        error_code=e.errors[0].code if e.errors else None,
                    )
                    for e in unmatched
                ],
                ignore_conflicts=True,
            )
        failed = [i for i, m in merged.items() if m.status == "failed"]
        if failed:
            _after_failures([by_id[i] for i in failed], merged)
    return len(merged)


def _matching_rows(wamid_hashes, callback_ids):
    """``(id, wamid_hash, announcement_id, subscriber_id)`` of the deliveries the events name.

    Plain SQL: building the same query through the ORM cost more CPU than the rest of a
    single-status webhook's own work. PostgreSQL gets arrays (two parameters instead of
    a thousand placeholders for psycopg to parse).
    """
    table = connection.ops.quote_name(Delivery._meta.db_table)
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
        f"SELECT id, wamid_hash, announcement_id, subscriber_id FROM {table} "  # noqa: S608
        f"WHERE {' OR '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _after_failures(rows, merged):
    from ..models import Announcement

    Announcement.objects.filter(
        id__in={row[2] for row in rows}, status=Announcement.Status.SENT
    ).update(status=Announcement.Status.PARTLY_FAILED)
    undeliverable = {row[3] for row in rows if merged[row[0]].code in UNDELIVERABLE_CODES}
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
            status=Delivery.Status.FAILED,
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
    known = stored.filter(
        wamid_hash__in=Delivery.objects.filter(wamid_hash__isnull=False).values("wamid_hash")
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
    )
