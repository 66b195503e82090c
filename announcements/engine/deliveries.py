"""Every status change of a delivery, in one place: the order, the moves and their SQL.

The engine writes deliveries set-based only (a claim takes a step's rows in one UPDATE, a
step's results one UPDATE per kind, a webhook's statuses one UPDATE), never
row by row through the ORM, so the rules cannot live in a model method. They live here:
``MOVES`` says which statuses each of the engine's moves starts from and where it ends,
``RANK`` is the order status webhooks move along, and every statement that writes
``Delivery.status`` is built from the two. The writers (``sending``, ``statuses``,
``sweeper``, ``scheduler``, the resident's "Stop" in ``announcements.receivers``) call
this module and spell no status themselves.

Each of the engine's moves checks its sources inside the UPDATE (``... AND status =
'sending'``), so a replayed task, a late worker or the sweeper never moves a row that
someone else moved on meanwhile. Evidence that a message left (the send response, a
status webhook) only ever moves a row forward along ``RANK``.

Plain SQL through Django's connection, valid on SQLite and PostgreSQL; only quoted table
names and the status literals below are interpolated, values go as parameters.
"""

from typing import NamedTuple

from django.db import connection, transaction

from titz_broadcast.json_rows import json_param, json_table

from ..models import Announcement, Delivery

QUEUED = Delivery.Status.QUEUED.value
SENDING = Delivery.Status.SENDING.value
SENT = Delivery.Status.SENT.value
DELIVERED = Delivery.Status.DELIVERED.value
READ = Delivery.Status.READ.value
FAILED = Delivery.Status.FAILED.value
CANCELLED = Delivery.Status.CANCELLED.value
EXPIRED = Delivery.Status.EXPIRED.value

# Not settled yet: a broadcast finishes when none is left, and they use up the messaging
# limit's allowance (``planner``).
OPEN = (QUEUED, SENDING)

# The one total order status webhooks move along (``statuses``' docstring says why):
#   queued < sending = cancelled = expired < sent < failed < delivered < read
# "expired" ranks with "cancelled": a claim that expired while its request was under way
# went out all the same, and its "sent" webhook still counts.
RANK = {
    QUEUED: 0,
    SENDING: 1,
    CANCELLED: 1,
    EXPIRED: 1,
    SENT: 2,
    FAILED: 3,
    DELIVERED: 4,
    READ: 5,
}


class Move(NamedTuple):
    """One of the engine's own moves: from any of ``sources`` to ``target``."""

    sources: tuple[str, ...]
    target: str


MOVES = {
    # A batch step takes due rows, and commits, before any request leaves (attempts + 1).
    "claim": Move((QUEUED,), SENDING),
    # Meta accepted the request. Evidence: forward from anything ranked below "sent" (a
    # claim the sweeper queued again, or cancelled since, went out all the same).
    "sent": Move(tuple(s for s, rank in RANK.items() if rank < RANK[SENT]), SENT),
    # A transient error: queued again after a backoff.
    "retry": Move((SENDING,), QUEUED),
    # A recipient error, or out of attempts.
    "fail": Move((SENDING,), FAILED),
    # Claimed but not attempted (the step broke off, or its send window closed).
    "release": Move((SENDING,), QUEUED),
    # Not attempted because of the pair limit: queued again for later.
    "defer": Move((SENDING,), QUEUED),
    # Claimed, but its subscriber is gone ("Stop") since the fan-out.
    "cancel_claimed": Move((SENDING,), CANCELLED),
    # Not claimed yet: a resident's "Stop", a broadcast cancelled or stopped.
    "cancel_queued": Move((QUEUED,), CANCELLED),
    # "gültig bis" passed: not claimed yet (the tick), or claimed but not attempted (the
    # worker checks each row just before its request).
    "expire_queued": Move((QUEUED,), EXPIRED),
    "expire_claimed": Move((SENDING,), EXPIRED),
    # The sweeper: a stale claim without evidence is queued again ...
    "requeue_stale": Move((SENDING,), QUEUED),
    # ... or failed, once it has used up its attempts.
    "give_up_stale": Move((SENDING,), FAILED),
}


def _is(sources):
    """SQL: the row's status is one of ``sources``."""
    if len(sources) == 1:
        return f"status = '{sources[0]}'"
    quoted = ", ".join(f"'{status}'" for status in sources)
    return f"status IN ({quoted})"


def _orm_is(move):
    """The same as a filter: ``status = ...`` for one source, as the ORM wrote it before."""
    if len(move.sources) == 1:
        return {"status": move.sources[0]}
    return {"status__in": list(move.sources)}


def _rank_sql():
    *lower, top = RANK.items()
    whens = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in lower)
    return f"(CASE status {whens} ELSE {top[1]} END)"


