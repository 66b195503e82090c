"""Issue 25: automatic replies are billed since 1 October 2026, and counted once each.

``subscribers.tasks.send_reply`` records each reply that left (``SentReply``: the keyed
hash of its wamid and its kind), the status engine counts the priced status of each once
(``pricing.BilledReplyCount``), the cost page shows them apart from the broadcasts and the
approval screen estimates them, measured when there is something to measure.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements.engine import statuses
from announcements.models import Announcement, UnmatchedStatus
from pricing import prices_csv, reports
from pricing.models import BilledCount, BilledReplyCount, Price
from subscribers import retention
from subscribers.crypto import encrypt_identity
from subscribers.models import SentReply, Subscriber
from subscribers.tasks import send_reply
from tests.fixtures.processes import wait_until
from tests.fixtures.simulator import running_simulator
from whatsapp.backends import locmem
from whatsapp.events import StatusUpdate
from whatsapp.ids import message_key

pytestmark = pytest.mark.django_db
S = Announcement.Status
NUMBER = "4915100000123"
OTHER = "905321234567"  # Turkey: priced at its own rate


@pytest.fixture(autouse=True)
def _prices(settings):
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.LANGUAGE_CODE = "de"
    settings.PRICING_MONTHLY_BUDGET = 0
    Price.objects.all().delete()
    prices_csv.load(
        "Kategorie;Ländervorwahl;gültig ab;Euro je Nachricht\n"
        "utility;49;2025-07-01;0,0456\nservice;49;2026-10-01;0,0400\n"
        "service;90;2026-10-01;0,0100\n"
    )


def reply(to, kind, body="Hallo"):
    """Send one automatic reply as the worker does; the hash of the wamid Meta returned."""
    send_reply(encrypt_identity(to), body, None, kind)
    return message_key(locmem.outbox[-1]["wamid"])


def status(wamid_hash, name, *, priced, at=None):
    pricing = {}
    if priced:
        pricing = dict(billable=True, pricing_category="service", pricing_model="PMP")
        pricing["pricing_type"] = "regular"
    return StatusUpdate(
        message_id=wamid_hash,
        status=name,
        timestamp=at or timezone.now(),
        recipient="",
        **pricing,
    )


def billed_replies():
    return sum(BilledReplyCount.objects.values_list("messages", flat=True))


def test_send_reply_records_the_hashed_wamid_kind_and_country_never_the_number():
    welcome = reply(NUMBER, "welcome")
    helped = reply(OTHER, "help")
    rows = {row.wamid_hash: row for row in SentReply.objects.all()}
    assert set(rows) == {welcome, helped}
    assert (rows[welcome].kind, rows[welcome].calling_code) == ("welcome", "49")
    assert (rows[helped].kind, rows[helped].calling_code) == ("help", "90")
    raw = [message["wamid"] for message in locmem.outbox]
    stored = " ".join(f"{r.wamid_hash} {r.kind} {r.calling_code}" for r in rows.values())
    assert not any(w in stored for w in raw) and NUMBER not in stored and OTHER not in stored


def test_a_refused_reply_leaves_no_record():
    from whatsapp.exceptions import PermanentError

    locmem.fail_next(PermanentError("no", code=131026))
    send_reply(encrypt_identity(NUMBER), "Hallo", None, "help")
    assert not SentReply.objects.exists() and not locmem.outbox


def test_replies_priced_statuses_count_once_in_either_order_and_repeated():
    first, second = reply(NUMBER, "welcome"), reply(NUMBER, "help")
    # First reply: a retried webhook brings "read" (no pricing) before "delivered".
    statuses.apply_statuses([status(first, "read", priced=False)])
    assert billed_replies() == 0
    statuses.apply_statuses([status(first, "delivered", priced=True)])
    # Second reply: "delivered" and a priced "read" in one batch, then both again.
    both = [status(second, "delivered", priced=True), status(second, "read", priced=True)]
    statuses.apply_statuses(both)
    statuses.apply_statuses([*both, status(first, "delivered", priced=True)])
    statuses.apply_statuses([status(first, "read", priced=True)])
    assert billed_replies() == 2
    assert dict(BilledReplyCount.objects.values_list("kind", "messages")) == {
        "welcome": 1,
        "help": 1,
    }
    assert SentReply.objects.filter(billed=True).count() == 2
    # Replies are none of the broadcasts', and their statuses are not left unmatched.
    assert not BilledCount.objects.exists()
    assert not UnmatchedStatus.objects.exists()


def test_a_sent_status_or_a_free_one_bills_nothing():
    wamid_hash = reply(NUMBER, "goodbye")
    free = status(wamid_hash, "delivered", priced=False)
    statuses.apply_statuses([status(wamid_hash, "sent", priced=True), free])
    assert billed_replies() == 0
    statuses.apply_statuses([status(wamid_hash, "delivered", priced=True)])
    assert billed_replies() == 1


def test_a_replys_status_before_its_record_is_billed_once_matched():
    events = [status(message_key("wamid.early"), "delivered", priced=True)]
    statuses.apply_statuses(events)  # Meta's webhook was quicker than the worker
    assert billed_replies() == 0 and UnmatchedStatus.objects.count() == 1
    SentReply.objects.create(
        wamid_hash=events[0].message_id, kind="topics", calling_code="49", sent_at=timezone.now()
    )
    assert statuses.match_unmatched() == 1
    statuses.apply_statuses(events)
    assert billed_replies() == 1
    assert not UnmatchedStatus.objects.exists()


def test_cost_page_shows_replies_by_month_and_kind_apart_from_broadcasts(client, pruefer):
    for kind in ("welcome", "help", "help", "topics"):
        statuses.apply_statuses([status(reply(NUMBER, kind), "delivered", priced=True)])
    statuses.apply_statuses([status(reply(OTHER, "help"), "delivered", priced=True)])
    client.force_login(pruefer)
    html = client.get(reverse("costs")).content.decode()
    replies = html.split('data-testid="reply-costs"')[1].split("</table>")[0]
    month = f"{timezone.localdate():%Y-%m}"
    # Month, 5 billed, welcome 1, goodbye 0, help 3, topics 1, language 0, other 0,
    # none without price, 4 x 0.04 + 1 x 0.01 = 0.17 €.
    cells = "".join(f"<td>{c}</td>" for c in (month, 5, 1, 0, 3, 1, 0, 0, 0))
    assert cells + "<td>0,17 €</td>" in replies
    assert "Willkommen" in replies and "Hilfe" in replies
    # The broadcasts' tables have nothing: replies are shown apart.
    assert html.count("Noch nichts abgerechnet.") == 3
    # ... and the month's spending against the budget counts them.
    assert reports.month_to_date() == Decimal("0.17")


def test_estimate_before_approval_assumes_replies_then_measures_them(
    client, freigeber, make_announcement
):
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(code=f"K-{i}", number_hash=f"{i:064d}", consented_at=now, calling_code="49")
        for i in range(100)
    )
    announcement = make_announcement(S.SUBMITTED)
    client.force_login(freigeber)
    url = reverse("admin:announcements_announcement_change", args=[announcement.pk])
    html = client.get(url).content.decode()
    assert "etwa 2 von hundert Empfängern" in html
    assert "in den letzten vier Wochen keine Antworten abgerechnet" in html
    assert "0,08 €" in html  # 2 expected replies x 0.04

    # Four weeks ago: 200 broadcast messages and 10 replies billed (welcomes don't count:
    # they answer an opt-in, not a broadcast); older figures are not looked at.
    day = timezone.localdate() - timedelta(days=3)
    BilledCount.objects.create(
        announcement_id=0, day=day, category="utility", calling_code="49", messages=200
    )
    old = day - timedelta(days=60)
    BilledCount.objects.create(
        announcement_id=0, day=old, category="utility", calling_code="49", messages=800
    )
    for kind, n in (("help", 6), ("goodbye", 4), ("welcome", 50)):
        BilledReplyCount.objects.create(
            day=day, kind=kind, category="service", calling_code="49", messages=n
        )
    html = client.get(url).content.decode()
    assert "aus den letzten vier Wochen geschätzt" in html
    assert "etwa 5 Antworten je hundert Nachrichten" in html
    assert "0,20 €" in html  # 5 expected replies x 0.04
    assert "keine Antworten abgerechnet" not in html


def test_reply_records_are_purged_with_the_handled_message_ids():
    kept, purged = reply(NUMBER, "help"), reply(NUMBER, "welcome")
    now = timezone.now()
    SentReply.objects.filter(wamid_hash=purged).update(sent_at=now - timedelta(days=9))
    SentReply.objects.filter(wamid_hash=kept).update(sent_at=now - timedelta(days=7))
    assert retention.purge_bookkeeping(now) >= 1
    assert list(SentReply.objects.values_list("wamid_hash", flat=True)) == [kept]


# --- end to end: the simulator as Meta, its status webhooks to a live server -------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_start_and_help_through_the_simulator_show_two_billed_replies(
    live_server, settings, client, make_user
):
    """A resident's "Start" and "Hilfe": both answers leave through the Cloud API backend,
    the simulator prices them as Meta does since October 2026 and posts the statuses
    (sent, delivered, read) to the webhook; the cost page shows two billed replies."""
    webhook = f"{live_server.url}/whatsapp/webhook/"
    with running_simulator(webhook_url=webhook, strict_templates=False) as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
        assert sim.inbound(NUMBER, "Start") == 200
        assert sim.inbound(NUMBER, "Hilfe") == 200
        answers = sim.wait_for(lambda ms: len(ms) == 2, what="two answers", to=NUMBER)
        assert all(m["type"] in ("text", "interactive") for m in answers)

        wait_until(lambda: billed_replies() == 2, 10, "both replies billed")
        wait_until(lambda: SentReply.objects.filter(billed=True).count() == 2, 10, "claimed")
    assert dict(BilledReplyCount.objects.values_list("kind", "messages")) == {
        "welcome": 1,
        "help": 1,
    }
    assert set(BilledReplyCount.objects.values_list("category", flat=True)) == {"service"}
    # A superuser: the role groups come from a data migration, which an earlier
    # transactional test's flush may have removed.
    client.force_login(make_user("kontrolle", "superuser"))
    html = client.get(reverse("costs")).content.decode()
    replies = html.split('data-testid="reply-costs"')[1].split("</table>")[0]
    month = f"{timezone.localdate():%Y-%m}"
    cells = "".join(f"<td>{c}</td>" for c in (month, 2, 1, 0, 1, 0, 0, 0, 0))
    assert cells + "<td>0,08 €</td>" in replies
    assert not UnmatchedStatus.objects.exists()


def test_a_batch_of_reply_statuses_costs_the_same_queries_whatever_its_size(
    django_assert_num_queries,
):
    """The status webhook is a hot path: the replies' lookup, claim and count are one
    statement each per batch, never one per status."""
    now = timezone.now()

    def batch(count, prefix):
        hashes = [message_key(f"wamid.{prefix}{i}") for i in range(count)]
        SentReply.objects.bulk_create(
            SentReply(wamid_hash=h, kind="help", calling_code="49", sent_at=now) for h in hashes
        )
        return [status(h, "delivered", priced=True) for h in hashes]

    small, large = batch(1, "a"), batch(200, "b")
    # Deliveries (1), replies (1), claim (1), counters (1); savepoints aside.
    with django_assert_num_queries(4):
        statuses.apply_statuses(small)
    with django_assert_num_queries(4):
        statuses.apply_statuses(large)
    assert billed_replies() == 201
