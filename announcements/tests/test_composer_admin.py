"""The composer in the admin: preview = request, save and submit, kept uploads, schedule."""

import os
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from announcements import preview, services, staging, tasks, template_set
from announcements.admin import when_text
from announcements.media import check_upload
from announcements.models import Announcement, MessageTemplate
from announcements.template_sync import sync_templates
from simulator import catalog  # the simulated Meta: renders what it receives
from tests.fixtures.broadcasts import NO_VERSIONS
from whatsapp.backends import locmem
from whatsapp.backends.base import template_info

from . import media_samples

S = Announcement.Status
ADD_URL = reverse("admin:announcements_announcement_add")
TEXT = "Am Samstag feiert Jackerath.\n\nEs gibt *Musik* und Kuchen.\n\nKommen Sie vorbei!"


@pytest.fixture(autouse=True)
def composer_set(db):
    for number, definition in enumerate(template_set.for_settings()):
        locmem.templates.append(template_info({**definition, "status": "APPROVED", "id": number}))
    sync_templates()


def change_url(pk):
    return reverse("admin:announcements_announcement_change", args=[pk])


def action_url(pk, action):
    return reverse("admin:announcement_transition", args=[pk, action])


def image():
    return SimpleUploadedFile("plakat.png", media_samples.png(), content_type="image/png")


def form(**overrides):
    data = {"title": "Dorffest (intern)", "category": "news", "heading": "Dorffest"}
    data.update({"body": TEXT, "template": "", **NO_VERSIONS}, **overrides)
    return data