RANK_SQL = _rank_sql()  # a row's rank in SQL, for comparisons inside the UPDATE


def table():
    return connection.ops.quote_name(Delivery._meta.db_table)


def db_time(value):
    """A datetime as the database stores it (SQLite: naive UTC text, like the ORM writes)."""
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


# --- A batch step: claim, then record what each request did ---------------------------


class Claimed(NamedTuple):
    delivery_id: int
    subscriber_id: int | None  # None: the subscriber said "Stop" since the fan-out
    attempts: int  # including this one
    language: str = ""  # the language version to send ("" = German), from the fan-out


class Sent(NamedTuple):
    wamid_hash: str
    delivery_id: int


class Retry(NamedTuple):
    next_attempt_at: object  # aware datetime
    code: int | None
    title: str
    delivery_id: int


class Failed(NamedTuple):
    code: int | None
    title: str
    delivery_id: int


class Deferred(NamedTuple):
    next_attempt_at: object  # aware datetime
    delivery_id: int


def _not_expired_sql():
    """SQL: the broadcast's "gültig bis" has not passed (one look-up by primary key).

    Inside the claim, so that no row is handed out after the moment, whatever the tick
    has expired yet: retries and rows the sweeper queued again included.
    """
    announcements = connection.ops.quote_name(Announcement._meta.db_table)
    return (
        f"NOT EXISTS (SELECT 1 FROM {announcements} a WHERE a.id = %s "  # noqa: S608
        "AND a.valid_until IS NOT NULL AND a.valid_until <= %s)"
    )


