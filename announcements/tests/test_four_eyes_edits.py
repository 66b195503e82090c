"""Four eyes survive editing, and a stale edit can never change a sending announcement."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from announcements import services
from announcements.models import Announcement
from audit.models import AuditEntry
from tests.fixtures.broadcasts import NO_VERSIONS

S = Announcement.Status


def change_url(announcement):
    return reverse("admin:announcements_announcement_change", args=[announcement.pk])


def action_url(announcement, action):
    return reverse("admin:announcement_transition", args=[announcement.pk, action])


def form_data(announcement, **overrides):
    data = {
        "title": announcement.title,
        "category": announcement.category,
        "body": announcement.body,
        "template": "",
        "heading": announcement.heading,
        **NO_VERSIONS,
    }
    if announcement.in_archive:  # a ticked checkbox, as the browser posts it
        data["in_archive"] = "on"
    data.update(overrides)
    return data


def edit(client, announcement, **overrides):
    response = client.post(change_url(announcement), form_data(announcement, **overrides))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_approver_who_edited_the_draft_cannot_approve_it(
    redakteur, freigeber, freigeber2, client, make_announcement
):
    announcement = make_announcement()
    client.force_login(freigeber)
    edit(client, announcement, body="Die Landstraße ist am Montag und Dienstag gesperrt.")
    announcement.refresh_from_db()
    assert announcement.status == S.DRAFT
    assert list(announcement.content_editors.all()) == [freigeber]

    services.submit(announcement, redakteur)
    response = client.post(action_url(announcement, "approve"), follow=True)

    assert "Sie haben diese Nachricht bearbeitet" in response.content.decode()
    assert Announcement.objects.get(pk=announcement.pk).status == S.SUBMITTED
    refusal = AuditEntry.objects.get(action="announcement.approve_refused")
    assert refusal.user == freigeber
    assert refusal.details["involvement"] == ["edited"]
    assert not AuditEntry.objects.filter(action="announcement.approve").exists()
    # The change page says so before anybody presses the button.
    assert "Vier-Augen-Prinzip" in client.get(change_url(announcement)).content.decode()

    services.approve(announcement, freigeber2)
    assert announcement.status == S.APPROVED and announcement.approved_by == freigeber2
    assert not announcement.content_editors.exists()  # the approved text is reviewed


def test_editing_an_approved_text_bars_the_editor_from_the_new_approval(
    redakteur, freigeber, freigeber2, client, make_announcement
):
    announcement = make_announcement(status=S.SUBMITTED, submitted_by=redakteur)
    services.approve(announcement, freigeber)
    client.force_login(freigeber)
    edit(client, announcement, title="Sperrung verlängert")
    announcement.refresh_from_db()
    assert announcement.status == S.DRAFT and announcement.approved_by is None

    services.submit(announcement, redakteur)
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        services.approve(announcement, freigeber)
    services.approve(announcement, freigeber2)
    assert announcement.status == S.APPROVED


def test_the_creator_is_an_editor_from_the_start(redakteur, client, text_template):
    client.force_login(redakteur)
    client.post(
        reverse("admin:announcements_announcement_add"),
        {"title": "T", "category": "news", "body": "Text.", "template": ""} | NO_VERSIONS,
    )
    assert list(Announcement.objects.get().content_editors.all()) == [redakteur]


def test_setting_the_time_does_not_bar_the_approver(
    freigeber, freigeber2, client, make_announcement
):
    """The time is set in Ablauf only (the form has none), and it is not writing the text."""
    announcement = make_announcement(status=S.APPROVED)
    client.force_login(freigeber)
    url = reverse("admin:announcement_transition", args=[announcement.pk, "schedule"])
    client.post(url, {"scheduled_at": "2031-05-04T09:30", "timing": "later"})
    announcement.refresh_from_db()
    assert announcement.status == S.APPROVED and announcement.scheduled_at is not None
    assert not announcement.content_editors.exists()


def test_one_person_office_may_approve_its_edit_and_it_is_audited(
    redakteur, freigeber, client, make_announcement, settings
):
    settings.ALLOW_SELF_APPROVAL = True
    announcement = make_announcement()
    client.force_login(freigeber)
    edit(client, announcement, body="Neuer Text.")
    services.submit(announcement, redakteur)
    services.approve(announcement, freigeber)
    assert announcement.status == S.APPROVED
    entry = AuditEntry.objects.get(action="announcement.approve")
    assert entry.details["self_approval"] is True
    assert entry.details["involvement"] == ["edited"]


def test_stale_form_saved_after_sending_started_changes_nothing(
    freigeber, client, make_announcement
):
    announcement = make_announcement(status=S.SUBMITTED)
    announcement = services.approve(announcement, freigeber)
    client.force_login(freigeber)
    assert client.get(change_url(announcement)).status_code == 200  # the form is opened
    services.start_sending(announcement)  # the dispatcher's time has come

    response = client.post(
        change_url(announcement), form_data(announcement, body="Ganz neuer Text."), follow=True
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "inzwischen im Zustand „Wird gesendet“" in page
    assert "Ihre Änderungen wurden nicht gespeichert" in page
    current = Announcement.objects.get(pk=announcement.pk)
    assert current.status == S.SENDING
    assert current.body == "Die Landstraße ist am Montag gesperrt."
    assert current.template_params == ["Die Landstraße ist am Montag gesperrt."]
    assert not AuditEntry.objects.filter(action="announcement.edit").exists()
    assert AuditEntry.objects.filter(action="announcement.edit_refused", user=freigeber).exists()


def _admin_request(user, data):
    request = RequestFactory().post("/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _validated(user, announcement, data):
    """The admin's own form for ``announcement``, bound and cleaned as a POST does it."""
    model_admin = admin.site._registry[Announcement]
    request = _admin_request(user, data)
    form = model_admin.get_form(request, announcement, change=True)(data, instance=announcement)
    assert form.is_valid(), form.errors
    return model_admin, request, form, model_admin.save_form(request, form, change=True)


