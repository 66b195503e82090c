"""Child process of the fan-out benchmark: ``python -m bench.fanout COUNT [--prepare|--bare]``.

``--prepare`` copies the subscribers in, gives them topics and languages, and creates
the approved announcement for one topic with an English version (not measured). Without
a flag, a fresh process, like a worker, creates that broadcast's deliveries the way the
worker's tick does and prints JSON with the time and its peak RSS, which must not depend
on COUNT. Preparing in another process keeps the COPY's buffers (which grow with the
database's back-pressure) out of the figure.

``--bare`` is the yardstick, run before the product on the same subscribers: one plain
``INSERT ... SELECT`` of the same rows (the subscribers of the announcement's topic) into
a copy of the delivery table (same columns, defaults, indexes, unique key and deferred
foreign keys), without the product's logic (no language choice, ordering, conflict
clause or messaging-limit waves). The copy is dropped and the database checkpointed
afterwards, so the product's run starts as clean as the bare one.
"""

import json
import resource
import sys
import time

BARE_TABLE = "bench_bare_delivery"
DEFERRED = "DEFERRABLE INITIALLY DEFERRED"  # as Django creates the delivery table's keys


def main(count, mode=""):
    from . import env as benv

    benv.setup_django(benv.base_environment())
    from django.utils import timezone

    from announcements.engine import fanout
    from announcements.models import Announcement
    from tests.fixtures.broadcasts import approved_announcement

    from . import data

    if mode == "--prepare":
        data.reset()
        data.copy_subscribers(count, reachable=False)
        topic = data.choose_topics()
        announcement = approved_announcement()
        with_topic_and_english(announcement, topic)
        return
    announcement = Announcement.objects.get(status=Announcement.Status.APPROVED)
    started = time.perf_counter()
    if mode == "--bare":
        created = _bare_insert(announcement, timezone.now())
    else:
        created = fanout.create_deliveries(announcement, timezone.now())
    seconds = time.perf_counter() - started
    if mode == "--bare":
        _drop_bare_table()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"count": created, "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1)})
    )


def _bare_insert(announcement, now):
    from django.db import connection

    from announcements.models import AnnouncementTopic, Delivery
    from subscribers.models import Subscriber, SubscriberTopic

    qn = connection.ops.quote_name
    delivery, subscriber = qn(Delivery._meta.db_table), qn(Subscriber._meta.db_table)
    chosen = qn(SubscriberTopic._meta.db_table)
    announcement_table = qn(announcement._meta.db_table)
    [topic] = AnnouncementTopic.objects.filter(announcement=announcement).values_list(
        "topic_id", flat=True
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(f"CREATE TABLE {BARE_TABLE} (LIKE {delivery} INCLUDING ALL)")
        cursor.execute(
            f"ALTER TABLE {BARE_TABLE} "
            f"ADD FOREIGN KEY (announcement_id) REFERENCES {announcement_table} (id) {DEFERRED}, "
            f"ADD FOREIGN KEY (subscriber_id) REFERENCES {subscriber} (id) {DEFERRED}"
        )
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (announcement_id, subscriber_id, subscriber_code, "  # noqa: S608
            "status, attempts, error_title, updated_at) "
            f"SELECT %s, s.id, s.code, 'queued', 0, '', %s FROM {subscriber} s "
            f"JOIN {chosen} st ON st.subscriber_id = s.id AND st.topic_id = %s",
            [announcement.pk, now, topic],
        )
        return cursor.rowcount


def _drop_bare_table():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BARE_TABLE}")
        cursor.execute("CHECKPOINT")


def with_topic_and_english(announcement, topic):
    from announcements.models import AnnouncementTopic, AnnouncementVersion, MessageTemplate

    AnnouncementTopic.objects.create(announcement=announcement, topic_id=topic)
    template, _ = MessageTemplate.objects.get_or_create(
        name="titz_info",
        language="en",
        defaults={"status": "APPROVED", "body": "Titz: {{1}}", "param_count": 1},
    )
    AnnouncementVersion.objects.create(
        announcement=announcement, language="en", template=template, body="Closed."
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), *sys.argv[2:3])
