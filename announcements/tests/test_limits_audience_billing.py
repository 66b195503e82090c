"""Issue 25: the daily messaging limit, one audience, billing each message once.

The limit is judged end to end by the simulator, which enforces Meta's moving 24-hour
limit of unique recipients (``enforce_messaging_limit``) and counts every message beyond it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements import approval_checks, audience, tasks
from announcements.engine import fanout, planner, statuses
from announcements.models import Announcement, AnnouncementTopic, AnnouncementVersion, Delivery
from pricing.models import BilledCount
from subscribers.models import Subscriber, SubscriberTopic, Topic
from tests.fixtures.broadcasts import approved_announcement, info_template, make_subscribers
from tests.fixtures.simulator import running_simulator
from whatsapp import limits, ratelimit
from whatsapp.events import StatusUpdate

pytestmark = pytest.mark.django_db
S = Announcement.Status


@pytest.fixture(autouse=True)
def _engine(settings):
    from titz_broadcast.celery import app

    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    limits.forget()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
    limits.forget()


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    def run(now=None):
        ratelimit.pair_gate.cache_clear()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_tick(now)

    return run


# --- 1. the daily messaging limit ---------------------------------------------------------


def test_plan_with_nothing_left_today_waits_a_day():
    now = timezone.now()
    make_subscribers(6)
    first = approved_announcement()
    fanout.create_deliveries(first, now)  # six in flight: today's allowance is used up

    waves = planner.plan(6, now=now, limit=6)
    assert waves == [planner.Wave(now + planner.WINDOW, 6)]
    assert not planner.sends_now(waves, now)
    assert "sofort" not in planner.describe(waves, now, limit=6)
    # A second plan leaves room for the first one's wave and for this one's.
    assert planner.plan(4, now=now, limit=10) == [planner.Wave(now, 4)]


def test_later_waves_leave_room_for_other_broadcasts_waves():
    now = timezone.now()
    make_subscribers(10)
    Delivery.objects.bulk_create(
        Delivery(
            announcement=approved_announcement(title="früher"),
            subscriber=subscriber,
            subscriber_code=subscriber.code,
            next_attempt_at=now + planner.WINDOW,
        )
        for subscriber in Subscriber.objects.all()[:4]
    )
    # Today 6 are free; tomorrow the other broadcast's 4 leave 2; then the full limit.
    waves = planner.plan(14, now=now, limit=6)
    assert [(w.starts_at - now, w.recipients) for w in waves] == [
        (timedelta(0), 6),
        (planner.WINDOW, 2),
        (2 * planner.WINDOW, 6),
    ]


def test_second_broadcast_waits_for_the_limit_end_to_end(
    settings, tick, client, django_user_model, live_server
):
    """Limit 3, three subscribers, two broadcasts within 24 h: the simulator counts none
    beyond the limit, and the change form and overview say who waits until when."""
    with running_simulator(enforce_messaging_limit=True, strict_templates=False) as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
        settings.WHATSAPP_MESSAGING_LIMIT = 3
        sim._call("POST", "/_sim/account", json={"messaging_limit": "3"})
        make_subscribers(3)
        first = approved_announcement(title="Erste")
        tick()
        assert len(sim.messages()) == 3

        second = approved_announcement(title="Zweite")
        Announcement.objects.filter(pk=second.pk).update(status=S.SUBMITTED)
        staff = django_user_model.objects.create_superuser("chef", "chef@example.org", "x")
        client.force_login(staff)
        url = reverse("admin:announcements_announcement_change", args=[second.pk])
        before = client.get(url).content.decode()
        assert "Alle Empfänger können sofort erreicht werden" not in before
        assert "Tageslimit von WhatsApp (3 Empfänger)" in before
        assert "3 Empfänger folgen ab morgen" in before

        Announcement.objects.filter(pk=second.pk).update(status=S.APPROVED)
        tick()
        second.refresh_from_db()
        assert second.status == S.SENDING
        assert len(sim.messages()) == 3, "nothing beyond the limit leaves"
        when = timezone.localtime(timezone.now() + planner.WINDOW)
        waiting = f"3 Empfänger folgen ab morgen {when:%H}:"
        assert waiting in client.get(url).content.decode()
        assert "Tageslimit 3" in client.get(url).content.decode()
        overview = client.get(reverse("admin:index")).content.decode()
        assert waiting in overview and "Tageslimit 3" in overview

        tick(timezone.now() + timedelta(hours=12))  # still within the day: nothing
        assert len(sim.messages()) == 3
        later = timezone.now() + planner.WINDOW + timedelta(minutes=1)
        sim.configure(clock_offset_s=(later - timezone.now()).total_seconds())
        tick(later)
        tick(later)
        second.refresh_from_db()
        assert second.status == S.SENT
        assert len(sim.messages()) == 6
        assert sim.stats()["counters"].get("over_messaging_limit", 0) == 0
        assert first.deliveries.count() == second.deliveries.count() == 3


# --- 2. one audience ----------------------------------------------------------------------


@pytest.fixture
def mixed_population():
    """Ten subscribers: topics, languages, countries, two marked undeliverable."""
    water = Topic.objects.create(name="Wasser", keyword="WASSER")
    fest = Topic.objects.create(name="Feste", keyword="FESTE")
    subscribers = make_subscribers(10)
    for index, subscriber in enumerate(subscribers):
        subscriber.language = ["de", "en", "tr"][index % 3]
        subscriber.calling_code = "49" if index % 2 else "90"
        subscriber.flagged_undeliverable = index in (0, 5)
    Subscriber.objects.bulk_update(
        subscribers, ["language", "calling_code", "flagged_undeliverable"]
    )
    # Water: 0, 1, 2, 3 (0 undeliverable); festivals: 3, 4, 5 (5 undeliverable).
    SubscriberTopic.objects.bulk_create(
        [SubscriberTopic(subscriber=subscribers[i], topic=water) for i in (0, 1, 2, 3)]
        + [SubscriberTopic(subscriber=subscribers[i], topic=fest) for i in (3, 4, 5)]
    )
    return water, fest


def _agree(announcement, expected):
    reached = audience.reach(announcement)["reached"]
    planned = sum(w.recipients for w in planner.plan(reached, limit=0))
    checks = approval_checks.check(announcement)
    created = fanout.create_deliveries(announcement, timezone.now())
    assert reached == planned == checks.estimate.recipients == created == expected
    return set(Delivery.objects.filter(announcement=announcement).values_list("subscriber_id"))


def test_fanout_reach_planner_and_estimate_agree(mixed_population):
    water, fest = mixed_population
    news = approved_announcement(title="Wasser")
    AnnouncementTopic.objects.create(announcement=news, topic=water)
    AnnouncementVersion.objects.create(
        announcement=news, language="en", template=info_template(), body="Water"
    )
    got = _agree(news, 3)  # 1, 2, 3: the undeliverable 0 is left out
    assert not Subscriber.objects.filter(pk__in=[g[0] for g in got], flagged_undeliverable=True)
    languages = dict(
        Delivery.objects.filter(announcement=news).values_list("subscriber_code", "language")
    )
    assert languages == {"T-000001": "en", "T-000002": "", "T-000003": ""}

    both = approved_announcement(title="Beides")
    AnnouncementTopic.objects.bulk_create(
        [AnnouncementTopic(announcement=both, topic=t) for t in (water, fest)]
    )
    _agree(both, 4)  # 1, 2, 3, 4 once each

    warning = approved_announcement(title="Unwetter")
    Announcement.objects.filter(pk=warning.pk).update(category=Announcement.Category.WARNING)
    warning.refresh_from_db()
    AnnouncementTopic.objects.create(announcement=warning, topic=fest)
    _agree(warning, 8)  # everyone deliverable, whatever the topics


def test_estimate_prices_only_the_topics_audience(mixed_population):
    water, _ = mixed_population
    news = approved_announcement(title="Wasser")
    AnnouncementTopic.objects.create(announcement=news, topic=water)
    forecast = approval_checks.check(news).estimate
    assert forecast.recipients == 3
    assert {line.calling_code: line.recipients for line in forecast.lines} == {"49": 2, "90": 1}


# --- 3. billing -----------------------------------------------------------------------


def _status(delivery, status, *, priced, at):
    pricing = {}
    if priced:
        pricing = dict(billable=True, pricing_category="utility", pricing_model="PMP")
        pricing["pricing_type"] = "regular"
    return StatusUpdate(
        message_id=delivery.wamid_hash,
        status=status,
        timestamp=at,
        recipient="",
        callback_data=str(delivery.pk),
        **pricing,
    )


def _sent_broadcast(count):
    make_subscribers(count)
    announcement = approved_announcement()
    fanout.create_deliveries(announcement, timezone.now())
    rows = list(Delivery.objects.filter(announcement=announcement).order_by("id"))
    for index, row in enumerate(rows):
        row.wamid_hash, row.status = f"{index:064x}", "sent"
    Delivery.objects.bulk_update(rows, ["wamid_hash", "status"])
    return announcement, rows


def billed():
    return sum(BilledCount.objects.values_list("messages", flat=True))


def test_read_before_delivered_bills_each_message_once():
    _, rows = _sent_broadcast(40)
    at = timezone.now()
    # A retried webhook: "read" (without pricing) for all before "delivered" (with it).
    statuses.apply_statuses([_status(r, "read", priced=False, at=at) for r in rows])
    statuses.apply_statuses([_status(r, "delivered", priced=True, at=at) for r in rows])
    assert billed() == 40
    # Meta repeats both, and sends a priced "read" for half: nothing counts twice.
    statuses.apply_statuses([_status(r, "delivered", priced=True, at=at) for r in rows])
    statuses.apply_statuses([_status(r, "read", priced=True, at=at) for r in rows[:20]])
    assert billed() == 40
    assert Delivery.objects.filter(billed=True).count() == 40


def test_priced_status_before_its_send_response_is_billed_once_matched():
    _, rows = _sent_broadcast(3)
    at = timezone.now()
    unknown = [r.wamid_hash for r in rows]
    Delivery.objects.update(wamid_hash=None)  # the workers have not stored the answer yet
    events = [
        StatusUpdate(
            message_id=h,
            status="delivered",
            timestamp=at,
            recipient="",
            billable=True,
            pricing_category="utility",
            pricing_model="PMP",
            pricing_type="regular",
        )
        for h in unknown
    ]
    statuses.apply_statuses(events)
    assert billed() == 0
    for row, wamid_hash in zip(rows, unknown, strict=True):
        Delivery.objects.filter(pk=row.pk).update(wamid_hash=wamid_hash)
    assert statuses.match_unmatched() == 3
    assert billed() == 3
    statuses.apply_statuses(events)
    assert billed() == 3
    assert Decimal(billed()) == 3
