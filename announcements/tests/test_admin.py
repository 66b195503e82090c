"""Admin pages per role, the form's automatic template, the buttons, preview and export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from announcements.models import Announcement, Delivery
from audit.models import AuditEntry
from tests.fixtures.broadcasts import NO_VERSIONS

from . import media_samples

S = Announcement.Status
PNG = media_samples.png()  # a real image: uploads are decoded and re-encoded


def change_url(announcement):
    return reverse("admin:announcements_announcement_change", args=[announcement.pk])


def action_url(announcement, action):
    return reverse("admin:announcement_transition", args=[announcement.pk, action])


def form_data(**overrides):
    data = {
        "title": "Sperrung",
        "category": "news",
        "body": "Die *Landstraße* ist am Montag gesperrt.",
        "template": "",
        **NO_VERSIONS,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["Redaktion", "Freigabe", "Prüfung", "superuser"])
def test_pages_render_for_every_role(role, users, client, make_announcement, text_template):
    client.force_login(users[role])
    sent = make_announcement(status=S.SENT, started_at=timezone.now())
    pages = [
        reverse("admin:index"),
        reverse("admin:announcements_announcement_changelist"),
        change_url(sent),
    ]
    if role != "Prüfung":
        pages += [
            reverse("admin:announcements_announcement_add"),
            change_url(make_announcement()),
            reverse("admin:announcements_messagetemplate_changelist"),
        ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"Traceback" not in response.content


def test_pruefung_sees_no_drafts(pruefer, client, make_announcement):
    client.force_login(pruefer)
    draft = make_announcement(title="Geheimer Entwurf")
    make_announcement(title="Versendet", status=S.SENT, started_at=timezone.now())
    listing = client.get(reverse("admin:announcements_announcement_changelist"))
    assert b"Versendet" in listing.content and b"Geheimer Entwurf" not in listing.content
    assert client.get(change_url(draft)).status_code in (302, 403, 404)
    assert client.get(reverse("admin:announcements_announcement_add")).status_code == 403


def test_redaktion_cannot_edit_others_drafts(redakteur, redakteur2, client, make_announcement):
    theirs = make_announcement(created_by=redakteur2, title="Von Bernd")
    client.force_login(redakteur)
    response = client.post(change_url(theirs), form_data(title="Geändert"))
    assert response.status_code == 403
    assert Announcement.objects.get(pk=theirs.pk).title == "Von Bernd"


def test_create_picks_template_and_fills_params(redakteur, client, text_template):
    client.force_login(redakteur)
    response = client.post(reverse("admin:announcements_announcement_add"), form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert announcement.template == text_template
    assert announcement.template_params == ["Die *Landstraße* ist am Montag gesperrt."]
    assert announcement.created_by == redakteur and announcement.status == S.DRAFT
    assert AuditEntry.objects.filter(action="announcement.create").exists()


def test_image_picks_image_template_with_heading_and_text(
    redakteur, client, text_template, image_template
):
    client.force_login(redakteur)
    image = SimpleUploadedFile("plakat.png", PNG, content_type="image/png")
    data = form_data(heading="Sperrung", title="Intern: Notiz", media=image)
    response = client.post(reverse("admin:announcements_announcement_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert announcement.template == image_template
    assert announcement.template_params == ["Sperrung", "Die *Landstraße* ist am Montag gesperrt."]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": "Zeile eins\nZeile zwei"}, "Der Text hat 2 Absätze; höchstens 1 passt."),
        ({"urgent": "on"}, "Nur Warnungen"),
        ({"heading": "Gesendet"}, "Diese Vorlage sendet keine Überschrift"),
        (
            {"media": SimpleUploadedFile("x.gif", b"GIF89a....", content_type="image/gif")},
            "Nur JPEG- oder PNG-Bilder",
        ),
    ],
)
def test_form_rejects_with_german_message(overrides, message, redakteur, client, text_template):
    client.force_login(redakteur)
    response = client.post(reverse("admin:announcements_announcement_add"), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Announcement.objects.exists()


def test_template_needing_image_rejects_missing_file(redakteur, client, image_template):
    client.force_login(redakteur)
    data = form_data(template=image_template.pk)
    response = client.post(reverse("admin:announcements_announcement_add"), data)
    assert "braucht ein Bild" in response.content.decode()


def test_no_approved_template_explains_what_to_do(redakteur, client):
    client.force_login(redakteur)
    response = client.post(reverse("admin:announcements_announcement_add"), form_data())
    assert "Vorlagen mit WhatsApp abgleichen" in response.content.decode()


def test_editing_submitted_sends_it_back_to_draft(freigeber, client, make_announcement):
    announcement = make_announcement(status=S.SUBMITTED)
    client.force_login(freigeber)
    response = client.post(change_url(announcement), form_data(body="Neuer Text."))
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.status == S.DRAFT and announcement.template_params == ["Neuer Text."]
    assert AuditEntry.objects.filter(action="announcement.return_to_draft").exists()


def test_preview_shows_formatting_length_and_reach(redakteur, client, make_announcement, settings):
    settings.WHATSAPP_MESSAGING_LIMIT = 0
    announcement = make_announcement(template_params=["*Sperrung* am _Montag_ ~heute~"])
    client.force_login(redakteur)
    content = client.get(change_url(announcement)).content.decode()
    assert "<strong>Sperrung</strong> am <em>Montag</em> <del>heute</del>" in content
    assert "Gemeinde Titz informiert:" in content
    length = len(
        "Gemeinde Titz informiert:\n\n*Sperrung* am _Montag_ ~heute~\n\nIhre Gemeindeverwaltung"
    )
    assert f"{length} Zeichen" in content
    assert "erreicht 0 Abonnenten" in content


def test_messaging_limit_warns_about_days(freigeber, client, make_announcement, settings):
    from subscribers.models import Subscriber

    settings.WHATSAPP_MESSAGING_LIMIT = 2
    for index in range(5):
        Subscriber.objects.create(
            code=f"K-{index}", number_hash=f"{index:064d}", consented_at=timezone.now()
        )
    client.force_login(freigeber)
    content = client.get(change_url(make_announcement(status=S.SUBMITTED))).content.decode()
    # Two today, two tomorrow, the last one the day after.
    assert "Tageslimit von WhatsApp (2 Empfänger)" in content
    assert "3 Empfänger folgen ab morgen" in content


def test_workflow_buttons_drive_the_services(redakteur, freigeber, client, make_announcement):
    announcement = make_announcement()
    client.force_login(redakteur)
    page = client.get(change_url(announcement)).content.decode()
    assert "Speichern und zur Freigabe einreichen" in page and "Freigeben" not in page
    client.post(action_url(announcement, "submit"))
    assert Announcement.objects.get(pk=announcement.pk).status == S.SUBMITTED
    response = client.post(action_url(announcement, "approve"), follow=True)
    assert "Berechtigung" in response.content.decode()
    client.force_login(freigeber)
    response = client.post(action_url(announcement, "approve"), follow=True)
    assert "Die Nachricht ist freigegeben und wird jetzt gesendet." in response.content.decode()
    assert Announcement.objects.get(pk=announcement.pk).status == S.APPROVED


def test_out_of_order_button_shows_error(freigeber, client, make_announcement):
    announcement = make_announcement(status=S.SENT)
    client.force_login(freigeber)
    response = client.post(action_url(announcement, "pause"), follow=True)
    assert "nicht möglich" in response.content.decode()
    # Asking first is a page; it, too, says that the step does not apply now.
    assert "nicht möglich" in client.get(action_url(announcement, "pause")).content.decode()
    assert client.get(action_url(announcement, "approve")).status_code == 405


def test_own_submission_shows_four_eyes_note(freigeber, client, make_announcement):
    announcement = make_announcement(status=S.SUBMITTED, created_by=freigeber)
    client.force_login(freigeber)
    assert "Vier-Augen-Prinzip" in client.get(change_url(announcement)).content.decode()


def test_statistics_and_csv_export(pruefer, client, make_announcement):
    announcement = make_announcement(status=S.PARTLY_FAILED, started_at=timezone.now())
    rows = [
        ("K-1", "read", None, ""),
        ("K-2", "failed", 131026, "Nummer nicht erreichbar"),
        ("K-3", "failed", 131026, "Nummer nicht erreichbar"),
    ]
    for code, status, error_code, title in rows:
        Delivery.objects.create(
            announcement=announcement,
            subscriber_code=code,
            status=status,
            error_code=error_code,
            error_title=title,
        )
    client.force_login(pruefer)
    page = client.get(change_url(announcement)).content.decode()
    assert "Nummer nicht erreichbar" in page and "Fehler nach Ursache" in page
    export = client.get(reverse("admin:announcement_export", args=[announcement.pk]))
    assert export.status_code == 200
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("Kennziffer;Status")
    assert lines[2].startswith("K-2;failed;131026;Nummer nicht erreichbar")
    assert AuditEntry.objects.filter(action="announcement.export").exists()


def test_redaktion_cannot_export(redakteur, client, make_announcement):
    announcement = make_announcement(status=S.SENT, started_at=timezone.now())
    client.force_login(redakteur)
    response = client.get(reverse("admin:announcement_export", args=[announcement.pk]))
    assert response.status_code == 403


def test_index_overview(freigeber, client, make_announcement):
    make_announcement(title="Geplant", status=S.APPROVED)
    running = make_announcement(title="Läuft", status=S.SENDING, started_at=timezone.now())
    for index, status in enumerate(["read", "queued"]):
        Delivery.objects.create(announcement=running, subscriber_code=f"K-{index}", status=status)
    client.force_login(freigeber)
    content = client.get(reverse("admin:index")).content.decode()
    assert "Geplant" in content and "Läuft" in content
    assert 'value="50"' in content and "1 / 2" in content


def test_template_sync_button_needs_permission(redakteur, freigeber, client):
    url = reverse("admin:messagetemplate_sync")
    client.force_login(redakteur)
    assert client.post(url).status_code == 403
    client.force_login(freigeber)
    assert client.post(url).status_code == 302


def test_approve_button_takes_the_sending_time(redakteur, freigeber, client, make_announcement):
    announcement = make_announcement(status=S.SUBMITTED, created_by=redakteur)
    client.force_login(freigeber)
    assert 'name="scheduled_at"' in client.get(change_url(announcement)).content.decode()
    client.post(action_url(announcement, "approve"), {"scheduled_at": "2031-05-04T09:30"})
    announcement.refresh_from_db()
    assert announcement.status == S.APPROVED
    assert timezone.localtime(announcement.scheduled_at).strftime("%Y-%m-%d %H:%M") == (
        "2031-05-04 09:30"
    )
