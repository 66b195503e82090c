"""Retention treats every end state of a broadcast alike: its deliveries and image go.

The states are walked from their one table (``Announcement.Status``, ``Delivery.Status``
and ``services.ACTIONS``), so a state added later is checked without editing this test.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from announcements import retention, services
from announcements.models import Announcement, Delivery, DeliveryAggregate
from tests.fixtures.broadcasts import info_template, make_subscribers

pytestmark = pytest.mark.django_db
Status = Announcement.Status


def moves_on(status):
    """Actions that take ``status`` somewhere else, ``late_failure`` aside (it sends nothing)."""
    return [
        name
        for name, spec in services.ACTIONS.items()
        if status in spec.sources and name != "late_failure" and set(spec.targets) - {status}
    ]


@pytest.mark.parametrize("status", list(Status))
def test_a_state_is_an_end_state_exactly_when_no_action_leads_on(status):
    if status in services.ENDED:
        assert moves_on(status) == [], f"{status} is an end state but can still move on"
    else:
        assert moves_on(status), f"{status} cannot move on but is not an end state"


def test_every_end_state_is_reached_by_some_action():
    reachable = {target for spec in services.ACTIONS.values() for target in spec.targets}
    assert set(services.ENDED) <= reachable


@pytest.mark.parametrize("status", list(services.ENDED))
def test_deliveries_and_media_of_every_end_state_are_purged_after_the_retention(
    status, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.DELIVERY_RETENTION_DAYS = 30
    settings.ANNOUNCEMENT_MEDIA_RETENTION_DAYS = 30
    now = timezone.now()
    ended = now - timedelta(days=31)
    subscribers = make_subscribers(len(Delivery.Status))
    old = Announcement.objects.create(
        title="Alt",
        body="Text",
        template=info_template(),
        template_params=["Text"],
        status=status,
        finished_at=ended if status != Status.CANCELLED else None,
        cancelled_at=ended if status == Status.CANCELLED else None,
    )
    old.media.save("bild.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    recent = Announcement.objects.create(
        title="Neu", body="Text", status=status, finished_at=now, cancelled_at=now
    )
    for owner in (old, recent):  # one delivery in every delivery state
        Delivery.objects.bulk_create(
            Delivery(announcement=owner, subscriber=sub, subscriber_code=sub.code, status=state)
            for sub, state in zip(subscribers, Delivery.Status, strict=True)
        )
    path = old.media.path

    assert retention.purge_deliveries(now) == len(Delivery.Status)
    assert retention.purge_media(now) == 1

    assert not Delivery.objects.filter(announcement=old).exists()
    assert Delivery.objects.filter(announcement=recent).count() == len(Delivery.Status)
    counted = DeliveryAggregate.objects.filter(
        announcement=old, dimension=DeliveryAggregate.Dimension.STATUS
    )
    assert sorted(counted.values_list("key", flat=True)) == sorted(Delivery.Status.values)
    old.refresh_from_db()
    assert old.media.name == "" and not (tmp_path / path).exists()


@pytest.mark.parametrize("status", [*services.EDITABLE, *services.RUNNING])
def test_a_broadcast_not_ended_keeps_its_deliveries(status, settings):
    settings.DELIVERY_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=400)
    (subscriber,) = make_subscribers(1)
    announcement = Announcement.objects.create(
        title="Läuft", body="Text", status=status, finished_at=long_ago, cancelled_at=long_ago
    )
    Delivery.objects.create(
        announcement=announcement, subscriber=subscriber, subscriber_code=subscriber.code
    )

    assert retention.purge_deliveries(timezone.now()) == 0
    assert Delivery.objects.filter(announcement=announcement).exists()
