"""Template health from Meta's webhooks: paused mid-broadcast, approval, re-categorisation."""

import pytest
from django.db.models import Max, Min

from announcements import approval_checks, services, tasks, template_sync
from announcements.engine import scheduler, sending
from announcements.models import Announcement, Delivery, MessageTemplate
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement, make_subscribers
from tests.fixtures.webhooks import signed_post
from whatsapp import ratelimit
from whatsapp.backends import locmem
from whatsapp.outbound import TemplateInfo

pytestmark = pytest.mark.django_db
Status = Announcement.Status


@pytest.fixture(autouse=True)
def _engine(settings):
    from titz_broadcast.celery import app

    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.BROADCAST_BATCH_SIZE = 5
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    ratelimit.pair_gate.cache_clear()
    yield
    app.conf.task_always_eager = previous


def _lane(announcement):
    bounds = Delivery.objects.filter(announcement=announcement).aggregate(Min("id"), Max("id"))
    return bounds["id__min"], bounds["id__max"]


def _started(count=20):
    make_subscribers(count)
    announcement = approved_announcement()
    scheduler.start_due_announcements()  # fan-out only: the test drives the batches
    announcement.refresh_from_db()
    assert announcement.status == Status.SENDING
    return announcement


def test_template_paused_mid_broadcast_stops_sending_and_resumes_once_approved(
    client, freigeber, django_capture_on_commit_callbacks
):
    announcement = _started(20)
    lo, hi = _lane(announcement)
    # One step of five, then the task would continue: Meta pauses the template now.
    assert sending.run_batch(announcement.pk, lo, hi, seconds=0).continue_after == 0
    assert len(locmem.outbox) == 5
    payload = payloads.template_status(777, "titz_info", "PAUSED", reason="NONE")
    assert signed_post(client, payload).status_code == 200

    announcement.refresh_from_db()
    assert announcement.status == Status.PAUSED
    assert "vorübergehend angehalten" in announcement.pause_reason
    assert "titz_info" in announcement.pause_reason
    # The lane's next task finds the broadcast paused: not one more message.
    tasks.send_batch(announcement.pk, lo, hi)
    assert len(locmem.outbox) == 5
    with pytest.raises(services.TransitionError, match="nicht freigegeben"):
        services.resume(announcement, freigeber)

    signed_post(client, payloads.template_status(777, "titz_info", "APPROVED"))
    announcement.refresh_from_db()
    services.resume(announcement, freigeber)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_tick()
    assert len(locmem.outbox) == 20
    assert len({m["to"] for m in locmem.outbox}) == 20
    announcement.refresh_from_db()
    assert announcement.status == Status.SENT


def test_engine_pauses_itself_when_the_template_is_blocked_without_a_webhook():
    """Started after the webhook (or racing it): the batch checks the template first."""
    announcement = _started(8)
    MessageTemplate.objects.filter(pk=announcement.template_id).update(status="DISABLED")
    lo, hi = _lane(announcement)
    tasks.send_batch(announcement.pk, lo, hi)
    announcement.refresh_from_db()
    assert locmem.outbox == []
    assert announcement.status == Status.PAUSED
    assert "dauerhaft gesperrt" in announcement.pause_reason


def test_blocked_template_blocks_approval(make_announcement, freigeber, text_template):
    announcement = make_announcement(Status.SUBMITTED)
    text_template.status = "PAUSED"
    text_template.save()
    checks = approval_checks.check(announcement)
    assert "vorübergehend angehalten" in checks.blocked_reason
    with pytest.raises(services.TransitionError, match="nicht freigegeben"):
        services.approve(announcement, freigeber)


def test_recategorised_to_marketing_needs_explicit_confirmation(
    client, make_announcement, freigeber, text_template
):
    announcement = make_announcement(Status.SUBMITTED)
    signed_post(client, payloads.template_category(1, "titz_info", "MARKETING", "UTILITY"))
    text_template.refresh_from_db()
    assert (text_template.category, text_template.previous_category) == ("MARKETING", "UTILITY")
    warning = "kostet etwa 2,5-mal so viel und gilt als Werbung"
    assert warning in approval_checks.check(announcement).marketing_warning
    with pytest.raises(services.TransitionError, match=warning):
        services.approve(announcement, freigeber)
    services.approve(announcement, freigeber, confirm_marketing=True)
    assert announcement.status == Status.APPROVED


def test_quality_score_is_mirrored(client, text_template):
    signed_post(client, payloads.template_quality(1, "titz_info", "YELLOW", "GREEN"))
    text_template.refresh_from_db()
    assert text_template.quality_score == "YELLOW"


def test_sync_is_the_safety_net(text_template, make_announcement):
    running = make_announcement(Status.SENDING)
    locmem.templates.append(
        TemplateInfo(
            id="9", name="titz_info", language="de", category="MARKETING", status="PAUSED",
            body="Gemeinde Titz informiert: {{1}}", parameter_count=1,
        )
    )  # fmt: skip
    template_sync.sync_templates()
    text_template.refresh_from_db()
    running.refresh_from_db()
    assert (text_template.status, text_template.previous_category) == ("PAUSED", "UTILITY")
    assert running.status == Status.PAUSED and running.pause_reason
