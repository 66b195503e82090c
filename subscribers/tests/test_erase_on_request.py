"""A resident who lost the phone asks the town hall to delete the number: Prüfung looks it
up and erases the subscription from the result, with a reason, and no number is kept."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from audit.models import AuditEntry
from subscribers import checkpoints, export
from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915115550123"
OTHER = "4915115550456"
LOOKUP = "/admin/subscribers/consentevent/lookup/"
ERASE = "/admin/subscribers/consentevent/erase/"


@pytest.fixture
def pruefer(client):
    """A member of the Prüfung role as the migrations made it (no permission by hand)."""
    user = User.objects.create_user("pruefer", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Prüfung"))
    client.force_login(user)
    return user


def test_pruefung_erases_on_request_after_the_look_up(client, webhook, pruefer):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(OTHER, "Start"))
    code = ConsentEvent.objects.get(seq=1).subscriber_code

    page = client.post(LOOKUP, {"number": NUMBER}).content.decode()
    assert "Auf Antrag löschen" in page and f"Abonnement {code} löschen" in page
    assert NUMBER not in page

    done = client.post(ERASE, {"code": code, "reason": "Brief vom 3.12., Telefon verloren"})
    assert done.status_code == 302
    assert not Subscriber.objects.filter(code=code).exists()
    assert Subscriber.objects.count() == 1  # the other resident stays
    opt_out = ConsentEvent.objects.last()
    assert (opt_out.action, opt_out.source, opt_out.subscriber_code) == ("opt_out", "admin", code)
    assert opt_out.actor == "pruefer"
    assert "durch die Verwaltung" in "".join(export.lines("csv"))
    assert checkpoints.verify_database().ok
    entry = AuditEntry.objects.get(action="subscriber_erased_on_request")
    assert entry.user == pruefer and entry.target == code
    assert entry.details["reason"] == "Brief vom 3.12., Telefon verloren"
    stored = str(list(AuditEntry.objects.values_list("details", flat=True)))
    assert NUMBER not in stored and NUMBER not in opt_out.details.__repr__()
    assert "wurde gelöscht" in client.get(LOOKUP).content.decode()

    # The second use: the same Kennziffer again is refused, nothing is logged twice.
    client.post(ERASE, {"code": code, "reason": "noch einmal"})
    assert ConsentEvent.objects.filter(action="opt_out").count() == 1
    # And a look-up now offers no erasure (the number is no longer subscribed).
    assert "Auf Antrag löschen" not in client.post(LOOKUP, {"number": NUMBER}).content.decode()


def test_no_erasure_without_a_reason_or_without_a_look_up_of_that_number(client, webhook, pruefer):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(OTHER, "Start"))
    mine, other = (
        ConsentEvent.objects.get(seq=1).subscriber_code,
        ConsentEvent.objects.get(seq=2).subscriber_code,
    )
    client.post(LOOKUP, {"number": NUMBER})

    client.post(ERASE, {"code": mine, "reason": ""})
    assert Subscriber.objects.filter(code=mine).exists()
    # A Kennziffer from a list, not found by this user's look-up, cannot be erased.
    client.post(ERASE, {"code": other, "reason": "Versuch"})
    assert Subscriber.objects.filter(code=other).exists()
    # Nor one looked up too long ago.
    later = timezone.now() + timedelta(minutes=16)
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(pruefer)
        client.post(ERASE, {"code": mine, "reason": "Brief"})
    assert Subscriber.objects.count() == 2
    assert not ConsentEvent.objects.filter(action="opt_out").exists()


def test_roles_without_the_right_cannot_erase(client, webhook):
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    editor = User.objects.create_user("redakteur", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Redaktion"))
    client.force_login(editor)
    assert client.post(ERASE, {"code": code, "reason": "Brief"}).status_code == 403
    assert Subscriber.objects.filter(code=code).exists()
