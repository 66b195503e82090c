"""The delivery states module, the scheduler's decisions and the engine's retention purge."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from announcements import retention
from announcements.engine import deliveries, scheduler
from announcements.models import Announcement, Delivery, UnmatchedStatus
from tests.fixtures.broadcasts import approved_announcement, make_subscribers

pytestmark = pytest.mark.django_db


def test_the_rank_in_sql_is_the_rank_in_python():
    """The webhook's UPDATE compares ranks in SQL: both must say the same for every status."""
    make_subscribers(len(Delivery.Status.values))
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    rows = list(Delivery.objects.filter(announcement=announcement).order_by("pk"))
    for row, status in zip(rows, Delivery.Status.values, strict=True):
        row.status = status
    Delivery.objects.bulk_update(rows, ["status"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, {deliveries.RANK_SQL} FROM {deliveries.table()}")  # noqa: S608
        assert dict(cursor.fetchall()) == deliveries.RANK
    assert set(deliveries.RANK) == set(Delivery.Status.values)


def test_every_move_starts_and_ends_in_a_known_status():
    known = set(Delivery.Status.values)
    for name, move in deliveries.MOVES.items():
        assert set(move.sources) <= known and move.target in known, name
    assert set(deliveries.MOVES["sent"].sources) == {"queued", "sending", "cancelled", "expired"}


def test_a_dispatch_is_remembered_in_the_database_not_the_cache():
    """Each worker process has its own LocMemCache: the memory must not live there."""
    make_subscribers(3)
    announcement = approved_announcement()
    first = scheduler.tick()
    assert first.started == [announcement.pk] and first.lanes_to_start
    assert {lane.announcement_id for lane in first.lanes_to_start} == {announcement.pk}
    assert Announcement.objects.get(pk=announcement.pk).lanes_dispatched_at is not None
    cache.clear()  # another process, or a restarted one
    assert scheduler.tick().lanes_to_start == []  # its lanes are at work: no second set


def test_a_resumed_broadcast_is_dispatched_again_at_once(superuser):
    from announcements import services

    make_subscribers(2)
    announcement = approved_announcement()
    scheduler.tick()
    services.pause(announcement, superuser)
    services.resume(announcement, superuser)
    lanes = scheduler.tick().lanes_to_start
    assert lanes and all(lane.announcement_id == announcement.pk for lane in lanes)


def test_unmatched_statuses_are_purged_after_a_week():
    now = timezone.now()
    old, recent = (
        UnmatchedStatus.objects.create(wamid_hash=h, status="sent", occurred_at=now)
        for h in ("a" * 64, "b" * 64)
    )
    UnmatchedStatus.objects.filter(pk=old.pk).update(received_at=now - timedelta(days=8))
    assert retention.purge_unmatched_statuses(now) == 1
    assert list(UnmatchedStatus.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_purge_runs_on_beat_not_in_the_tick(settings):
    from titz_broadcast.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["privacy.purge.unmatched_statuses"]
    assert (entry["task"], entry["args"]) == ("privacy.purge_store", ("unmatched_statuses",))
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
