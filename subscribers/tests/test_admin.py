"""Staff see codes, never numbers; erasure is logged; auditors export and look up."""

import pytest
from django.contrib.auth.models import Permission, User

from audit.models import AuditEntry
from subscribers import export
from subscribers.models import ConsentEvent, ReplyText, Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915115550123"


@pytest.fixture
def subscribed(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    return Subscriber.objects.get()


@pytest.fixture
def auditor(client):
    user = User.objects.create_user("pruefer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="subscribers",
            codename__in=["view_consentevent", "export_consentevent", "lookup_consentevent"],
        )
    )
    client.force_login(user)
    return user


def test_subscriber_list_shows_codes_and_no_numbers(admin_client, subscribed):
    page = admin_client.get("/admin/subscribers/subscriber/").content.decode()
    assert subscribed.code in page
    assert NUMBER[-6:] not in page
    detail = admin_client.get(f"/admin/subscribers/subscriber/{subscribed.pk}/change/")
    assert detail.status_code == 200
    assert NUMBER[-6:] not in detail.content.decode()
    assert subscribed.number_encrypted not in detail.content.decode()


def test_staff_cannot_add_subscribers(admin_client):
    assert admin_client.get("/admin/subscribers/subscriber/add/").status_code == 403


def test_erase_action_opts_out_and_is_audited(admin_client, admin_user, subscribed):
    response = admin_client.post(
        "/admin/subscribers/subscriber/",
        {"action": "erase_selected", "_selected_action": [subscribed.pk]},
    )
    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    event = ConsentEvent.objects.last()
    assert (event.action, event.source, event.actor) == ("opt_out", "admin", "admin")
    entry = AuditEntry.objects.get(action="subscriber_erased")
    assert (entry.user, entry.target) == (admin_user, subscribed.code)


def test_delete_button_is_an_erasure_too(admin_client, subscribed):
    admin_client.post(f"/admin/subscribers/subscriber/{subscribed.pk}/delete/", {"post": "yes"})
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.last().source == "admin"


def test_consent_log_is_read_only_even_for_superusers(admin_client, subscribed):
    event = ConsentEvent.objects.get()
    assert (
        admin_client.get(f"/admin/subscribers/consentevent/{event.pk}/change/").status_code == 200
    )
    assert (
        admin_client.post(
            f"/admin/subscribers/consentevent/{event.pk}/change/", {"source": "x"}
        ).status_code
        == 403
    )
    assert (
        admin_client.get(f"/admin/subscribers/consentevent/{event.pk}/delete/").status_code == 403
    )
    assert admin_client.get("/admin/subscribers/consentevent/add/").status_code == 403


def test_auditor_exports_a_streamed_verifiable_file(client, auditor, subscribed):
    listing = client.get("/admin/subscribers/consentevent/").content.decode()
    assert "export/" in listing and "lookup/" in listing
    response = client.get("/admin/subscribers/consentevent/export/", {"format": "jsonl"})
    assert response.status_code == 200
    assert response.streaming
    import io

    text = b"".join(response.streaming_content).decode()
    assert export.verify_stream(io.StringIO(text)).ok
    assert subscribed.code in text
    assert AuditEntry.objects.filter(action="consent_log_exported", user=auditor).exists()


def test_export_and_lookup_need_their_permissions(client, subscribed):
    user = User.objects.create_user("redaktion", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_consentevent"))
    client.force_login(user)
    assert client.get("/admin/subscribers/consentevent/export/?format=csv").status_code == 403
    assert (
        client.post("/admin/subscribers/consentevent/lookup/", {"number": NUMBER}).status_code
        == 403
    )


def test_complaint_lookup_finds_events_by_number_and_keeps_no_number(client, auditor, webhook):
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    webhook(payloads.text(NUMBER, "Stop"))
    webhook(payloads.text("4915110000000", "Start"))

    response = client.post("/admin/subscribers/consentevent/lookup/", {"number": "0151 15550123"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(code) == 2  # opt-in and opt-out rows
    assert Subscriber.objects.get().code not in page
    entry = AuditEntry.objects.get(action="consent_lookup")
    assert entry.details["found"] == 2
    assert NUMBER[-6:] not in str(entry.details) and "15550123" not in page


def test_reply_texts_are_editable_not_addable(admin_client):
    text = ReplyText.objects.get(key="welcome")
    response = admin_client.post(
        f"/admin/subscribers/replytext/{text.pk}/change/", {"text": "Willkommen, {code}!"}
    )
    assert response.status_code == 302
    text.refresh_from_db()
    assert text.text == "Willkommen, {code}!"
    assert admin_client.get("/admin/subscribers/replytext/add/").status_code == 403
