"""Rows of the webhook event store: one unique key per event, inserted once.

The unique key is what makes webhooks exactly-once: Meta retries a POST until it got a
200 and may deliver an event twice, and every path that stores events (the request, the
Redis intake's drain, a retry) goes through ``insert_new``, which skips keys already there.
"""

from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from titz_broadcast.json_rows import json_param, json_table

from .events import InboundMessage, StatusUpdate, UserPreference
from .models import WebhookEvent

INSERT_CHUNK = 1000  # Meta sends at most 1,000 updates per POST


class Keyed(NamedTuple):
    """An event with its unique key (``event_key``), as the intake and the inbox pass it."""

    key: str
    event: InboundMessage | StatusUpdate | UserPreference


def event_key(event):
    if isinstance(event, StatusUpdate):
        return f"st:{event.message_id}:{event.status}"
    if isinstance(event, InboundMessage):
        return f"in:{event.message_id}"
    return f"up:{event.event_id}"


def insert_new(rows, due=None):
    """Insert the ``(key, kind, data, received_at)`` rows whose key is new.

    Returns ``{key: row id}`` of the inserted ones. Without ``due`` the rows are stored as
    processed, without data (the caller runs their receivers in the same transaction);
    with it, they wait for ``inbox.dispatch_due`` from that time on, ``data`` holding
    the sealed event.
    """
    inserted = {}
    for start in range(0, len(rows), INSERT_CHUNK):
        inserted.update(_insert_chunk(rows[start : start + INSERT_CHUNK], due))
    return inserted


def _insert_chunk(rows, due):
    # The ORM's bulk_create(ignore_conflicts=True) cannot say which rows were inserted;
    # RETURNING after ON CONFLICT DO NOTHING can (PostgreSQL, SQLite >= 3.35). The rows go
    # as one JSON parameter (``json_rows``).
    ops = connection.ops
    processed = None if due is not None else ops.adapt_datetimefield_value(timezone.now())
    next_attempt = None if due is None else ops.adapt_datetimefield_value(due)
    batch = [
        (key, kind, data, ops.adapt_datetimefield_value(received_at))
        for key, kind, data, received_at in rows
    ]
    new = json_table(
        [("key", "text"), ("kind", "text"), ("data", "text"), ("received_at", "timestamptz")]
    )
    columns = ", ".join(
        ops.quote_name(c)
        for c in (
            "key",
            "kind",
            "data",
            "received_at",
            "processed_at",
            "next_attempt_at",
            "attempts",
            "last_error",
        )
    )
    # Only quoted identifiers and SQL of this module are interpolated; values are
    # parameters. "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's;
    # the ORDER BY keeps the ids in the order the events came in (``inbox`` replays
    # waiting events in id order: a "Start" before the "Stop" after it).
    sql = (
        f"INSERT INTO {ops.quote_name(WebhookEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT new.key, new.kind, new.data, new.received_at, %s, %s, 0, '' "
        f"FROM {new} AS new WHERE true ORDER BY new.position "
        f"ON CONFLICT ({ops.quote_name('key')}) DO NOTHING "
        f"RETURNING {ops.quote_name('id')}, {ops.quote_name('key')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [processed, next_attempt, json_param(batch)])
        return {key: row_id for row_id, key in cursor.fetchall()}


def reseal_pending(page=500):
    """Encrypt the data of every event still waiting with the newest key (key rotation).

    Processed events hold no data; the encrypted ones waiting (a retry after a failed
    receiver, statuses stored while Redis was down) would become unreadable once an old
    key is dropped, and a waiting "Stop" would be lost. Plain events (``sealing``) need
    nothing. Returns how many were re-encrypted.
    """
    from .sealing import PLAIN_PREFIX, reseal

    last, done = 0, 0
    while rows := list(
        WebhookEvent.objects.filter(pk__gt=last, processed_at__isnull=True)
        .exclude(data="")
        .exclude(data__startswith=PLAIN_PREFIX)
        .order_by("pk")
        .only("pk", "data")[:page]
    ):
        for row in rows:
            row.data = reseal(row.data)
        WebhookEvent.objects.bulk_update(rows, ["data"])
        last, done = rows[-1].pk, done + len(rows)
    return done
