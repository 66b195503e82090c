"""The store table is complete, every purged store is on beat, and each purge keeps what is
younger than its retention and removes what is older (through the beat task)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from announcements.models import Announcement, UnmatchedStatus
from audit.models import AuditEntry
from privacy import stores
from privacy.models import PurgeRun
from privacy.tasks import purge_store
from subscribers.models import AutoReply, ProcessedMessage
from tests.fixtures.broadcasts import approved_announcement
from whatsapp.models import WebhookEvent

pytestmark = pytest.mark.django_db
NOW = timezone.now


def test_every_installed_model_is_a_store_or_declared_free_of_personal_data():
    listed = {label for store in stores.STORES for label in store.models}
    declared = set(stores.NO_PERSONAL_DATA)
    assert not listed & declared
    # A proxy model (the admin's German views of the log-in tables) holds no rows of its
    # own: its concrete model is what the table lists.
    installed = {model._meta.label for model in apps.get_models() if not model._meta.proxy}
    assert installed - listed - declared == set(), "add these to privacy/stores.py"
    assert (listed | declared) - installed == set(), "no such model"


def test_every_store_names_a_setting_that_exists_and_a_purge_or_an_event():
    for store in stores.STORES:
        assert store.setting is None or hasattr(django_settings, store.setting), store.key
        assert bool(store.purge) != bool(store.deleted_by), store.key
        assert store.rule_text() and "%(" not in store.rule_text(), store.key


def test_every_purged_store_has_its_beat_entry_and_nothing_else_is_scheduled(settings):
    scheduled = {
        entry["args"][0]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "privacy.purge_store"
    }
    assert scheduled == {store.key for store in stores.purged()}


def _backdate(model, field, rows, **delta):
    model.objects.filter(pk__in=[row.pk for row in rows]).update(
        **{field: timezone.now() - timedelta(**delta)}
    )


def _purge(key):
    removed = purge_store(key)
    run = PurgeRun.objects.filter(store=key).latest("started_at")
    assert (run.removed, run.error) == (removed, "") and run.finished_at
    return removed


def test_unmatched_statuses(settings):
    settings.UNMATCHED_STATUS_RETENTION_DAYS = 3
    old, young = (
        UnmatchedStatus.objects.create(wamid_hash=h, status="sent", occurred_at=NOW())
        for h in ("a" * 64, "b" * 64)
    )
    _backdate(UnmatchedStatus, "received_at", [old], days=4)
    _backdate(UnmatchedStatus, "received_at", [young], days=2)
    assert _purge("unmatched_statuses") == 1
    assert list(UnmatchedStatus.objects.all()) == [young]


def test_webhook_events(settings):
    settings.WHATSAPP_EVENT_RETENTION_DAYS = 5
    old, young = (
        WebhookEvent.objects.create(key=k, kind="status", received_at=NOW(), processed_at=NOW())
        for k in ("st:old", "st:young")
    )
    _backdate(WebhookEvent, "received_at", [old], days=6)
    _backdate(WebhookEvent, "received_at", [young], days=4)
    assert _purge("webhook_events") == 1
    assert list(WebhookEvent.objects.all()) == [young]


def test_audit_log_and_admin_history(settings, superuser):
    settings.AUDIT_LOG_RETENTION_DAYS = 100
    old = AuditEntry.objects.create(username="anna", action="login")
    young = AuditEntry.objects.create(username="anna", action="login")
    # The append-only manager refuses updates: backdate through a plain queryset.
    models.QuerySet(AuditEntry).filter(pk=old.pk).update(at=NOW() - timedelta(days=101))
    models.QuerySet(AuditEntry).filter(pk=young.pk).update(at=NOW() - timedelta(days=99))
    history = [
        LogEntry.objects.create(user=superuser, object_repr="x", action_flag=ADDITION)
        for _ in range(2)
    ]
    _backdate(LogEntry, "action_time", history[:1], days=101)
    assert _purge("audit_log") == 2
    assert list(AuditEntry.objects.all()) == [young]
    assert list(LogEntry.objects.all()) == history[1:]


def test_sessions():
    expired, live = SessionStore(), SessionStore()
    for session in (expired, live):
        session["x"] = 1
        session.save()
    Session.objects.filter(pk=expired.session_key).update(expire_date=NOW() - timedelta(seconds=1))
    assert _purge("sessions") == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


def test_login_attempts(settings):
    settings.LOGIN_ATTEMPT_RETENTION_DAYS = 30
    fields = {"user_agent": "x", "ip_address": "127.0.0.1", "username": "anna"}
    fields |= {"http_accept": "*/*", "path_info": "/admin/login/"}
    attempts = [
        AccessAttempt.objects.create(**fields, get_data="", post_data="", failures_since_start=1),
        AccessAttempt.objects.create(
            **fields | {"username": "bob"}, get_data="", post_data="", failures_since_start=1
        ),
    ]
    logs = [AccessLog.objects.create(**fields) for _ in range(2)]
    _backdate(AccessAttempt, "attempt_time", attempts[:1], days=31)
    _backdate(AccessLog, "attempt_time", logs[:1], days=31)
    assert _purge("login_attempts") == 2
    assert list(AccessAttempt.objects.all()) == attempts[1:]
    assert list(AccessLog.objects.all()) == logs[1:]


def test_bookkeeping():
    old, young = (ProcessedMessage.objects.create(message_id=m) for m in ("old", "young"))
    _backdate(ProcessedMessage, "processed_at", [old], days=9)
    throttle = AutoReply.objects.create(
        identity_hash="c" * 64, kind="help", last_sent_at=NOW() - timedelta(days=3)
    )
    AutoReply.objects.create(identity_hash="d" * 64, kind="help", last_sent_at=NOW())
    assert _purge("bookkeeping") == 2
    assert list(ProcessedMessage.objects.all()) == [young]
    assert not AutoReply.objects.filter(pk=throttle.pk).exists()


def _finished(days_ago, **fields):
    announcement = approved_announcement()
    Announcement.objects.filter(pk=announcement.pk).update(
        status=Announcement.Status.SENT, finished_at=NOW() - timedelta(days=days_ago), **fields
    )
    return Announcement.objects.get(pk=announcement.pk)


def test_announcement_media_is_kept_by_default_and_purged_when_configured(settings):
    old, young = _finished(40), _finished(20)
    for announcement in (old, young):
        announcement.media.save("plakat.png", ContentFile(b"png"), save=True)
    old_path = old.media.path
    assert _purge("announcement_media") == 0  # 0: the archive keeps them

    settings.ANNOUNCEMENT_MEDIA_RETENTION_DAYS = 30
    assert _purge("announcement_media") == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.media.name, old.title) == ("", "Wasserrohrbruch")
    assert young.media.name and young.media.storage.exists(young.media.name)
    assert not old.media.storage.exists(old_path)


def test_a_failing_purge_is_recorded_and_raised(settings):
    settings.UNMATCHED_STATUS_RETENTION_DAYS = "not a number"
    with pytest.raises(TypeError):
        purge_store("unmatched_statuses")
    run = PurgeRun.objects.get(store="unmatched_statuses")
    assert (run.error, run.removed) == ("TypeError", 0) and run.finished_at


def test_consent_log_after_the_opt_out_and_the_chain_still_verifies(settings):
    from subscribers import chain, checkpoints
    from subscribers.models import ConsentEvent

    settings.CONSENT_LOG_RETENTION_DAYS = 30
    Action = ConsentEvent.Action
    for code, days_ago in (("K-OLD", 31), ("K-YOUNG", 29)):
        for action, at in ((Action.OPT_IN, days_ago + 5), (Action.OPT_OUT, days_ago)):
            chain.append(
                action, occurred_at=NOW() - timedelta(days=at), subscriber_code=code, source="t"
            )
    assert _purge("consent_log") == 2
    assert set(ConsentEvent.objects.values_list("subscriber_code", flat=True)) == {"K-YOUNG", ""}
    assert checkpoints.verify_database().ok
