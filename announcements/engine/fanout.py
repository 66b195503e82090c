"""Create one delivery per recipient in one set-based statement.

``INSERT ... SELECT`` lets the database copy the subscriber ids and codes itself: no row
travels through Python, so the worker's memory does not grow with the number of
subscribers and a million rows take seconds, not minutes. ``ON CONFLICT DO NOTHING`` makes
a repeated fan-out harmless. The ``SELECT`` is the audience's own query
(``models.recipients``: topics, language version, undeliverable, warnings to all), so the
fan-out sends to exactly whom the reach panel, the planner and the estimate count; valid
on SQLite and PostgreSQL.
"""

from django.db import connection
from django.db.models import DateTimeField, IntegerField, Value

from ..models import Delivery, recipients
from . import planner


def create_deliveries(announcement, now):
    """Queue a delivery for every subscriber in the audience; returns the rows created."""
    rows = (
        recipients(announcement)
        .values_list(
            Value(announcement.pk, output_field=IntegerField()),
            "id",
            "code",
            "version_language",
            Value(Delivery.Status.QUEUED.value),
            Value(0, output_field=IntegerField()),
            Value(""),
            Value(now, output_field=DateTimeField()),
        )
        # Deliveries are sent in id order: this makes it the order of subscription (SQLite
        # otherwise reads the covering index on the random Kennziffer).
        .order_by("id")
    )
    select, params = rows.query.sql_with_params()
    delivery = connection.ops.quote_name(Delivery._meta.db_table)
    # The audience's WHERE (never empty: undeliverable ones are left out) keeps SQLite
    # from reading the upsert clause as a join constraint.
    sql = (
        f"INSERT INTO {delivery} (announcement_id, subscriber_id, subscriber_code, language, "
        f"status, attempts, error_title, updated_at) {select} "
        "ON CONFLICT (announcement_id, subscriber_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.rowcount
    _spread_over_days(announcement.pk, created, now)
    return created


def _spread_over_days(announcement_id, count, now):
    """Hold back what exceeds today's messaging limit (one UPDATE per later wave)."""
    waves = planner.plan(count, now=now, exclude_announcement=announcement_id)
    if planner.sends_now(waves, now):
        return
    queued = Delivery.objects.filter(announcement_id=announcement_id, status="queued")
    offset = 0
    boundaries = []
    for wave in waves:
        if wave.starts_at > now:
            first_id = queued.order_by("id").values_list("id", flat=True)[offset : offset + 1]
            boundaries.append((first_id[0], wave.starts_at))
        offset += wave.recipients
    ends = [b[0] for b in boundaries[1:]] + [None]
    for (first_id, starts_at), end in zip(boundaries, ends, strict=True):
        rows = queued.filter(id__gte=first_id)
        if end is not None:
            rows = rows.filter(id__lt=end)
        rows.update(next_attempt_at=starts_at)
