"""The composer after the demo's path: second edits, read-only pages, other languages."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements import template_set
from announcements.models import Announcement, MessageTemplate
from announcements.template_sync import sync_templates
from tests.fixtures.broadcasts import NO_VERSIONS
from whatsapp.backends import locmem
from whatsapp.backends.base import template_info

ADD_URL = reverse("admin:announcements_announcement_add")
TWO = "Die Bücherei ist geschlossen.\n\nAb Montag wieder geöffnet."
THREE = TWO + "\n\nRückgaben in den Briefkasten."


@pytest.fixture(autouse=True)
def composer_set(db):
    for number, definition in enumerate(template_set.for_settings()):
        locmem.templates.append(template_info({**definition, "status": "APPROVED", "id": number}))
    sync_templates()


def change_url(pk):
    return reverse("admin:announcements_announcement_change", args=[pk])


def form(**overrides):
    data = {"title": "Bücherei (intern)", "category": "news", "heading": "Bücherei"}
    return {**data, "body": TWO, "template": "", **NO_VERSIONS, **overrides}


def selected_template(page):
    """What the browser sends back for the template field: its selected option."""
    select = re.search(r'<select name="template".*?</select>', page, re.DOTALL).group(0)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else ""


def resubmit(client, announcement, body, **overrides):
    """Open the change form and save it with a new text, as a browser would."""
    page = client.get(change_url(announcement.pk)).content.decode()
    data = form(body=body, template=selected_template(page), **overrides)
    return client.post(change_url(announcement.pk), data)


def test_a_saved_text_may_gain_and_lose_paragraphs(redakteur, client):
    client.force_login(redakteur)
    assert client.post(ADD_URL, form()).status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.template.name == "titz_meldung_2" and not announcement.template_chosen

    response = resubmit(client, announcement, THREE)
    assert response.status_code == 302, response.context["adminform"].form.non_field_errors()
    announcement.refresh_from_db()
    assert announcement.template.name == "titz_meldung_3"
    assert announcement.template_params[1:] == THREE.split("\n\n")

    response = resubmit(client, announcement, "Die Bücherei ist geschlossen.")  # the second edit
    assert response.status_code == 302, response.context["adminform"].form.non_field_errors()
    announcement.refresh_from_db()
    assert announcement.template.name == "titz_meldung_1" and not announcement.template_chosen


def test_a_template_chosen_by_hand_is_shown_kept_and_can_be_undone(redakteur, client):
    client.force_login(redakteur)
    by_hand = MessageTemplate.objects.get(name="titz_meldung_2", language="de")
    client.post(ADD_URL, form(template=str(by_hand.pk)))
    announcement = Announcement.objects.get()
    assert announcement.template_chosen

    page = client.get(change_url(announcement.pk)).content.decode()
    assert "Vorlage (von Hand gewählt)" in page and "automatisch gewählt" in page
    assert selected_template(page) == str(by_hand.pk)
    response = resubmit(client, announcement, THREE)  # the hand-picked template holds
    assert "höchstens 2 passen" in response.content.decode()

    undone = client.post(change_url(announcement.pk), form(body=THREE, template=""))
    assert undone.status_code == 302
    announcement.refresh_from_db()
    assert not announcement.template_chosen and announcement.template.name == "titz_meldung_3"
    page = client.get(change_url(announcement.pk)).content.decode()
    assert selected_template(page) == "" and "Vorlage (von Hand gewählt)" not in page


@pytest.mark.parametrize("status", [Announcement.Status.SENT, Announcement.Status.PAUSED])
def test_the_approver_sees_what_was_sent_without_a_new_check(
    status, redakteur, freigeber, pruefer, client
):
    client.force_login(redakteur)
    client.post(ADD_URL, form())
    announcement = Announcement.objects.get()
    sent_params = list(announcement.template_params)
    # What the form holds no longer fits the template the request was sent with: a read-only
    # page must still show the request, not the form's judgement of the text.
    Announcement.objects.filter(pk=announcement.pk).update(
        status=status, body=THREE, started_at=timezone.now()
    )
    pages = {}
    for user in (freigeber, pruefer):
        client.force_login(user)
        response = client.get(change_url(announcement.pk))
        assert response.status_code == 200
        pages[user.username] = response.content.decode()
    for page in pages.values():
        assert "data-preview-url" not in page  # the live preview would redraw the empty form
        assert "<strong>Bücherei</strong><br><br>Die Bücherei ist geschlossen.<br><br>Ab " in page
        shown = page.split("data-preview-target", 1)[1].split("</section>", 1)[0]
        assert sent_params[-1] in shown and "Rückgaben" not in shown
        assert "höchstens" not in shown and "errorlist" not in shown
    assert pages["clara"].count("errornote") == pages["erika"].count("errornote")


def test_the_live_preview_stays_on_pages_that_can_be_edited(redakteur, client):
    client.force_login(redakteur)
    client.post(ADD_URL, form())
    page = client.get(change_url(Announcement.objects.get().pk)).content.decode()
    assert 'data-preview-url="/admin/announcements/announcement/vorschau/"' in page
