"""Every transition, every forbidden transition, and every role x action."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from announcements import services
from announcements.models import Announcement, Delivery
from audit.models import AuditEntry
from whatsapp.backends import locmem
from whatsapp.exceptions import RecipientError

S = Announcement.Status


def _future():
    return timezone.now() + timedelta(hours=2)


# action -> (source statuses, target status, call)
TRANSITIONS = {
    "submit": ([S.DRAFT], S.SUBMITTED, lambda a, u: services.submit(a, u)),
    "approve": ([S.SUBMITTED], S.APPROVED, lambda a, u: services.approve(a, u)),
    "schedule": ([S.APPROVED], S.APPROVED, lambda a, u: services.schedule(a, u, _future())),
    "send_now": ([S.APPROVED], S.APPROVED, lambda a, u: services.send_now(a, u)),
    "cancel": ([S.DRAFT, S.SUBMITTED, S.APPROVED], S.CANCELLED, services.cancel),
    "pause": ([S.SENDING], S.PAUSED, lambda a, u: services.pause(a, u, "Sturm")),
    "resume": ([S.PAUSED], S.SENDING, services.resume),
    "stop": ([S.SENDING, S.PAUSED], S.CANCELLED, services.stop),
    "return_to_draft": ([S.SUBMITTED, S.APPROVED], S.DRAFT, services.return_to_draft),
}
ALLOWED_CASES = [
    (action, source) for action, (sources, _t, _c) in TRANSITIONS.items() for source in sources
]
FORBIDDEN_CASES = [
    (action, status)
    for action, (sources, _t, _c) in TRANSITIONS.items()
    for status in S.values
    if status not in sources
]


@pytest.mark.parametrize(("action", "source"), ALLOWED_CASES)
def test_allowed_transition(action, source, make_announcement, superuser):
    _sources, target, call = TRANSITIONS[action]
    announcement = make_announcement(status=source)
    result = call(announcement, superuser)
    assert result.status == target
    assert Announcement.objects.get(pk=announcement.pk).status == target
    entry = AuditEntry.objects.get(action=f"announcement.{action}")
    assert entry.user == superuser
    assert entry.details["status_from"] == source
    assert entry.details["status_to"] == target


@pytest.mark.parametrize(("action", "status"), FORBIDDEN_CASES)
def test_forbidden_transition(action, status, make_announcement, superuser):
    announcement = make_announcement(status=status)
    with pytest.raises(services.TransitionError) as error:
        TRANSITIONS[action][2](announcement, superuser)
    assert "nicht möglich" in error.value.message
    assert Announcement.objects.get(pk=announcement.pk).status == status
    assert not AuditEntry.objects.filter(action=f"announcement.{action}").exists()


# action -> roles allowed to do it (others get PermissionDenied)
ROLE_MATRIX = {
    "submit": {"Redaktion", "Freigabe", "superuser"},
    "approve": {"Freigabe", "superuser"},
    "schedule": {"Freigabe", "superuser"},
    "send_now": {"Freigabe", "superuser"},
    "cancel": {"Freigabe", "superuser"},
    "pause": {"Freigabe", "superuser"},
    "resume": {"Freigabe", "superuser"},
    "stop": {"Freigabe", "superuser"},
    "return_to_draft": {"Redaktion", "Freigabe", "superuser"},
    "test_send": {"Redaktion", "Freigabe", "superuser"},
}
ROLE_CASES = [
    (action, role)
    for action in ROLE_MATRIX
    for role in ("Redaktion", "Freigabe", "Prüfung", "superuser")
]


@pytest.mark.parametrize(("action", "role"), ROLE_CASES)
def test_role_may_or_may_not(action, role, users, redakteur2, make_announcement, settings):
    settings.TEST_RECIPIENTS = ["+4915123456701"]
    actor = users[role]
    if action == "test_send":
        announcement, call = make_announcement(created_by=actor), services.send_test_message
    else:
        source = TRANSITIONS[action][0][0]
        creator = actor if action == "submit" else redakteur2
        announcement = make_announcement(status=source, created_by=creator)
        call = TRANSITIONS[action][2]
    if role in ROLE_MATRIX[action]:
        call(announcement, actor)
    else:
        with pytest.raises(PermissionDenied):
            call(announcement, actor)
        assert not AuditEntry.objects.filter(action=f"announcement.{action}").exists()


def test_redaktion_submits_only_own_drafts(redakteur, redakteur2, make_announcement):
    announcement = make_announcement(created_by=redakteur2)
    with pytest.raises(PermissionDenied, match="eigene Entwürfe"):
        services.submit(announcement, redakteur)


def test_submit_checks_content(make_announcement, redakteur):
    announcement = make_announcement(template_params=["Zeile\nZeile"])
    with pytest.raises(services.TransitionError) as error:
        services.submit(announcement, redakteur)
    assert "Zeilenumbruch" in error.value.message
    announcement = make_announcement(template=None)
    with pytest.raises(services.TransitionError, match="Vorlage"):
        services.submit(announcement, redakteur)


def test_submit_rejects_unapproved_template(make_announcement, redakteur, text_template):
    text_template.status = "PAUSED"
    text_template.save()
    with pytest.raises(services.TransitionError, match="nicht freigegeben"):
        services.submit(make_announcement(), redakteur)


def test_four_eyes_nobody_approves_own(freigeber, make_announcement):
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        services.approve(announcement, freigeber)
    submitted_by_self = make_announcement(status=S.SUBMITTED, submitted_by=freigeber)
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        services.approve(submitted_by_self, freigeber)


def test_self_approval_when_allowed_is_logged(freigeber, make_announcement, settings):
    settings.ALLOW_SELF_APPROVAL = True
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    services.approve(announcement, freigeber)
    entry = AuditEntry.objects.get(action="announcement.approve")
    assert entry.details["self_approval"] is True
    assert announcement.approved_by == freigeber


def test_approval_by_second_person_records_who(freigeber, freigeber2, make_announcement):
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    services.approve(announcement, freigeber2)
    assert announcement.approved_by == freigeber2 and announcement.approved_at is not None
    assert "self_approval" not in AuditEntry.objects.get(action="announcement.approve").details


def test_urgent_warning_skips_schedule(freigeber, make_announcement):
    announcement = make_announcement(
        status=S.SUBMITTED, category="warning", urgent=True, scheduled_at=_future()
    )
    services.approve(announcement, freigeber)
    assert announcement.scheduled_at is None
    with pytest.raises(services.TransitionError, match="sofort"):
        services.schedule(announcement, freigeber, _future())


def test_schedule_in_the_past_is_refused(freigeber, make_announcement):
    announcement = make_announcement(status=S.APPROVED)
    with pytest.raises(services.TransitionError, match="Vergangenheit"):
        services.schedule(announcement, freigeber, timezone.now() - timedelta(minutes=1))


def test_send_now_clears_schedule(freigeber, make_announcement):
    announcement = make_announcement(status=S.APPROVED, scheduled_at=_future())
    services.send_now(announcement, freigeber)
    assert announcement.scheduled_at is None


def test_return_to_draft_voids_approval(freigeber, redakteur, make_announcement):
    announcement = make_announcement(
        status=S.APPROVED,
        submitted_by=redakteur,
        approved_by=freigeber,
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
    )
    services.return_to_draft(announcement, redakteur)
    assert announcement.approved_by is None and announcement.submitted_at is None


def _subscriber(code):
    from subscribers.models import Subscriber

    return Subscriber.objects.create(code=code, number_hash=code * 8, consented_at=timezone.now())


def test_stop_keeps_sent_and_cancels_queue(freigeber, make_announcement):
    announcement = make_announcement(status=S.SENDING, started_at=timezone.now())
    states = ["sent", "delivered", "queued", "queued", "failed"]
    for index, state in enumerate(states):
        Delivery.objects.create(
            announcement=announcement,
            subscriber=_subscriber(f"K-{index}"),
            subscriber_code=f"K-{index}",
            status=state,
        )
    services.stop(announcement, freigeber)
    assert announcement.status == S.CANCELLED and announcement.cancelled_by == freigeber
    assert sorted(announcement.deliveries.values_list("status", flat=True)) == sorted(
        ["sent", "delivered", "cancelled", "cancelled", "failed"]
    )


def test_engine_pause_without_user_needs_no_permission(make_announcement):
    announcement = make_announcement(status=S.SENDING)
    services.pause(announcement, None, "Konto gesperrt (368)")
    assert announcement.pause_reason == "Konto gesperrt (368)"
    assert AuditEntry.objects.get(action="announcement.pause").user is None


@pytest.mark.parametrize(
    ("states", "target"),
    [(["sent", "read"], S.SENT), (["sent", "failed"], S.PARTLY_FAILED), (["failed"], S.FAILED)],
)
def test_finish_sending_from_deliveries(states, target, make_announcement):
    announcement = make_announcement(status=S.SENDING)
    for index, state in enumerate(states):
        Delivery.objects.create(
            announcement=announcement,
            subscriber_code=f"K-{index}",
            status=state,
            subscriber=_subscriber(f"K-{index}"),
        )
    assert services.finish_sending(announcement).status == target


def test_start_sending_sets_started_at(make_announcement):
    announcement = services.start_sending(make_announcement(status=S.APPROVED))
    assert announcement.status == S.SENDING and announcement.started_at is not None


def test_test_send_goes_to_test_numbers_only(redakteur, make_announcement, settings):
    settings.TEST_RECIPIENTS = ["+49 151 23456701", "+4915123456702"]
    announcement = make_announcement()
    sent, failed = services.send_test_message(announcement, redakteur)
    assert (sent, failed) == (2, [])
    assert [m["to"] for m in locmem.outbox] == ["4915123456701", "4915123456702"]
    assert {m["template"] for m in locmem.outbox} == {"titz_info"}
    assert locmem.outbox[0]["body_params"] == ("Die Landstraße ist am Montag gesperrt.",)
    assert locmem.outbox[0]["callback_data"] == f"test:{announcement.pk}"
    entry = AuditEntry.objects.get(action="announcement.test_send")
    assert entry.details["sent"] == 2
    assert "23456701" not in str(entry.details) + entry.target


def test_test_send_reports_failures_without_numbers(redakteur, make_announcement, settings):
    settings.TEST_RECIPIENTS = ["+4915123456701"]
    locmem.fail_next(RecipientError(code=131026, explanation="Nummer nicht erreichbar"))
    sent, failed = services.send_test_message(make_announcement(), redakteur)
    assert (sent, failed) == (0, ["Nummer nicht erreichbar"])


def test_test_send_needs_configured_numbers(redakteur, make_announcement, settings):
    settings.TEST_RECIPIENTS = []
    with pytest.raises(services.TransitionError, match="Testnummern"):
        services.send_test_message(make_announcement(), redakteur)
    assert locmem.outbox == []


def test_test_send_only_before_sending(redakteur, make_announcement, settings):
    settings.TEST_RECIPIENTS = ["+4915123456701"]
    with pytest.raises(services.TransitionError):
        services.send_test_message(make_announcement(status=S.SENT), redakteur)


def test_approve_with_a_sending_time_schedules_in_the_same_step(
    freigeber2, freigeber, make_announcement
):
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    when = _future()
    services.approve(announcement, freigeber2, when)
    assert announcement.status == S.APPROVED and announcement.scheduled_at == when
    entry = AuditEntry.objects.get(action="announcement.approve")
    assert entry.details["scheduled_at"] == when.isoformat()


def test_approve_with_a_past_time_is_refused_and_stays_submitted(
    freigeber2, freigeber, make_announcement
):
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    with pytest.raises(services.TransitionError, match="Vergangenheit"):
        services.approve(announcement, freigeber2, timezone.now() - timedelta(minutes=1))
    announcement.refresh_from_db()
    assert announcement.status == S.SUBMITTED and announcement.approved_by is None


def test_the_tables_above_follow_the_services_table():
    for action, (sources, target, _call) in TRANSITIONS.items():
        spec = services.ACTIONS[action]
        assert set(spec.sources) == set(sources) and spec.targets == (target,)
    assert services.ACTIONS["test_send"].targets == ()


@pytest.mark.parametrize("action", ["start", "finish", "late_failure"])
def test_engine_only_steps_are_refused_to_people(action, superuser, make_announcement):
    spec = services.ACTIONS[action]
    announcement = make_announcement(status=spec.sources[0])
    with pytest.raises(PermissionDenied):
        services.transition(announcement, action, superuser, target=spec.targets[0])
    assert Announcement.objects.get(pk=announcement.pk).status == spec.sources[0]


def test_people_only_steps_are_refused_to_the_system(make_announcement):
    announcement = make_announcement(status=S.APPROVED)
    with pytest.raises(PermissionDenied):
        services.transition(announcement, "cancel")
    assert Announcement.objects.get(pk=announcement.pk).status == S.APPROVED


def test_mark_partly_failed_changes_only_sent_broadcasts_audited_as_system(make_announcement):
    sent = make_announcement(status=S.SENT)
    sending = make_announcement(status=S.SENDING)
    already = make_announcement(status=S.PARTLY_FAILED)
    changed = services.mark_partly_failed([sent.pk, sending.pk, already.pk, sent.pk])
    assert changed == [sent.pk]
    assert Announcement.objects.get(pk=sent.pk).status == S.PARTLY_FAILED
    assert Announcement.objects.get(pk=sending.pk).status == S.SENDING
    entry = AuditEntry.objects.get(action="announcement.late_failure")
    assert entry.user is None and entry.details["announcement_id"] == sent.pk
    assert (entry.details["status_from"], entry.details["status_to"]) == (S.SENT, S.PARTLY_FAILED)
    assert services.mark_partly_failed([sent.pk]) == []
