"""Bulk test data for benchmarks: subscribers by COPY, one broadcast at a time."""

from django.db import connection
from django.utils import timezone


def reset():
    """Empty the tables the engine touches (the benchmark database only)."""
    from announcements.models import Announcement, Delivery, UnmatchedStatus
    from subscribers.models import Subscriber
    from whatsapp.models import WebhookEvent

    with connection.cursor() as cursor:
        for model in (Delivery, UnmatchedStatus, Announcement, Subscriber, WebhookEvent):
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)} CASCADE")
        # Write out what earlier runs left dirty now, not during this run's measurement
        # (after the 1,000,000-row fan-out, that cost the next run up to a third).
        cursor.execute("CHECKPOINT")


def copy_subscribers(count, *, reachable):
    """``count`` subscribers; ``reachable`` ones carry real encrypted test numbers."""
    from subscribers.crypto import encrypt_identity
    from subscribers.models import Subscriber
    from tests.fixtures.broadcasts import phone_number

    table = connection.ops.quote_name(Subscriber._meta.db_table)
    columns = "(code, number_hash, number_encrypted, user_id_encrypted, consented_at, "
    columns += "created_at, undeliverable_count, flagged_undeliverable)"
    now = timezone.now().isoformat()
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy,
    ):
        for i in range(count):
            token = encrypt_identity(phone_number(i)) if reachable else "x"
            copy.write_row((f"B-{i:07d}", f"{i:064x}", token, "", now, now, 0, False))


def choose_topics():
    """Every subscriber reads the first topic; each of the other four, every second one
    (about 3 million rows for a million subscribers), in one INSERT ... SELECT. One in ten
    chose English. The fan-out of an announcement for the first topic with an English
    version then reaches everyone, as before topics existed, through the topics' join."""
    from subscribers.models import Subscriber, SubscriberTopic, Topic

    qn = connection.ops.quote_name
    subscribers, chosen = qn(Subscriber._meta.db_table), qn(SubscriberTopic._meta.db_table)
    topics = list(Topic.objects.order_by("order").values_list("pk", flat=True)[:5])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {chosen} (subscriber_id, topic_id) "  # noqa: S608
            f"SELECT s.id, t.id FROM {subscribers} s CROSS JOIN {qn(Topic._meta.db_table)} t "
            "WHERE t.id = %s OR (t.id = ANY(%s) AND (s.id + t.id) %% 2 = 0)",
            [topics[0], topics[1:]],
        )
        cursor.execute(f"UPDATE {subscribers} SET language = 'en' WHERE id % 10 = 0")  # noqa: S608
        cursor.execute(f"VACUUM ANALYZE {chosen}")
        # As ``reset`` does: the 3 million rows written here are not the fan-out's cost.
        cursor.execute("CHECKPOINT")
    return topics[0]
