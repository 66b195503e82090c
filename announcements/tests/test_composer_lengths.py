"""Lists, lengths and headings said honestly (issue 23, point 5), through the admin's
change form and the live preview: a short list fits into one message, no line is ever
dropped, the counter and the error on save say the same number, a long heading is said
while typing and refused on save, never cut."""

import re

import pytest
from django.urls import reverse

from announcements import template_set
from announcements.models import Announcement
from announcements.template_sync import sync_templates
from tests.fixtures.broadcasts import NO_VERSIONS
from whatsapp.backends import locmem
from whatsapp.backends.base import template_info

ADD_URL = reverse("admin:announcements_announcement_add")
PREVIEW_URL = reverse("admin:announcement_preview")
WITH_LIST = (
    "Das Bürgerbüro zieht um.\n\nAb Montag im Rathaus, Raum 4.\n\nTermine bleiben gültig.\n\n"
    "Bitte mitbringen:\n- Ausweis\n- Foto\n- Formular"
)
SIX = "\n\n".join(f"Absatz {n}" for n in range(1, 7))


@pytest.fixture(autouse=True)
def composer_set(db):
    for number, definition in enumerate(template_set.for_settings()):
        locmem.templates.append(template_info({**definition, "status": "APPROVED", "id": number}))
    sync_templates()


def form(**overrides):
    data = {"title": "Bürgerbüro (intern)", "category": "news", "heading": "Bürgerbüro"}
    return {**data, "body": WITH_LIST, "template": "", **NO_VERSIONS, **overrides}


def change_url(pk):
    return reverse("admin:announcements_announcement_change", args=[pk])


def errors(response):
    form = response.context["adminform"].form
    return form.non_field_errors(), form.errors.get("heading", [])


def test_three_paragraphs_and_a_list_go_out_in_one_message(redakteur, client):
    client.force_login(redakteur)
    response = client.post(ADD_URL, form())
    assert response.status_code == 302, errors(response)
    announcement = Announcement.objects.get()
    assert announcement.template.name == "titz_meldung_4"
    assert announcement.template_params[-1] == "Bitte mitbringen: • Ausweis • Foto • Formular"
    # The page shows what goes out: the list's every item in the phone preview.
    page = client.get(change_url(announcement.pk)).content.decode()
    assert "Bitte mitbringen: • Ausweis • Foto • Formular" in page


def test_a_sixth_paragraph_is_never_dropped_from_the_preview(redakteur, client):
    client.force_login(redakteur)
    answer = client.post(PREVIEW_URL, {"heading": "Titel", "body": SIX}).json()
    assert 'data-testid="phone"' not in answer["html"]  # no message without "Absatz 6"
    assert "Der Text hat 6 Absätze; höchstens 5 passen. Bitte kürzen." in answer["html"]
    assert answer["counter"].startswith("6 von höchstens 5 Absätzen")
    response = client.post(ADD_URL, form(heading="Titel", body=SIX))
    assert response.status_code == 200 and not Announcement.objects.exists()


def test_counter_while_typing_and_error_on_save_name_the_same_number(redakteur, client):
    client.force_login(redakteur)
    long_text = "Ein sehr langer Absatz. " * 60  # one paragraph, far over 1,024
    answer = client.post(PREVIEW_URL, {"heading": "Titel", "body": long_text}).json()
    over = int(re.search(r"(\d+) Zeichen zu viel", answer["counter"]).group(1))
    response = client.post(ADD_URL, form(heading="Titel", body=long_text))
    non_field, _heading = errors(response)
    assert non_field == [
        f"Die Nachricht hat {1024 + over} Zeichen; höchstens 1024 passen. Bitte kürzen Sie "
        f"den Text um {over} Zeichen."
    ]
    # With a list too many for the slots the number stays the same one.
    crowded = long_text + "\n\n" + SIX
    answer = client.post(PREVIEW_URL, {"heading": "Titel", "body": crowded}).json()
    over = int(re.search(r"(\d+) Zeichen zu viel", answer["counter"]).group(1))
    non_field, _heading = errors(client.post(ADD_URL, form(heading="Titel", body=crowded)))
    assert f"Bitte kürzen Sie den Text um {over} Zeichen." in non_field[-1]


def test_a_long_heading_is_said_while_typing_refused_on_save_never_cut(redakteur, client):
    client.force_login(redakteur)
    page = client.get(ADD_URL).content.decode()
    heading_input = re.search(r'<input[^>]*name="heading"[^>]*>', page).group(0)
    assert "maxlength" not in heading_input  # the browser would cut a pasted heading
    long_heading = "Vollsperrung der Landstraße zwischen Titz und Jackerath ab Montag"
    assert len(long_heading) == 65
    answer = client.post(PREVIEW_URL, {"heading": long_heading, "body": "Text."}).json()
    assert answer["counter"].startswith("Überschrift 65 von höchstens 60 Zeichen, bitte kürzen")
    response = client.post(ADD_URL, form(heading=long_heading))
    assert response.status_code == 200 and not Announcement.objects.exists()
    assert errors(response)[1] == [
        "Die Überschrift hat 65 Zeichen; höchstens 60 passen. Bitte kürzen."
    ]
    assert long_heading in response.content.decode()  # kept in the field, not cut

    # The second edit of a saved notice: refused too, the stored heading unchanged.
    assert client.post(ADD_URL, form()).status_code == 302
    announcement = Announcement.objects.get()
    response = client.post(change_url(announcement.pk), form(heading=long_heading))
    assert response.status_code == 200
    assert errors(response)[1] == [
        "Die Überschrift hat 65 Zeichen; höchstens 60 passen. Bitte kürzen."
    ]
    announcement.refresh_from_db()
    assert announcement.heading == "Bürgerbüro"
