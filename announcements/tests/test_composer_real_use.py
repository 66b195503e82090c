"""The composer after the demo's path: second edits, read-only pages, other languages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from announcements import template_set
from announcements.models import Announcement, MessageTemplate
from announcements.template_sync import sync_templates
from simulator import catalog
from tests.fixtures.broadcasts import NO_VERSIONS
from whatsapp.backends import locmem
from whatsapp.backends.base import template_info

from . import media_samples

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


def with_version(language, text, **overrides):
    return form(
        **{
            "versions-TOTAL_FORMS": "1",
            "versions-0-language": language,
            "versions-0-template": "",
            "versions-0-title": "Library",
            "versions-0-body": text,
        },
        **overrides,
    )


ENGLISH = "The library is closed.\n\nOpen again on Monday.\n\nReturns into the letterbox."


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_version_of_an_image_notice_with_three_paragraphs(redakteur, client, language):
    client.force_login(redakteur)
    upload = SimpleUploadedFile("plakat.png", media_samples.png(), content_type="image/png")
    response = client.post(ADD_URL, with_version(language, ENGLISH, body=THREE, media=upload))
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    version = announcement.versions.get()
    assert announcement.template.name == "titz_meldung_bild_3"
    assert (version.template.name, version.template.language) == ("titz_meldung_bild_3", language)
    assert version.template_params == ["Library", *ENGLISH.split("\n\n")]
    german = announcement.send_kwargs()
    assert version.send_kwargs(german)["header"] == german["header"]  # the same image

    resubmit(client, announcement, TWO, **{  # the second edit: both texts shorter
        "versions-INITIAL_FORMS": "1", "versions-TOTAL_FORMS": "1",
        "versions-0-id": str(version.pk), "versions-0-language": language,
        "versions-0-announcement": str(announcement.pk), "versions-0-template": "",
        "versions-0-title": "Library", "versions-0-body": "The library is closed.",
    })  # fmt: skip
    version.refresh_from_db()
    announcement.refresh_from_db()
    assert announcement.template.name == "titz_meldung_bild_2"
    assert version.template.name == "titz_meldung_bild_1"


def test_a_missing_template_is_named_so_an_editor_can_act(redakteur, client):
    MessageTemplate.objects.filter(name="titz_meldung_pdf_2", language="tr").update(
        status=MessageTemplate.MetaStatus.PENDING
    )
    client.force_login(redakteur)
    upload = SimpleUploadedFile(
        "amtsblatt.pdf", media_samples.pdf(), content_type="application/pdf"
    )
    response = client.post(ADD_URL, with_version("tr", "Closed.\n\nOpen on Monday.", media=upload))
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Für Türkisch fehlt die Vorlage mit PDF und 2 Absätzen: bitte bei WhatsApp einreichen."
        in page
    )
    assert Announcement.objects.count() == 0


def test_the_set_has_every_kind_and_count_in_every_resident_language(settings):
    names = {}
    for definition in template_set.for_settings():
        names.setdefault(definition["language"], set()).add(definition["name"])
    assert set(names) == set(settings.RESIDENT_LANGUAGES)
    assert all(found == names["de"] for found in names.values()) and len(names["de"]) == 15
    listed = {(t["name"], t["language"]) for t in catalog.TEMPLATES if t["status"] == "APPROVED"}
    assert {(n, lang) for lang, found in names.items() for n in found} <= listed  # the simulator


def test_the_template_set_names_the_municipality_from_the_settings(settings):
    settings.MUNICIPALITY_NAME = "Gemeinde Musterdorf"
    settings.MUNICIPALITY_CONTACT = "Rathaus Musterdorf, Telefon 01234 5678"
    for definition in template_set.for_settings():
        texts = [c.get("text", "") for c in definition["components"]]
        assert not any(name in text for text in texts for name in ("Titz", "Тітц", "تيتس"))
        body = next(c["text"] for c in definition["components"] if c["type"] == "BODY")
        assert body.startswith("Gemeinde Musterdorf ") and "Rathaus Musterdorf" in body
    german = template_set.definition("IMAGE", 2, "de", "Gemeinde Musterdorf", "Rathaus")
    assert german["components"][1]["text"].split("\n\n") == [
        "Gemeinde Musterdorf informiert: *{{1}}*", "{{2}}", "{{3}}", "Bei Fragen: Rathaus"
    ]  # fmt: skip
