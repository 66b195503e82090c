"""PostgreSQL only: concurrent claims and starts never overlap (SKIP LOCKED, row locks)."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from announcements.engine import deliveries, scheduler
from announcements.models import Delivery
from tests.fixtures.broadcasts import approved_announcement, make_subscribers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(target, count=4):
    results, threads = [], []
    for _ in range(count):

        def run():
            try:
                results.append(target())
            finally:
                connection.close()

        threads.append(threading.Thread(target=run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_claims_are_disjoint():
    make_subscribers(400)
    announcement = approved_announcement()
    scheduler.start_due_announcements()  # starts it, hands out no lanes

    sizes = []

    def claim_all():
        mine = []
        while rows := deliveries.claim(announcement.pk, 0, 10**12, 25, timezone.now()):
            sizes.append(len(rows))
            mine.extend(row[0] for row in rows)
        return mine

    claimed = [i for part in in_threads(claim_all) for i in part]
    assert len(claimed) == len(set(claimed)) == 400
    assert max(sizes) <= 25  # a claim never takes more than its step
    assert Delivery.objects.filter(status="sending", attempts=1).count() == 400


def test_two_beats_start_a_broadcast_once():
    make_subscribers(50)
    approved_announcement()
    started = in_threads(scheduler.start_due_announcements)
    assert sorted(len(ids) for ids in started) == [0, 0, 0, 1]
    assert Delivery.objects.count() == 50
