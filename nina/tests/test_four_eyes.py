"""A NINA update never changes what goes out behind an approver's back (four-eyes).

The authority plays through the simulator's NINA stand-in; the engine sends eagerly to
the locmem backend, so "what residents got" is its outbox.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from announcements import services, tasks
from announcements.models import Announcement
from audit.models import AuditEntry
from nina.models import WarningMessage
from nina.tasks import run_poll
from tests.fixtures.broadcasts import make_subscribers
from whatsapp import ratelimit
from whatsapp.backends import locmem

pytestmark = pytest.mark.django_db
Status = Announcement.Status


def imported():
    return list(Announcement.objects.filter(nina_message__isnull=False).order_by("pk"))


def tick_at_the_scheduled_minute(announcement):
    """The scheduled minute has come: the dispatcher runs (eagerly)."""
    from titz_broadcast.celery import app

    Announcement.objects.filter(pk=announcement.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        ratelimit.pair_gate.cache_clear()
        tasks.run_tick()
    finally:
        app.conf.task_always_eager = previous
    announcement.refresh_from_db()
    return announcement


def approved_for_later(authority, staff, **fields):
    identifier = authority.warn(
        "Rauchentwicklung in Titz", severity="Moderate", description="Erste Lage.", **fields
    )
    run_poll()
    (announcement,) = imported()
    services.approve(announcement, staff["freigabe"], timezone.now() + timedelta(minutes=3))
    mail.outbox.clear()
    return identifier, announcement


def test_template_paused_update_then_template_approved_again_sends_nothing_unapproved(
    authority, warning_template, staff
):
    make_subscribers(2)
    identifier, announcement = approved_for_later(authority, staff)
    warning_template.status = "PAUSED"  # Meta pauses the template
    warning_template.save()

    authority.update(identifier, description="Zweite Lage: niemand hat das freigegeben.")
    run_poll()
    warning_template.status = "APPROVED"  # Meta approves it again
    warning_template.save()

    announcement = tick_at_the_scheduled_minute(announcement)
    assert announcement.status == Status.DRAFT
    assert announcement.approved_by is None and announcement.approved_at is None
    assert locmem.outbox == []
    assert "Zweite Lage" in announcement.body
    entry = AuditEntry.objects.get(action="announcement.import_update")
    assert entry.user is None and entry.details["approval_voided"] is True
    assert entry.details["status_from"] == Status.APPROVED
    (message,) = mail.outbox  # the approvers hear of it
    assert "Zweite Lage" in message.body and "Erste Lage." in message.body
    assert "Freigabe ist aufgehoben" in message.body


def test_update_of_an_approved_warning_needs_a_new_approval_before_anything_goes_out(
    authority, warning_template, staff
):
    make_subscribers(2)
    identifier, announcement = approved_for_later(authority, staff)

    authority.update(identifier, description="Zweite Lage.")
    run_poll()

    announcement = tick_at_the_scheduled_minute(announcement)
    assert announcement.status == Status.SUBMITTED and announcement.approved_by is None
    assert locmem.outbox == []
    # A person approves v2: only then it goes out, as v2.
    services.approve(announcement, staff["freigabe"])
    announcement = tick_at_the_scheduled_minute(announcement)
    assert announcement.status == Status.SENT
    assert len(locmem.outbox) == 2
    assert all("Zweite Lage." in str(m) and "Erste Lage." not in str(m) for m in locmem.outbox)
    # A second update after that approval voids it again (the second use).
    authority.update(identifier, description="Dritte Lage.")
    run_poll()
    assert len(imported()) == 2  # sent already: a follow-up, the sent one unchanged
    assert "Zweite Lage." in Announcement.objects.get(pk=announcement.pk).body


def test_a_1100_character_source_link_voids_the_approval_and_leaves_a_draft(
    authority, warning_template, staff
):
    make_subscribers(1)
    identifier, announcement = approved_for_later(authority, staff)

    long_link = "https://warnung.bund.de/meldungen/" + "x" * 1100
    authority.update(identifier, description="Zweite Lage.", web=long_link)
    run_poll()

    announcement = tick_at_the_scheduled_minute(announcement)
    assert announcement.status == Status.DRAFT and announcement.approved_at is None
    assert locmem.outbox == []
    assert len(mail.outbox) == 1


def test_the_approver_sees_old_and_new_side_by_side(client, authority, warning_template, staff):
    identifier, announcement = approved_for_later(authority, staff)
    authority.update(identifier, description="Zweite Lage.")
    run_poll()

    client.force_login(staff["freigabe"])
    url = reverse("admin:announcements_announcement_change", args=[announcement.pk])
    page = client.get(url).content.decode()

    assert 'data-testid="nina-changes"' in page
    before = page[page.index('data-testid="nina-before"') :]
    now = page[page.index('data-testid="nina-now"') :]
    assert before.index("Erste Lage.") < before.index("</td>")
    assert now.index("Zweite Lage.") < now.index("</td>")
    assert "Freigabe ist aufgehoben" in page
    message = WarningMessage.objects.get()
    assert (message.previous_version, message.version) == (1, 2)


def test_auto_send_severity_stays_the_documented_exception(authority, warning_template, settings):
    settings.NINA_AUTO_SEND_SEVERITIES = ["Extreme"]
    identifier = authority.warn("Explosion in Titz", severity="Extreme")
    run_poll()
    authority.update(identifier, description="Neue Lage.")
    run_poll()

    (announcement,) = imported()
    assert announcement.status == Status.APPROVED and announcement.approved_by is None
    assert "Neue Lage." in announcement.body
    assert AuditEntry.objects.filter(action="announcement.import_approve").count() == 2


def test_an_imported_warning_is_an_ordinary_draft_its_preview_is_what_residents_get(
    client, authority, warning_template, staff
):
    from announcements import composer

    authority.warn(
        "Großbrand in Titz-Rödingen",
        severity="Moderate",
        description="Starker Rauch.<br/>Er zieht nach Nordosten.",
        instruction="Fenster schließen.",
    )
    run_poll()
    (announcement,) = imported()

    composition = composer.compose(
        warning_template, announcement.heading, announcement.body
    )  # what the change form's preview does
    assert composition.problems == []
    assert composition.params == announcement.template_params
    assert announcement.heading == "Großbrand in Titz-Rödingen"
    assert "Starker Rauch. Er zieht nach Nordosten." in announcement.template_params[1]
    client.force_login(staff["freigabe"])
    url = reverse("admin:announcements_announcement_change", args=[announcement.pk])
    page = client.get(url).content.decode()
    assert "Bitte geben Sie eine Überschrift an" not in page
    assert "höchstens 1 passt" not in page and "Bitte geben Sie den Text" not in page

    # An approver's edit saves, and then someone else must approve it.
    announcement.body = announcement.body.replace("Fenster schließen.", "Fenster zu.")
    assert services.save_edit(announcement, staff["freigabe"], ["body"]) is True
    announcement.refresh_from_db()
    assert announcement.status == Status.DRAFT and "Fenster zu." in announcement.body
    announcement = services.submit(announcement, staff["freigabe"])
    with pytest.raises(services.PermissionDenied):
        services.approve(announcement, staff["freigabe"])


def test_a_headline_longer_than_a_heading_is_sent_whole(authority, warning_template):
    from announcements import composer

    long_headline = "Großbrand in Titz-Ameln: Fenster und Türen geschlossen halten, Lüftung aus"
    authority.warn(long_headline, severity="Moderate", description="Starker Rauch.")
    run_poll()

    (announcement,) = imported()
    assert len(announcement.heading) <= composer.HEADING_MAX
    assert announcement.heading.endswith("…")
    assert announcement.template_params[1].startswith(long_headline)
    assert composer.compose(warning_template, announcement.heading, announcement.body).fits