def claim(announcement_id, lo, hi, limit, now):
    """Claim up to ``limit`` due queued rows in ``[lo, hi]``; returns ``Claimed`` rows.

    On PostgreSQL the rows are picked in a materialized CTE: as ``id IN (SELECT ... LIMIT n
    FOR UPDATE SKIP LOCKED)`` the subquery may be evaluated more than once under
    concurrency, and one claim took up to nine times its step (test_engine_postgres).
    """
    move, t = MOVES["claim"], table()
    pick = (
        f"SELECT id FROM {t} WHERE announcement_id = %s AND {_is(move.sources)} "  # noqa: S608
        "AND id >= %s AND id <= %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
        f"AND {_not_expired_sql()} ORDER BY id LIMIT %s"
    )
    claimed = f"status = '{move.target}', claimed_at = %s, updated_at = %s, attempts = attempts + 1"
    if connection.vendor == "postgresql":
        sql = (
            f"WITH picked AS MATERIALIZED ({pick} FOR UPDATE SKIP LOCKED) "  # noqa: S608
            f"UPDATE {t} SET {claimed} FROM picked "
            f"WHERE {t}.id = picked.id AND {_is(move.sources)} "
            f"RETURNING {t}.id, subscriber_id, attempts, language"
        )
    else:  # SQLite serialises writers: the plain subquery is exact there
        sql = (
            f"UPDATE {t} SET {claimed} WHERE id IN ({pick}) AND {_is(move.sources)} "  # noqa: S608
            "RETURNING id, subscriber_id, attempts, language"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        at = db_time(now)
        params = [announcement_id, lo, hi, at, announcement_id, at, limit, at, at]
        if connection.vendor != "postgresql":
            params = [at, at, announcement_id, lo, hi, at, announcement_id, at, limit]
        cursor.execute(sql, params)
        return sorted(Claimed._make(row) for row in cursor.fetchall())


class _Step(NamedTuple):
    """How ``record_step`` writes one kind of result (its ``MOVES`` entry): one UPDATE."""

    columns: tuple  # (name, type) of each row's values, the delivery's "id" last
    changes: str  # the SET list: {now} is the step's time, new_<name> a row's value
    guarded: bool = True  # only rows in the move's sources (else the CASE in ``changes``)


_ID = ("id", "bigint")
_STEPS = {
    "sent": _Step(
        (("wamid_hash", "text"), _ID),
        f"status = CASE WHEN {_is(MOVES['sent'].sources)} THEN '{MOVES['sent'].target}' "
        "ELSE status END, wamid_hash = COALESCE(wamid_hash, new_wamid_hash), "
        "sent_at = COALESCE(sent_at, {now}), updated_at = {now}",
        guarded=False,
    ),
    "retry": _Step(
        (
            ("next_attempt_at", "timestamptz"),
            ("error_code", "integer"),
            ("error_title", "text"),
            _ID,
        ),
        "claimed_at = NULL, next_attempt_at = new_next_attempt_at, "
        "error_code = new_error_code, error_title = new_error_title, updated_at = {now}",
    ),
    "fail": _Step(
        (("error_code", "integer"), ("error_title", "text"), _ID),
        "error_code = new_error_code, error_title = new_error_title, failed_at = {now}, "
        "updated_at = {now}",
    ),
    "release": _Step((_ID,), "claimed_at = NULL, attempts = attempts - 1, updated_at = {now}"),
    "defer": _Step(
        (("next_attempt_at", "timestamptz"), _ID),
        "claimed_at = NULL, attempts = attempts - 1, next_attempt_at = new_next_attempt_at, "
        "updated_at = {now}",
    ),
    "cancel_claimed": _Step((_ID,), "updated_at = {now}"),
    "expire_claimed": _Step((_ID,), "claimed_at = NULL, updated_at = {now}"),
}


def _step_sql(kind, t):
    """The UPDATE of ``kind`` and how many times it takes the step's time."""
    step, move = _STEPS[kind], MOVES[kind]
    target = "" if not step.guarded else f"status = '{move.target}', "
    where = "id = new_id" + (f" AND {_is(move.sources)}" if step.guarded else "")
    # The batch's columns are called new_<name>: unqualified names stay the row's own.
    new = json_table([(f"new_{name}", sql_type) for name, sql_type in step.columns])
    sql = (
        f"UPDATE {t} SET {target}{step.changes.format(now='%s')} "  # noqa: S608
        f"FROM {new} AS new WHERE {where}"
    )
    return sql, step.changes.count("{now}")


def record_step(
    now, *, sent=(), retry=(), failed=(), released=(), deferred=(), cancelled=(), expired=()
):
    """Write a step's results in one transaction: one statement per kind, if any.

    ``sent``, ``retry``, ``failed`` and ``deferred`` hold the named tuples above (plain
    tuples in their field order do too), ``released``, ``cancelled`` and ``expired``
    delivery ids. Each kind's rows go as one JSON parameter (``json_table``).
    """
    at = db_time
    batches = [
        ("sent", [(wamid_hash, i) for wamid_hash, i in sent]),
        ("retry", [(at(t), code, title, i) for t, code, title, i in retry]),
        ("fail", [(code, title, i) for code, title, i in failed]),
        ("release", [(i,) for i in released]),
        ("defer", [(at(t), i) for t, i in deferred]),
        ("cancel_claimed", [(i,) for i in cancelled]),
        ("expire_claimed", [(i,) for i in expired]),
    ]
    t, now = table(), at(now)
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, rows in batches:
            if rows:
                sql, times = _step_sql(kind, t)
                cursor.execute(sql, [*[now] * times, json_param(rows)])


# --- Status webhooks: forward only ----------------------------------------------------


def forward_set_clause(new, now):
    """The SET list that applies a webhook's news to a row, forward only along ``RANK``.

    ``new(name)`` is the SQL for the batch's value called ``name`` (``statuses._NEW``);
    ``now`` the SQL for the time of the update. The status moves only to a higher rank;
    the error fields follow a winning "failed"; each timestamp keeps the earliest value.
    """
    wins = f"{RANK_SQL} < {new('rank')}"
    failed = f"{wins} AND {new('status')} = '{FAILED}'"

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


# --- Set-based moves through the ORM ------------------------------------------------------


def cancel_queued(rows, now):
    """Cancel the queued ones of ``rows`` (a ``Delivery`` queryset); returns the count.

    A resident's "Stop", a broadcast cancelled before or stopped while sending. Claimed
    rows cannot be called back: the worker cancels them when it finds the subscriber gone.
    """
    move = MOVES["cancel_queued"]
    return rows.filter(**_orm_is(move)).update(status=move.target, updated_at=now)


def expire_queued(rows, now):
    """Expire the queued ones of ``rows`` (a ``Delivery`` queryset); returns the count.

    Their broadcast's "gültig bis" has passed. Claimed rows are the worker's: it expires
    those it has not sent yet (``expire_claimed``), and the sweeper's re-queues land here.
    """
    move = MOVES["expire_queued"]
    return rows.filter(**_orm_is(move)).update(status=move.target, updated_at=now)


def stale_claims(claimed_before):
    """Claims made before ``claimed_before`` that have no stored send response."""
    return Delivery.objects.filter(
        **_orm_is(MOVES["requeue_stale"]),
        claimed_at__lt=claimed_before,
        wamid_hash__isnull=True,
    )


def give_up_stale(stale, now, title):
    """Fail the rows of ``stale`` (from ``stale_claims``): no answer after all attempts."""
    return stale.update(
        status=MOVES["give_up_stale"].target,
        failed_at=now,
        error_code=None,
        error_title=title,
        updated_at=now,
    )


def requeue_stale(stale, now):
    """Queue the rows of ``stale`` (from ``stale_claims``) again, due at once."""
    return stale.update(
        status=MOVES["requeue_stale"].target, claimed_at=None, next_attempt_at=now, updated_at=now
    )
