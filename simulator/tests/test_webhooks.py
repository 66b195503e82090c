"""Status and inbound webhooks: Meta's shape, a valid signature, batching and retries."""

import hashlib
import hmac
import json

import pytest
import requests

from simulator.config import SimulatorConfig
from simulator.webhooks import status_object
from tests.fixtures.simulator import running_simulator

from .graph import Graph

SECRET = "test-app-secret"


def signature_ok(headers, body, secret=SECRET):
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Hub-Signature-256"], expected)


@pytest.fixture
def sim(receiver):
    with running_simulator(receiver.url, app_secret=SECRET, read_share=1.0) as sim:
        yield sim


def send_text(sim, to, **extra):
    return Graph(sim).text(to, **extra).json()["messages"][0]["id"]


def test_statuses_arrive_signed_in_order_with_callback_data(sim, receiver):
    wamid = send_text(sim, "4915100000001", biz_opaque_callback_data="delivery:42")

    statuses = receiver.wait_for_statuses(3)

    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    for headers, body in receiver.posts:
        assert signature_ok(headers, body)
        assert headers["Content-Type"] == "application/json"
    for status in statuses:
        assert status["id"] == wamid
        assert status["recipient_id"] == "4915100000001"
        assert status["biz_opaque_callback_data"] == "delivery:42"
        assert status["timestamp"].isdigit()
    assert statuses[0]["pricing"]["pricing_model"] == "PMP"
    assert "pricing" not in statuses[2]
    payload = receiver.payloads()[0]
    assert payload["object"] == "whatsapp_business_account"
    [entry] = payload["entry"]
    assert entry["id"] == sim.config.waba_id
    [change] = entry["changes"]
    assert change["field"] == "messages"
    assert change["value"]["metadata"]["phone_number_id"] == sim.config.phone_number_id
    assert sim.messages()[0]["status"] == "read"


def test_replies_are_billed_as_service_messages_since_october_2026(receiver):
    """Meta bills free-form answers inside the service window since 1 October 2026."""
    with running_simulator(receiver.url, app_secret=SECRET) as sim:
        send_text(sim, "4915100000001")
        delivered = [s for s in receiver.wait_for_statuses(2) if s["status"] == "delivered"]
    assert delivered[0]["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "service",
    }


def test_replies_before_october_2026_were_free_templates_always_billed():
    october = 1790812800  # 1 October 2026 00:00 UTC
    config = SimulatorConfig()
    reply = {"id": "wamid.x", "to": "4915100000001", "user_id": None, "callback_data": ""}
    template = {**reply, "category": "utility"}
    before = status_object(reply, "delivered", october - 1, config)["pricing"]
    after = status_object(reply, "delivered", october, config)["pricing"]
    assert (before["billable"], before["type"]) == (False, "free_customer_service")
    assert (after["billable"], after["type"], after["category"]) == (True, "regular", "service")
    earlier = status_object(template, "delivered", october - 1, config)["pricing"]
    assert (earlier["billable"], earlier["category"]) == (True, "utility")


def test_wrong_secret_would_not_verify(sim, receiver):
    send_text(sim, "4915100000001")
    receiver.wait_for_statuses(1)
    headers, body = receiver.posts[0]
    assert not signature_ok(headers, body, secret="another-secret")


def test_many_statuses_share_one_post(receiver):
    with running_simulator(
        receiver.url,
        app_secret=SECRET,
        read_share=0.0,
        sent_delay_ms=300,
        delivered_delay_ms=300,
        webhook_linger_ms=1000,
        webhook_batch_size=50,
    ) as sim:
        for number in range(120):
            send_text(sim, f"49151000{number:05d}")
        statuses = receiver.wait_for_statuses(240)

    assert len(statuses) == 240
    assert len({s["id"] for s in statuses}) == 120
    sizes = [len(p["entry"][0]["changes"][0]["value"]["statuses"]) for p in receiver.payloads()]
    assert max(sizes) == 50
    assert len(sizes) < 20


def test_failed_post_is_retried_so_the_app_sees_duplicates(receiver):
    receiver.statuses = [500, 503]
    with running_simulator(
        receiver.url, app_secret=SECRET, read_share=0.0, delivered_delay_ms=60_000
    ) as sim:
        wamid = send_text(sim, "4915100000001")
        statuses = receiver.wait_for_statuses(3)
        assert sim.stats()["counters"]["webhook_posts_failed"] == 2
        assert sim.stats()["counters"]["webhook_posts_ok"] == 1

    bodies = [body for _, body in receiver.posts]
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert [(s["id"], s["status"]) for s in statuses] == [(wamid, "sent")] * 3