def test_preview_is_what_the_request_makes_the_phone_show(redakteur, client, settings):
    settings.TEST_RECIPIENTS = ["+49 151 00000099"]
    client.force_login(redakteur)
    response = client.post(ADD_URL, form(media=image(), _continue="1"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert announcement.template.name == "titz_meldung_bild_3"
    shown = preview.render(announcement)
    services.send_test_message(announcement, redakteur)
    [sent] = locmem.outbox
    params = [p["text"] for p in sent["payload"]["template"]["components"][1]["parameters"]]
    known = catalog.find(sent["template"], sent["language"])
    assert shown.as_text() == catalog.render(known, params)  # what the simulator shows
    assert shown.header_kind == "image" and shown.footer == "Abmelden mit „Stop“"
    assert "Dorffest (intern)" not in shown.as_text()  # the internal title is never sent
    page = client.get(change_url(announcement.pk)).content.decode()
    assert "<strong>Dorffest</strong>" in page and "<strong>Musik</strong>" in page
    assert 'data-testid="preview-footer">Abmelden mit „Stop“' in page


def test_live_preview_endpoint_draws_the_unsaved_text(redakteur, client):
    client.force_login(redakteur)
    url = reverse("admin:announcement_preview")
    answer = client.post(url, {"heading": "Sperrung", "body": "Eins.\n\nZwei."}).json()
    assert "<strong>Sperrung</strong><br><br>Eins.<br><br>Zwei.<br><br>Bei Fragen" in answer["html"]
    assert answer["counter"].startswith("2 von höchstens 5 Absätzen · noch ")
    seven = "\n".join(f"Absatz {n}" for n in range(7))
    answer = client.post(url, {"heading": "Sperrung", "body": seven}).json()
    assert "Der Text hat 7 Absätze; höchstens 5 passen. Bitte kürzen." in answer["html"]


def test_the_form_never_says_parameter_and_keeps_the_title_internal(redakteur, client):
    client.force_login(redakteur)
    page = client.get(ADD_URL).content.decode()
    assert "Parameter" not in page
    assert "Überschrift (wird gesendet)" in page and "Wird nicht gesendet" in page
    assert 'data-preview-url="/admin/announcements/announcement/vorschau/"' in page
    assert re.search(r'<script src="/static/announcements/composer.js"', page)


def test_submit_on_the_add_form_saves_and_submits(redakteur, client):
    client.force_login(redakteur)
    response = client.post(ADD_URL, form(_submit="submit"), follow=True)
    announcement = Announcement.objects.get()
    assert announcement.status == S.SUBMITTED
    assert "Gespeichert und zur Freigabe eingereicht" in response.content.decode()


def test_submit_with_unsaved_edits_submits_the_edited_text(redakteur, client):
    client.force_login(redakteur)
    client.post(ADD_URL, form())
    announcement = Announcement.objects.get()
    edited = "Neuer erster Absatz.\n\nNeuer zweiter Absatz.\n\nDritter."
    client.post(change_url(announcement.pk), form(body=edited, _submit="submit"))
    announcement.refresh_from_db()
    assert announcement.status == S.SUBMITTED
    assert announcement.template_params[1:] == [
        "Neuer erster Absatz.",
        "Neuer zweiter Absatz.",
        "Dritter.",
    ]


def test_a_validation_error_keeps_the_uploaded_image(redakteur, client):
    client.force_login(redakteur)
    response = client.post(ADD_URL, form(heading="", media=image()))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bitte geben Sie eine Überschrift an" in page
    token = re.search(r'name="staged_media" value="([0-9a-f]{32})"', page).group(1)
    staged = client.get(reverse("admin:announcement_staged", args=[token]))
    assert staged.status_code == 200 and staged["Content-Type"] == "image/png"
    assert staged["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response = client.post(ADD_URL, form(staged_media=token))
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert announcement.template.header_type == "IMAGE"
    with announcement.media.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not default_storage.exists(f"staged/{token}.png")  # used up
    assert client.get(reverse("admin:announcement_staged", args=["x" * 32])).status_code == 404


@pytest.fixture
def submitted(redakteur):
    template = MessageTemplate.objects.get(name="titz_meldung_1", language="de")
    return Announcement.objects.create(
        title="Intern",
        heading="Sperrung",
        body="Die L 12 ist gesperrt.",
        template=template,
        template_params=["Sperrung", "Die L 12 ist gesperrt."],
        created_by=redakteur,
        status=S.SUBMITTED,
    )


def test_approving_for_a_past_time_is_refused(freigeber, client, submitted):
    client.force_login(freigeber)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        action_url(submitted.pk, "approve"),
        {"timing": "later", "scheduled_at": past},
        follow=True,
    )
    assert "Der geplante Zeitpunkt liegt in der Vergangenheit." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and submitted.scheduled_at is None
    response = client.post(action_url(submitted.pk, "approve"), {"timing": "later"}, follow=True)
    assert "Bitte Datum und Uhrzeit angeben" in response.content.decode()


def test_approving_for_a_time_shows_it_in_message_ablauf_and_list(freigeber, client, submitted):
    client.force_login(freigeber)
    later = timezone.localtime() + timedelta(days=2)
    response = client.post(
        action_url(submitted.pk, "approve"),
        {"timing": "later", "scheduled_at": later.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    submitted.refresh_from_db()
    assert submitted.status == S.APPROVED
    shown = when_text(submitted.scheduled_at)
    page = response.content.decode()
    assert f"Die Nachricht ist freigegeben und wird am {shown} gesendet." in page
    assert f"Geplant für: <strong>{shown}</strong>" in page
    listing = client.get(reverse("admin:announcements_announcement_changelist")).content.decode()
    assert shown in listing
    assert listing.index("column-status") < listing.index("column-title")  # status first


def test_the_form_has_no_second_time_field(freigeber, client, submitted):
    client.force_login(freigeber)
    page = client.get(change_url(submitted.pk)).content.decode()
    assert 'name="scheduled_at"' in page and page.count('type="datetime-local"') == 1
    assert '<label for="approve-when">' in page


@pytest.mark.parametrize(
    ("action", "status", "warning"),
    [
        ("cancel", S.SUBMITTED, "Das lässt sich nicht rückgängig machen."),
        ("stop", S.SENDING, "erhält sie nie"),
        ("pause", S.SENDING, "Fortsetzen"),
    ],
)
def test_cancel_stop_and_pause_ask_first(freigeber, client, submitted, action, status, warning):
    Announcement.objects.filter(pk=submitted.pk).update(status=status)
    client.force_login(freigeber)
    page = client.get(change_url(submitted.pk)).content.decode()
    link = action_url(submitted.pk, action)
    assert f'href="{link}"' in page  # a link to the question, not a button that acts
    question = client.get(link).content.decode()
    assert warning in question and 'data-testid="confirm"' in question
    submitted.refresh_from_db()
    assert submitted.status == status  # asking changed nothing
    client.post(link, {"reason": "Rückfrage"})
    submitted.refresh_from_db()
    assert submitted.status == services.ACTIONS[action].targets[0]


def test_cancel_reads_as_what_it_does(freigeber, client, submitted):
    client.force_login(freigeber)
    page = client.get(change_url(submitted.pk)).content.decode()
    assert "Nachricht endgültig verwerfen" in page and ">Abbrechen<" not in page


def test_template_list_reads_german(freigeber, client):
    client.force_login(freigeber)
    url = reverse("admin:announcements_messagetemplate_changelist")
    page = client.get(url).content.decode()
    assert "Meldung mit Bild, Überschrift und 3 Absätzen" in page
    assert "freigegeben" in page and "Service" in page
    assert ">APPROVED<" not in page and ">UTILITY<" not in page


def test_staged_uploads_of_abandoned_forms_are_purged():
    old = staging.stage(check_upload(image()))
    fresh = staging.stage(check_upload(image()))
    path = default_storage.path(f"staged/{old}.png")
    past = (timezone.now() - staging.KEEP - timedelta(minutes=1)).timestamp()
    os.utime(path, (past, past))
    assert tasks.purge_staged_uploads() == 1
    assert staging.load(old) is None and staging.load(fresh) is not None
