"""Child process of the fan-out benchmark: ``python -m bench.fanout COUNT [--prepare]``.

``--prepare`` copies the subscribers in, gives them topics and languages, and creates
the approved announcement for one topic with an English version (not measured). Without
it, a fresh process, like a worker, creates that broadcast's deliveries the way the
worker's tick does and prints JSON with the time and its peak RSS, which must
not depend on COUNT. Preparing in another process keeps the COPY's buffers (which grow
with the database's back-pressure) out of the figure.
"""

import json
import resource
import sys
import time


def main(count, prepare=False):
    from . import env as benv

    benv.setup_django(benv.base_environment())
    from django.utils import timezone

    from announcements.engine import fanout
    from announcements.models import Announcement
    from tests.fixtures.broadcasts import approved_announcement

    from . import data

    if prepare:
        data.reset()
        data.copy_subscribers(count, reachable=False)
        topic = data.choose_topics()
        announcement = approved_announcement()
        with_topic_and_english(announcement, topic)
        return
    announcement = Announcement.objects.get(status=Announcement.Status.APPROVED)
    started = time.perf_counter()
    created = fanout.create_deliveries(announcement, timezone.now())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"count": created, "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1)})
    )


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
    main(int(sys.argv[1]), prepare="--prepare" in sys.argv[2:])