def test_undeliverable_number_gets_async_failed_131026(receiver):
    with running_simulator(receiver.url, app_secret=SECRET, undeliverable=["4915100000009"]) as sim:
        wamid = send_text(sim, "+49 151 00000009", biz_opaque_callback_data="d:1")
        [status] = receiver.wait_for_statuses(1)
        assert sim.messages()[0]["status"] == "failed"

    assert status["id"] == wamid
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"] == "Message undeliverable"
    assert "biz_opaque_callback_data" not in status


def test_bsuid_status_has_recipient_user_id(sim, receiver):
    body = {"messaging_product": "whatsapp", "recipient": "DE.1349", "text": {"body": "x"}}
    Graph(sim).send(body)
    status = receiver.wait_for_statuses(1)[0]
    assert status["recipient_user_id"] == "DE.1349"
    assert "recipient_id" not in status


def test_inbound_is_posted_signed_and_returns_the_app_status(sim, receiver):
    receiver.statuses = [403]
    assert sim.inbound("4915100000001", "Start") == 403
    assert sim.inbound("4915100000001", "Grüße aus Titz") == 200

    first, second = receiver.posts
    assert signature_ok(*first) and signature_ok(*second)
    value = json.loads(second[1])["entry"][0]["changes"][0]["value"]
    [contact] = value["contacts"]
    [message] = value["messages"]
    assert contact["wa_id"] == "4915100000001"
    assert message["from"] == "4915100000001"
    assert message["type"] == "text"
    assert message["text"] == {"body": "Grüße aus Titz"}
    assert message["id"].startswith("wamid.")
    assert message["timestamp"].isdigit()
    assert (
        json.loads(first[1])["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        != (message["id"])
    )


def test_inbound_without_app_reports_no_status(simulator):
    assert simulator.inbound("4915100000001", "Start") is None


def inbound_messages(receiver):
    return [
        change["value"]
        for payload in receiver.payloads()
        for entry in payload["entry"]
        for change in entry["changes"]
        if "messages" in change["value"]
    ]


def test_a_username_resident_writes_without_any_number(sim, receiver):
    assert sim.inbound(None, "Start", user_id="DE.13491208655302741918") == 200
    [value] = inbound_messages(receiver)
    [contact], [message] = value["contacts"], value["messages"]
    assert contact == {"profile": {"name": "Testnutzer"}, "user_id": "DE.13491208655302741918"}
    assert "from" not in message and message["from_user_id"] == "DE.13491208655302741918"
    assert "wa_id" not in json.dumps(value)


def test_statuses_and_answers_name_the_bsuid_of_a_resident_seen_with_both(sim, receiver):
    sim.inbound("4915100000001", "Hallo", user_id="DE.13491208655302741918")
    answer = Graph(sim).text("4915100000001").json()
    assert answer["contacts"][0]["user_id"] == "DE.13491208655302741918"
    for status in receiver.wait_for_statuses(3):
        assert status["recipient_id"] == "4915100000001"
        assert status["recipient_user_id"] == "DE.13491208655302741918"
    [recorded] = sim.messages(to="4915100000001")
    assert recorded["request"]["to"] == "4915100000001"


def test_identity_changes_are_metas_system_messages(sim, receiver):
    assert (
        sim.change_identity(
            "user_changed_number",
            **{"from": "4915100000001", "new_number": "4915100000002"},
            user_id="DE.1",
            new_user_id="DE.2",
        )
        == 200
    )
    assert sim.change_identity("user_changed_user_id", user_id="DE.2", new_user_id="DE.3") == 200
    first, second = (value["messages"][0] for value in inbound_messages(receiver))
    assert first["from"] == "4915100000001" and first["type"] == "system"
    assert first["system"] == {
        "type": "user_changed_number",
        "body": "User Testnutzer changed from 4915100000001 to 4915100000002",
        "wa_id": "4915100000002",
        "user_id": "DE.2",
        "previous_user_id": "DE.1",
    }
    assert "from" not in second and "4915" not in json.dumps(second)
    assert second["system"] == {
        "type": "user_changed_user_id",
        "user_id": "DE.3",
        "previous_user_id": "DE.2",
    }
    assert all("contacts" not in value for value in inbound_messages(receiver))


def test_an_identity_change_needs_both_identities(sim):
    for kind, values in [
        ("user_changed_number", {"from": "4915100000001"}),
        ("user_changed_user_id", {"user_id": "DE.2"}),
        ("user_changed_name", {"user_id": "DE.2", "new_user_id": "DE.3"}),
    ]:
        with pytest.raises(requests.HTTPError, match="400"):
            sim.change_identity(kind, **values)
