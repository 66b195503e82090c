"""The importer against the simulator's NINA stand-in over loopback: polls as beat runs them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from announcements import services, tasks
from announcements.models import Announcement
from audit.models import AuditEntry
from nina import health
from nina.models import ImportedWarning, WarningMessage
from nina.tasks import run_poll
from tests.fixtures.broadcasts import make_subscribers
from whatsapp import ratelimit
from whatsapp.backends import locmem

pytestmark = pytest.mark.django_db
Status = Announcement.Status


def imported():
    return list(Announcement.objects.filter(nina_message__isnull=False).order_by("pk"))


def send(announcement, approver):
    """Approve as a person and let the engine deliver it (eager, locmem)."""
    from titz_broadcast.celery import app

    services.approve(announcement, approver)
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        ratelimit.pair_gate.cache_clear()
        tasks.run_tick()
    finally:
        app.conf.task_always_eager = previous
    announcement.refresh_from_db()
    return announcement


def test_a_new_warning_becomes_a_submitted_urgent_draft_and_approvers_are_told(
    authority, warning_template, staff
):
    expires = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    authority.warn(
        "Großbrand in Titz-Rödingen",
        severity="Severe",
        description="Starker Rauch<br/>zieht nach <b>Nordosten</b>.",
        instruction="Fenster schließen.",
        expires=expires.isoformat(),
    )

    run_poll()

    (announcement,) = imported()
    assert announcement.status == Status.SUBMITTED
    assert announcement.category == Announcement.Category.WARNING and announcement.urgent
    assert announcement.created_by is None and announcement.submitted_by is None
    assert announcement.valid_until == expires
    headline, text = announcement.template_params
    assert headline == "Großbrand in Titz-Rödingen"
    assert "<" not in text and "Starker Rauch zieht nach Nordosten." in text
    assert "Handlungsempfehlung: Fenster schließen." in text
    assert "Quelle: MoWaS / NINA, https://warnung.bund.de/meldungen/mow." in text
    services.check_content(announcement)  # Meta would accept it
    entry = AuditEntry.objects.get(action="announcement.import_submit")
    assert entry.user is None and entry.details["importer"] == "nina"
    (message,) = mail.outbox
    assert message.to == ["clara@gemeinde.example"]  # the approver, not the Redaktion
    assert "Großbrand in Titz-Rödingen" in message.subject
    assert f"/admin/announcements/announcement/{announcement.pk}/change/" in message.body


def test_only_warnings_for_the_municipality_are_imported(authority, warning_template, settings):
    authority.warn("Brand in Jülich", areas=["Stadt Jülich"])
    authority.warn("Hochwasser an der Rur", areas=["Stadt Düren", "Gemeinde Titz"])
    authority.warn("Bombenfund", areas=["Kreis Düren Nord"], geocodes=["053580056056"])

    run_poll()
    assert [a.template_params[0] for a in imported()] == ["Hochwasser an der Rur"]

    settings.NINA_GEOCODES = ["053580056"]  # by the municipality's ARS as well
    authority.update(ImportedWarning.objects.get(headline="Bombenfund").identifier)
    run_poll()
    assert [a.template_params[0] for a in imported()] == ["Hochwasser an der Rur", "Bombenfund"]


def test_minimum_severity_providers_and_validity(authority, warning_template, settings):
    settings.NINA_MIN_SEVERITY = "Severe"
    settings.NINA_PROVIDERS = ["MOWAS", "DWD"]
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    authority.warn("Schon vorbei", severity="Extreme", expires=past)
    authority.warn("Glätte", severity="Minor", provider="DWD")
    authority.warn("Sturm", severity="Extreme", provider="DWD")
    authority.warn("Polizeieinsatz", severity="Severe", provider="POLICE")

    run_poll()

    assert [a.template_params[0] for a in imported()] == ["Sturm"]


def test_the_same_version_twice_and_the_same_event_from_two_providers_are_one_draft(
    authority, warning_template
):
    expires = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0).isoformat()
    first = authority.warn("Sturmböen bis 90 km/h", provider="DWD", expires=expires)
    authority.warn("Sturmböen bis 90 km/h", provider="DWD", expires=expires)
    authority.warn("Sturmböen bis 90 km/h", provider="MOWAS", expires=expires)

    run_poll()
    run_poll()

    assert len(imported()) == 1
    assert WarningMessage.objects.get().warning.identifier == first
    assert ImportedWarning.objects.filter(duplicate_of__identifier=first).count() == 2
    # A later poll of the duplicates' next version still makes no draft of its own.
    authority.update(ImportedWarning.objects.filter(duplicate_of__isnull=False)[0].identifier)
    run_poll()
    assert len(imported()) == 1


def test_an_update_rewrites_the_unsent_draft(authority, warning_template, staff):
    identifier = authority.warn("Rauchentwicklung", description="Erste Lage.")
    run_poll()
    (draft,) = imported()

    authority.update(identifier, description="Die Lage hat sich verschärft.")
    run_poll()

    (again,) = imported()
    assert again.pk == draft.pk and again.status == Status.SUBMITTED
    assert "Die Lage hat sich verschärft." in again.template_params[1]
    assert WarningMessage.objects.get().version == 2
    assert AuditEntry.objects.filter(action="nina.update", user__isnull=True).exists()


def test_an_update_after_sending_is_a_follow_up_draft(authority, warning_template, staff):
    make_subscribers(3)
    identifier = authority.warn("Rauchentwicklung", severity="Severe")
    run_poll()
    (original,) = imported()
    assert send(original, staff["freigabe"]).status == Status.SENT
    assert len(locmem.outbox) == 3

    authority.update(identifier, description="Die Lage hat sich verschärft.")
    run_poll()

    original_again, follow_up = imported()
    assert original_again.status == Status.SENT
    assert follow_up.status == Status.SUBMITTED
    assert follow_up.template_params[0] == "Aktualisierung: Rauchentwicklung"
    assert follow_up.nina_message.kind == WarningMessage.Kind.UPDATE


def test_a_cancel_withdraws_the_unsent_draft(authority, warning_template):
    identifier = authority.warn("Gasgeruch")
    run_poll()

    authority.cancel(identifier)
    run_poll()

    (draft,) = imported()
    assert draft.status == Status.CANCELLED
    assert AuditEntry.objects.get(action="announcement.import_cancel").user is None


def test_a_cancel_after_sending_offers_an_all_clear(authority, warning_template, staff):
    make_subscribers(2)
    identifier = authority.warn("Gasgeruch", severity="Severe")
    run_poll()
    send(imported()[0], staff["freigabe"])
    mail.outbox.clear()

    authority.cancel(identifier, description="Die Gefahr ist vorüber.")
    run_poll()

    sent, all_clear = imported()
    assert sent.status == Status.SENT
    assert all_clear.status == Status.SUBMITTED and not all_clear.urgent
    assert all_clear.template_params[0] == "Entwarnung: Gasgeruch"
    assert "aufgehoben" in all_clear.template_params[1]
    assert all_clear.valid_until is None
    assert len(mail.outbox) == 1 and "Entwarnung" in mail.outbox[0].subject


def test_auto_send_by_severity_is_audited_as_the_importer(authority, warning_template, settings):
    settings.NINA_AUTO_SEND_SEVERITIES = ["Extreme"]
    make_subscribers(2)
    authority.warn("Explosion", severity="Extreme")
    authority.warn("Brand", severity="Severe")

    run_poll()

    extreme, severe = imported()
    assert extreme.status == Status.APPROVED and extreme.approved_by is None
    assert extreme.approved_at is not None
    assert severe.status == Status.SUBMITTED
    entry = AuditEntry.objects.get(action="announcement.import_approve")
    assert entry.user is None and entry.details["approved_by_person"] is False


@pytest.mark.parametrize("mode", ["fail", "garbage", "slow"])
def test_nina_down_garbage_or_slow_is_counted_and_shown_after_three_polls(
    authority, warning_template, settings, mode
):
    settings.NINA_READ_TIMEOUT = 0.2
    authority.warn("Großbrand")
    authority.mode(mode, delay_s=1)

    for _ in range(health.FAILURES_SHOWN - 1):
        assert run_poll() == []
    assert health.disturbed_since() is None
    run_poll()

    assert health.disturbed_since() is not None
    assert imported() == []
    authority.mode("ok")
    run_poll()
    assert health.disturbed_since() is None and len(imported()) == 1


def test_off_without_an_ars(authority, warning_template, settings):
    settings.NINA_ARS = ""
    authority.warn("Großbrand")
    assert run_poll() == []
    assert imported() == [] and not ImportedWarning.objects.exists()


def test_a_long_warning_is_shortened_to_what_the_template_allows(authority, warning_template):
    from announcements import templating

    authority.warn("Hochwasser", description="Der Pegel steigt weiter an. " * 200)
    run_poll()

    (announcement,) = imported()
    text = announcement.template_params[1]
    assert len(text) <= templating.BODY_PARAM_LIMIT_WITH_HEADER
    assert "…" in text and text.endswith(announcement.nina_message.warning.identifier)
    assert templating.validate_params(warning_template, announcement.template_params) == []


def test_dwd_weather_by_warn_cell_is_kept_once_an_area_is_set(
    authority, warning_template, settings
):
    """DWD names no municipality: its cells (8 + AGS, 1 + the district's AGS) decide."""
    settings.NINA_GEOCODES = ["053580056056"]  # Titz's ARS; its cell is 805358056
    weather = {"provider": "DWD", "severity": "Moderate"}
    authority.warn("Sturmböen (Kreis)", areas=["Kreis Düren"], geocodes=["105358000"], **weather)
    authority.warn("Glätte (Titz)", areas=["Titz"], geocodes=["805358056"], **weather)
    authority.warn("Nebel (Jülich)", areas=["Stadt Jülich"], geocodes=["805358024"], **weather)
    authority.warn("Bombenfund (Kreis)", areas=["Kreis Düren"], geocodes=["053580000000"])

    run_poll()

    assert sorted(a.template_params[0] for a in imported()) == [
        "Bombenfund (Kreis)", "Glätte (Titz)", "Sturmböen (Kreis)"
    ]  # fmt: skip


def test_with_a_pattern_only_district_wide_weather_is_still_kept(
    authority, warning_template, settings
):
    settings.NINA_GEOCODES = []  # NINA_AREA_PATTERN "Titz" only
    authority.warn("Orkan", provider="DWD", areas=["Kreis Düren"], geocodes=["105358000"])
    authority.warn("Frost", provider="DWD", areas=["Stadt Düren"], geocodes=["805358008"])

    run_poll()

    assert [a.template_params[0] for a in imported()] == ["Orkan"]
