"""Create one delivery per subscriber in one set-based statement.

``INSERT ... SELECT`` lets the database copy the subscriber ids and codes itself: no row
travels through Python, so the worker's memory does not grow with the number of
subscribers and a million rows take seconds, not minutes. ``ON CONFLICT DO NOTHING`` makes
a repeated fan-out harmless. Plain SQL through Django's connection, valid on SQLite and
PostgreSQL.

Topics narrow the audience with an ``EXISTS`` on the subscriber's topics (a semi-join, so
a subscriber with two of the announcement's topics still gets one row), except for a
warning or an urgent message: those reach everyone, whatever they chose. Each row names
the language version the subscriber gets: their own language if the announcement has a
version in it, else "" (the German text).
"""

from django.db import connection

from ..models import AnnouncementTopic, AnnouncementVersion, Delivery
from . import planner


def audience_topics(announcement):
    """The topic ids that narrow ``announcement``'s audience; empty means everyone."""
    if announcement.urgent or announcement.category == announcement.Category.WARNING:
        return []
    return list(
        AnnouncementTopic.objects.filter(announcement=announcement).values_list(
            "topic_id", flat=True
        )
    )


def create_deliveries(announcement, now):
    """Queue a delivery for every subscriber in the audience; returns the rows created."""
    from subscribers.models import Subscriber, SubscriberTopic

    qn = connection.ops.quote_name
    delivery, subscriber = qn(Delivery._meta.db_table), qn(Subscriber._meta.db_table)
    chosen = qn(SubscriberTopic._meta.db_table)
    topics = audience_topics(announcement)
    versions = list(
        AnnouncementVersion.objects.filter(announcement=announcement).values_list(
            "language", flat=True
        )
    )
    params = [announcement.pk]
    language = "''"
    if versions:
        language = f"CASE WHEN s.language IN ({', '.join(['%s'] * len(versions))}) "
        language += "THEN s.language ELSE '' END"
        params += versions
    params.append(connection.ops.adapt_datetimefield_value(now))
    where = "s.id IS NOT NULL"  # SQLite needs a WHERE before an upsert clause
    if topics:
        where = (
            f"EXISTS (SELECT 1 FROM {chosen} st WHERE st.subscriber_id = s.id "  # noqa: S608
            f"AND st.topic_id IN ({', '.join(['%s'] * len(topics))}))"
        )
        params += topics
    # Only quoted table names and placeholders are interpolated; values go as parameters.
    sql = (
        f"INSERT INTO {delivery} (announcement_id, subscriber_id, subscriber_code, language, "  # noqa: S608
        "status, attempts, error_title, updated_at) "
        f"SELECT %s, s.id, s.code, {language}, 'queued', 0, '', %s FROM {subscriber} s "
        f"WHERE {where} "
        # Deliveries are sent in id order: this makes it the order of subscription (SQLite
        # otherwise reads the covering index on the random Kennziffer).
        "ORDER BY s.id "
        "ON CONFLICT (announcement_id, subscriber_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.rowcount
    _spread_over_days(announcement.pk, created, now)
    return created


def _spread_over_days(announcement_id, count, now):
    """Hold back what exceeds today's messaging limit (one UPDATE per extra day)."""
    waves = planner.plan(count, now=now, exclude_announcement=announcement_id)
    if len(waves) <= 1:
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
