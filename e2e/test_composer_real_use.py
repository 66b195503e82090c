"""The composer after the demo's path, in Chromium (issue 23): an image notice and a PDF
notice approved without any test send reach every simulated phone; a saved text gains a
paragraph on its second edit; an English version of the image notice goes out with the
same image. axe-core on the pages the journey changes."""

import re

import pytest
from playwright.sync_api import expect

from announcements.tests import media_samples

from . import staff
from .test_journeys import subscribe, unsubscribe

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

GERMAN = ["4915100000231", "4915100000232", "4915100000233"]
ENGLISH_READER = "4915100000234"
EVERYONE = [*GERMAN, ENGLISH_READER]


def write_pdf(path):
    """A well-formed one-page PDF (classic cross-reference table), as producers write it."""
    path.write_bytes(media_samples.pdf())
    return path


def received(stack, number, heading):
    return [
        m
        for m in stack.sim.messages(to=number)
        if m["type"] == "template" and heading in (m.get("rendered") or "")
    ]


def approve_without_test_send(stack, login, pk, expected):
    """Approve at once (nobody pressed "Testsendung"); wait until ``expected`` holds for
    the messages the simulated phones received."""
    approver = login("freigabe")
    approver.goto(staff.change_url(pk))
    assert "freigegeben" in staff.press(approver, "approve")
    stack.sim.wait_for(lambda _messages: expected(), timeout=90, what="every phone", interval=0.5)
    return approver


@pytest.fixture
def residents(stack):
    """The journey's own four residents, stopped again afterwards (the stack is shared)."""
    subscribe(stack, EVERYONE)
    yield EVERYONE
    unsubscribe(stack, EVERYONE)


def test_image_and_pdf_notices_without_test_send_reach_every_phone(
    stack, residents, login, screenshot, assert_accessible, tmp_path
):
    stack.orm(
        "from subscribers.crypto import hash_identity; from subscribers.models import "
        f"Subscriber; Subscriber.objects.filter(number_hash=hash_identity('{ENGLISH_READER}'))"
        ".update(language='en')"
    )
    editor = login("redaktion")

    # An image notice of two paragraphs with an English version, templates left automatic.
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Spielplatz (intern)")
    editor.fill("#id_heading", "Spielplatz eröffnet")
    editor.fill("#id_body", "Der Spielplatz am Rathaus ist offen.\n\nKommen Sie vorbei!")
    editor.set_input_files("#id_media", str(staff.write_png(tmp_path / "spielplatz.png")))
    editor.locator(".add-row a").click()
    editor.select_option("#id_versions-0-language", "en")
    editor.fill("#id_versions-0-title", "Playground opened")
    editor.fill(
        "#id_versions-0-body",
        "The playground by the town hall is open.\n\nDo come along!\n\nBring the children.",
    )
    editor.click("input[name=_continue]")
    editor.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    expect(editor.locator("ul.errorlist")).to_have_count(0)
    image_pk = int(re.search(r"/announcement/(\d+)/", editor.url).group(1))
    expect(editor.locator("[data-testid=preview-en]")).to_contain_text("Bring the children.")
    assert_accessible(editor, "composer with an English version")
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")

    approver = approve_without_test_send(
        stack,
        login,
        image_pk,
        lambda: (
            all(received(stack, n, "Spielplatz eröffnet") for n in GERMAN)
            and received(stack, ENGLISH_READER, "Playground opened")
        ),
    )
    for number in GERMAN:
        [message] = received(stack, number, "Spielplatz eröffnet")
        assert message["template"]["name"] == "titz_meldung_bild_2"
        assert message["template"]["header"]["type"] == "image"
    [english] = received(stack, ENGLISH_READER, "Playground opened")
    assert (english["template"]["name"], english["template"]["language"]) == (
        "titz_meldung_bild_3",
        "en",
    )
    german_ids = {
        m["template"]["header"]["image"]["id"]
        for n in GERMAN
        for m in received(stack, n, "Spielplatz eröffnet")
    }
    assert {english["template"]["header"]["image"]["id"]} == german_ids  # one upload
    # The approver's read-only page shows what was sent, without red errors.
    approver.goto(staff.change_url(image_pk))
    preview = approver.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Der Spielplatz am Rathaus ist offen.")
    expect(approver.locator("[data-preview-target] .errorlist")).to_have_count(0)
    assert_accessible(approver, "sent image notice, read-only")
    screenshot(approver, "23-sent-image-notice")

    # A PDF notice, saved with two paragraphs, gains a third on its second edit.
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Amtsblatt (intern)")
    editor.fill("#id_heading", "Neues Amtsblatt")
    editor.fill("#id_body", "Das Amtsblatt ist erschienen.\n\nEs liegt im Rathaus aus.")
    editor.set_input_files("#id_media", str(write_pdf(tmp_path / "amtsblatt.pdf")))
    editor.click("input[name=_continue]")
    editor.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    pdf_pk = int(re.search(r"/announcement/(\d+)/", editor.url).group(1))
    editor.goto(staff.change_url(pdf_pk))  # opened again later
    editor.fill(
        "#id_body",
        "Das Amtsblatt ist erschienen.\n\nEs liegt im Rathaus aus.\n\nOnline steht es auch.",
    )
    expect(editor.locator("[data-testid=preview-counter]")).to_contain_text("3 von höchstens 5")
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")
    expect(editor.locator("ul.errorlist")).to_have_count(0)

    approve_without_test_send(
        stack, login, pdf_pk, lambda: all(received(stack, n, "Neues Amtsblatt") for n in EVERYONE)
    )
    for number in EVERYONE:
        [message] = received(stack, number, "Neues Amtsblatt")
        assert message["template"]["name"] == "titz_meldung_pdf_3"
        assert message["template"]["params"][-1] == "Online steht es auch."
        assert message["template"]["header"]["type"] == "document"
