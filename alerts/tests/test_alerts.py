"""Staff are told when something stops: one German e-mail per cause and hour, a banner.

End to end with the simulator playing Meta: a broadcast loses its access token halfway
(error 190), the engine pauses it, the approvers get one mail in the file mail backend and
the overview shows the banner until the broadcast is resumed or stopped.
"""

import email
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from alerts import services
from alerts.models import Alert
from announcements import services as announcement_services
from announcements import tasks
from announcements.engine import scheduler
from announcements.models import Announcement, Delivery
from nina import health
from tests.fixtures.broadcasts import approved_announcement, make_subscribers
from tests.fixtures.processes import free_port

pytestmark = pytest.mark.django_db
TOKEN = "valid-token-of-the-municipality"


@pytest.fixture
def mailbox(settings, tmp_path):
    """Django's file mail backend: every sent mail is a file; returns a reader of them."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SITE_URL = "https://warnung.gemeinde.example"
    settings.ALERT_EMAILS = []

    def read():
        folder = tmp_path / "mail"
        messages = []
        for path in sorted(folder.glob("*.log")) if folder.exists() else []:
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk.strip().encode()))
        return messages

    return read


def _text(message):
    return message.get_payload(decode=True).decode()


def _subject(message):
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


@pytest.fixture
def approvers(freigeber, freigeber2, redakteur):
    freigeber.email, redakteur.email = "clara@gemeinde.example", "anna@gemeinde.example"
    freigeber.save()
    redakteur.save()  # may not approve: gets no alert
    return freigeber  # freigeber2 has no address: nobody to mail there


@pytest.fixture
def broadcast(settings, simulator):
    """20 subscribers, a broadcast started in two lanes against the simulator."""
    simulator.configure(access_token=TOKEN, strict_templates=False)  # the titz_info fixture
    settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
    for name, value in simulator.settings().items():
        setattr(settings, name, value)
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.BROADCAST_LANES = 2
    settings.BROADCAST_BATCH_SIZE = 5
    make_subscribers(20)
    announcement = approved_announcement()
    lanes = scheduler.tick().lanes_to_start
    assert len(lanes) == 2
    return announcement, lanes


def _send(lane):
    tasks.send_batch(lane.announcement_id, lane.lo, lane.hi)


def test_token_expiring_mid_broadcast_mails_approvers_once_and_shows_a_banner(
    broadcast, simulator, mailbox, approvers, client
):
    announcement, (first, second) = broadcast
    _send(first)
    assert Delivery.objects.filter(announcement=announcement, status="sent").count() == 10
    assert mailbox() == []
    simulator.configure(access_token="a-token-revoked-at-meta")  # Meta answers 190 now
    _send(second)
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.PAUSED
    reason = announcement.pause_reason
    assert "WHATSAPP_ACCESS_TOKEN" in reason

    (mail,) = mailbox()
    assert mail["To"] == "clara@gemeinde.example"
    assert _subject(mail) == "Titz Broadcast: Versand angehalten: Wasserrohrbruch"
    body = _text(mail)
    assert f"Grund: {reason}" in body
    link = f"https://warnung.gemeinde.example/admin/announcements/announcement/{announcement.pk}/change/"
    assert f"Einzelheiten: {link}" in body
    assert "höchstens eine E-Mail pro Stunde" in body

    client.force_login(approvers)
    banner = client.get("/admin/").content.decode()
    assert "Etwas steht still" in banner and "Versand angehalten: Wasserrohrbruch" in banner

    # Resumed with the token still revoked: paused again at once; banner again, no mail.
    announcement_services.resume(announcement, approvers)
    assert "Etwas steht still" not in client.get("/admin/").content.decode()
    _send(second)
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.PAUSED
    assert len(mailbox()) == 1
    assert "Versand angehalten: Wasserrohrbruch" in client.get("/admin/").content.decode()

    # An hour later the same cause is mailed again; stopping the broadcast resolves it.
    Alert.objects.update(mailed_at=timezone.now() - timedelta(minutes=61))
    announcement_services.resume(announcement, approvers)
    scheduler.pause([announcement.pk], reason)
    assert len(mailbox()) == 2 and reason in _text(mailbox()[1])
    announcement.refresh_from_db()
    announcement_services.stop(announcement, approvers)
    assert "Etwas steht still" not in client.get("/admin/").content.decode()


def test_each_paused_broadcast_is_a_cause_of_its_own(broadcast, simulator, mailbox, approvers):
    announcement, (first, _second) = broadcast
    other = approved_announcement(title="Sperrmüll")
    scheduler.tick()
    simulator.configure(access_token="a-token-revoked-at-meta")
    _send(first)  # 190 pauses every running broadcast (pause_all)
    subjects = sorted(_subject(mail) for mail in mailbox())
    assert subjects == [
        "Titz Broadcast: Versand angehalten: Sperrmüll",
        "Titz Broadcast: Versand angehalten: Wasserrohrbruch",
    ]
    assert {alert.key for alert in services.open_alerts()} == {
        announcement_services.paused_alert_key(announcement.pk),
        announcement_services.paused_alert_key(other.pk),
    }


def test_nina_disturbed_is_mailed_from_the_third_failure_and_resolved_by_a_success(
    mailbox, approvers, client
):
    health.record_failure("timeout")
    health.record_failure("timeout")
    assert mailbox() == [] and not services.open_alerts().exists()
    health.record_failure("HTTP 503")
    health.record_failure("HTTP 503")  # the same cause within the hour: no second mail
    (mail,) = mailbox()
    assert _subject(mail) == "Titz Broadcast: NINA-Import gestört"
    assert "4-mal hintereinander" not in _text(mail)  # the mail is the third's
    assert "3-mal hintereinander" in _text(mail) and "HTTP 503" in _text(mail)
    client.force_login(approvers)
    page = client.get("/admin/").content.decode()
    assert "NINA-Import gestört" in page and "4-mal hintereinander" in page
    health.record_success()
    assert "NINA-Import gestört" not in client.get("/admin/").content.decode()


def test_alert_emails_replace_the_approvers(settings, mailbox, approvers):
    settings.ALERT_EMAILS = ["it@gemeinde.example", "buergermeister@gemeinde.example"]
    assert services.raise_alert("consent-log-check", "Einwilligungsprotokoll", "Kette gebrochen")
    (mail,) = mailbox()
    assert mail["To"] == "buergermeister@gemeinde.example, it@gemeinde.example"


def test_a_mail_that_cannot_be_sent_is_logged_and_tried_again(settings, mailbox, approvers, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert not services.raise_alert("consent-log-check", "Einwilligungsprotokoll", "Kette")
    assert "e-mail not sent" in caplog.text
    assert services.open_alerts().get().mailed_at is None  # the next raise mails again
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    assert services.raise_alert("consent-log-check", "Einwilligungsprotokoll", "Kette")
    assert len(mailbox()) == 1


def test_without_any_recipient_the_alert_still_shows_and_says_so(settings, freigeber, caplog):
    settings.ALERT_EMAILS = []
    assert not services.raise_alert("nina-import", "NINA-Import gestört", "timeout")
    assert "nobody to mail" in caplog.text
    assert services.open_alerts().count() == 1


def test_texts_are_german_even_when_raised_in_an_english_request(mailbox, approvers):
    from django.utils import translation

    from announcements.services import alert_paused

    announcement = approved_announcement()
    with translation.override("en"):
        alert_paused(announcement, "reason")
    assert _subject(mailbox()[0]) == "Titz Broadcast: Versand angehalten: Wasserrohrbruch"


@override_settings(ALERT_EMAILS=["it@gemeinde.example"])
def test_resolving_an_alert_that_is_not_open_changes_nothing(mailbox):
    assert not services.resolve("nina-import")
    services.raise_alert("nina-import", "NINA-Import gestört", "timeout")
    assert services.resolve("nina-import") and not services.resolve("nina-import")


def test_a_failed_nightly_consent_check_is_mailed_and_stays_on_the_banner(
    mailbox, approvers, client
):
    from django.db import connection

    from subscribers import chain, checkpoints
    from subscribers.models import ConsentEvent

    for number in range(3):
        chain.append(
            ConsentEvent.Action.OPT_IN,
            occurred_at=timezone.now() - timedelta(minutes=10 - number),
            subscriber_code=f"K-{number:06d}",
            number_hash=f"{number:064x}",
            source="keyword",
            keyword="start",
        )
    assert checkpoints.nightly_check().ok and mailbox() == []
    with connection.cursor() as cursor:  # changed behind the application's back
        cursor.execute("UPDATE subscribers_consentevent SET keyword = 'x' WHERE seq = 2")
    assert not checkpoints.nightly_check().ok
    assert not checkpoints.nightly_check().ok  # the next night: no second mail this hour
    (mail,) = mailbox()
    assert (
        _subject(mail)
        == "Titz Broadcast: Nächtliche Prüfung des Einwilligungsprotokolls fehlgeschlagen"
    )
    assert "Datenschutzbeauftragte" in _text(
        mail
    ) and "/admin/subscribers/consentevent/verify/" in _text(mail)
    client.force_login(approvers)
    assert "Einwilligungsprotokolls fehlgeschlagen" in client.get("/admin/").content.decode()
