"""A broadcast's image or PDF reaches Meta when the broadcast starts, not with the test send.

Against the simulator over real HTTP: it records every upload and every send, and checks
a template's media header as Meta does.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from announcements import media, services, tasks
from announcements.engine import scheduler
from announcements.models import Announcement, MessageTemplate
from announcements.template_sync import sync_templates
from tests.fixtures.broadcasts import make_subscribers, phone_number
from whatsapp import ratelimit

from . import media_samples

pytestmark = pytest.mark.django_db
S = Announcement.Status
PARAGRAPH = "Die Sprechstunde fällt am Freitag aus."


@pytest.fixture(autouse=True)
def _engine(settings, simulator, django_capture_on_commit_callbacks):
    for name, value in simulator.settings().items():
        setattr(settings, name, value)
    settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.BROADCAST_BATCH_SIZE = 4
    settings.BROADCAST_LANES = 3
    from titz_broadcast.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    sync_templates()  # the simulator lists the composer's set as approved
    yield
    app.conf.task_always_eager = previous


def tick(now=None):
    ratelimit.pair_gate.cache_clear()
    tasks.run_tick(now)


def notice(kind, **fields):
    """An approved one-paragraph notice with an image ("IMAGE") or a PDF ("DOCUMENT")."""
    suffix = "_bild_1" if kind == "IMAGE" else "_pdf_1"
    template = MessageTemplate.objects.get(name="titz_meldung" + suffix, language="de")
    announcement = Announcement.objects.create(
        title="Sprechstunde (intern)",
        heading="Sprechstunde",
        body=PARAGRAPH,
        template=template,
        template_params=["Sprechstunde", PARAGRAPH],
        status=S.APPROVED,
        approved_at=timezone.now(),
        **fields,
    )
    if kind == "IMAGE":
        announcement.media.save("x.png", ContentFile(media_samples.png()))
    else:
        announcement.media.save("x.pdf", ContentFile(media_samples.pdf()))
    return announcement


def uploads(simulator):
    return simulator.stats()["counters"].get("media_uploads", 0)


@pytest.mark.parametrize("kind", ["IMAGE", "DOCUMENT"])
def test_a_notice_with_a_file_reaches_everyone_without_a_test_send(simulator, kind):
    make_subscribers(10)
    announcement = notice(kind)

    tick()

    announcement.refresh_from_db()
    assert announcement.status == S.SENT, announcement.pause_reason
    sent = simulator.messages()
    assert sorted(m["to"] for m in sent) == sorted(phone_number(i) for i in range(10))
    assert uploads(simulator) == 1  # once per broadcast, with three lanes at work
    header = {m["template"]["header"][kind.lower()]["id"] for m in sent}
    assert header == {announcement.media_id} and announcement.media_uploaded_at


def test_a_test_send_a_day_ago_is_reused_an_expired_id_is_replaced(simulator):
    make_subscribers(3)
    reused = notice("IMAGE")
    media.ensure_uploaded(reused, timezone.now() - timedelta(days=1))  # yesterday's test send
    old = reused.media_id
    tick()
    reused.refresh_from_db()
    assert reused.status == S.SENT and reused.media_id == old
    assert uploads(simulator) == 1

    expired = notice("DOCUMENT")
    Announcement.objects.filter(pk=expired.pk).update(
        media_id=old, media_uploaded_at=timezone.now() - timedelta(days=30)
    )
    tick()
    expired.refresh_from_db()
    assert expired.status == S.SENT, expired.pause_reason
    assert uploads(simulator) == 2 and expired.media_id != old
    ids = {m["template"]["header"]["document"]["id"] for m in simulator.messages()[3:]}
    assert ids == {expired.media_id}


def test_a_refused_file_pauses_with_its_name_and_resume_tries_again(simulator, superuser):
    make_subscribers(4)
    simulator.configure(media_fault="refused")
    announcement = notice("DOCUMENT")

    tick()

    announcement.refresh_from_db()
    assert announcement.status == S.PAUSED
    day = f"{timezone.localtime(announcement.approved_at):%Y-%m-%d}"
    assert f"WhatsApp hat die PDF-Datei „Information-{day}.pdf“ nicht angenommen" in (
        announcement.pause_reason
    )
    assert "falsche Format" not in announcement.pause_reason
    assert simulator.messages() == []

    simulator.configure(media_fault="")  # Meta takes it now: resuming sends
    services.resume(announcement, superuser)
    tick()
    announcement.refresh_from_db()
    assert announcement.status == S.SENT
    assert len(simulator.messages()) == 4


def test_a_passing_upload_failure_waits_instead_of_pausing(simulator):
    make_subscribers(2)
    simulator.configure(media_fault="server_error")
    announcement = notice("IMAGE")

    tick()

    announcement.refresh_from_db()
    assert announcement.status == S.SENDING and not announcement.pause_reason
    assert simulator.messages() == [] and uploads(simulator) == 0
    simulator.configure(media_fault="")
    tick(timezone.now() + timedelta(seconds=scheduler.stall_seconds() + 1))
    announcement.refresh_from_db()
    assert announcement.status == S.SENT
    assert len(simulator.messages()) == 2 and uploads(simulator) == 1