def test_edit_racing_the_start_of_sending_is_refused_on_the_locked_row(
    freigeber, freigeber2, make_announcement
):
    approved = services.approve(make_announcement(status=S.SUBMITTED), freigeber2)
    stale = Announcement.objects.get(pk=approved.pk)
    data = form_data(stale, body="Text, der nie rausgehen darf.")
    model_admin, request, form, obj = _validated(freigeber, stale, data)

    services.start_sending(Announcement.objects.get(pk=approved.pk))  # between load and save
    with pytest.raises(services.NotEditable, match="Wird gesendet"):
        model_admin.save_model(request, obj, form, change=True)

    current = Announcement.objects.get(pk=approved.pk)
    assert current.status == S.SENDING and current.approved_by == freigeber2
    assert current.body == "Die Landstraße ist am Montag gesperrt."
    assert current.started_at is not None


def test_only_the_changed_fields_are_written(redakteur, make_announcement):
    draft = make_announcement()
    stale = Announcement.objects.get(pk=draft.pk)
    model_admin, request, form, obj = _validated(
        redakteur, stale, form_data(stale, body="Neuer Text.")
    )
    # Meanwhile someone else sets the time: the stale copy must not undo that.
    when = timezone.now() + timedelta(days=3)
    Announcement.objects.filter(pk=draft.pk).update(scheduled_at=when, title="Neuer Titel")

    model_admin.save_model(request, obj, form, change=True)

    current = Announcement.objects.get(pk=draft.pk)
    assert current.body == "Neuer Text." and current.template_params == ["Neuer Text."]
    assert current.scheduled_at == when and current.title == "Neuer Titel"
    entry = AuditEntry.objects.get(action="announcement.edit")
    assert entry.details["fields"] == ["body", "template_params"]
