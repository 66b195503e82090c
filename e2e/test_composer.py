"""Writing a message as staff write it, in a real browser: paragraphs, heading, image.

The preview is compared with what the simulated Meta received for the test send (its
rendering of the template with the parameters that arrived); edits pressed straight
into "Einreichen" are submitted, an error keeps the image, a past time is refused, and
destructive steps ask first. Screenshots at 1280 and 390 px, axe-core on every page the
journey opens (no critical or serious finding).
"""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from . import staff
from .stack import OFFICE_TEST_NUMBER

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
HEADING = "Dorffest in Titz"
PARAGRAPHS = [
    "Am *Samstag* feiert ganz Titz auf dem Marktplatz.",
    "Es gibt Musik, Kuchen und Spiele für Kinder.",
    "Kommen Sie vorbei!",
]
FOOTER = "Abmelden mit „Stop“"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def serious_axe_findings(page):
    found = Axe().run(page).response["violations"]
    return [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


def check_page(page, screenshot, name):
    """Both widths: a screenshot each, and nothing serious for axe-core."""
    for label, size in (("1280", DESK), ("390", PHONE)):
        page.set_viewport_size(size)
        assert serious_axe_findings(page) == [], f"{name} at {label} px"
        screenshot(page, f"composer-{name}-{label}")
    page.set_viewport_size(DESK)


def local_input(delta):
    return (datetime.now(ZoneInfo("Europe/Berlin")) + delta).strftime("%Y-%m-%dT%H:%M")


def pk_of(page):
    return int(re.search(r"/announcement/(\d+)/", page.url).group(1))


def stored_params(stack, pk):
    code = (
        "import json; from announcements.models import Announcement as A; "
        f"a = A.objects.get(pk={pk}); print(json.dumps([a.status, a.template_params]))"
    )
    return json.loads(stack.orm(code))


def test_composer_journey(stack, login, screenshot, tmp_path):
    editor = login("redaktion")
    image = staff.write_png(tmp_path / "dorffest.png")

    # Writing: the live preview on the add form, before anything is saved.
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Notiz: Dorffest-Termin")
    editor.fill("#id_heading", HEADING)
    editor.fill("#id_body", "\n\n".join(PARAGRAPHS))
    editor.set_input_files("#id_media", str(image))
    preview = editor.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Kommen Sie vorbei!")
    expect(editor.locator("[data-testid=preview-counter]")).to_contain_text(
        "3 von höchstens 5 Absätzen"
    )
    # The chosen image shows before it is uploaded.
    shown_image = editor.locator("[data-testid=phone] img[data-testid=preview-image]")
    expect(shown_image).to_be_visible()
    assert shown_image.evaluate("i => i.complete && i.naturalWidth") > 0
    expect(editor.locator("[data-testid=preview-footer]")).to_have_text(FOOTER)
    assert "Notiz" not in preview.inner_text()  # the internal title is not sent
    check_page(editor, screenshot, "add")

    editor.click("input[name=_continue]")
    editor.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    pk = pk_of(editor)
    shown_body = preview.inner_text()
    shown_footer = editor.locator("[data-testid=preview-footer]").inner_text()
    assert editor.locator("[data-testid=phone] img").evaluate("i => i.naturalWidth") > 0

    # What the phone receives is what the preview showed: paragraphs, header, footer.
    assert "Testsendung an 1 Nummer(n) verschickt" in staff.press(editor, "test_send")

    def test_sends(messages):
        return [m for m in messages if HEADING in (m.get("rendered") or "")]

    arrived = stack.sim.wait_for(test_sends, timeout=10, what="test send", to=OFFICE_TEST_NUMBER)
    received = test_sends(arrived)[-1]
    assert received["template"]["header"]["type"] == "image"
    assert received["template"]["params"] == [HEADING, *PARAGRAPHS]
    body_and_footer = received["rendered"].split("\n", 1)[1]  # after the image line
    # The phone shows *Samstag* in bold: the markers are formatting, the rest is the same.
    assert re.sub(r"[*_~]", "", body_and_footer) == f"{shown_body}\n\n{shown_footer}"
    assert "*Samstag*" in body_and_footer and "*Dorffest in Titz*" in body_and_footer
    bold = preview.locator("strong").all_inner_texts()
    assert bold == [HEADING, "Samstag"]

    # Submitting with unsaved edits submits the edited text.
    editor.fill("#id_body", "\n\n".join([*PARAGRAPHS[:2], "Kommen Sie zahlreich!"]))
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")
    status, params = stored_params(stack, pk)
    assert status == "submitted" and params[-1] == "Kommen Sie zahlreich!"

    # A validation error keeps the image.
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Ohne Überschrift")
    editor.fill("#id_body", "Ein Absatz.")
    editor.set_input_files("#id_media", str(image))
    editor.click("input[name=_continue]")
    expect(editor.locator(".errornote, ul.errorlist").first).to_be_visible()
    expect(editor.locator(".field-heading ul.errorlist")).to_contain_text(
        "Bitte geben Sie eine Überschrift an"  # at the field it is about
    )
    expect(editor.locator("[data-testid=staged-upload]")).to_be_visible()
    editor.fill("#id_heading", "Mit Überschrift")
    editor.click("input[name=_continue]")
    editor.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    assert editor.locator("[data-testid=phone] img").evaluate("i => i.naturalWidth") > 0

    # Scheduling: a past time is refused, a future one is shown everywhere.
    approver = login("freigabe")
    approver.goto(staff.change_url(pk))
    refused = staff.press(approver, "approve", scheduled_at=local_input(timedelta(hours=-2)))
    assert "Der geplante Zeitpunkt liegt in der Vergangenheit." in refused
    assert staff.status(approver) == "Zur Freigabe eingereicht"
    when = local_input(timedelta(days=2))
    done = staff.press(approver, "approve", scheduled_at=when)
    day = f"{when[8:10]}.{when[5:7]}.{when[:4]}"
    assert "Die Nachricht ist freigegeben und wird am" in done and day in done
    expect(approver.locator("[data-testid=scheduled]")).to_contain_text(f"{day}, {when[11:]} Uhr")
    check_page(approver, screenshot, "approved")
    approver.set_viewport_size(PHONE)
    for button in approver.locator(".workflow .button, .workflow button").all():
        if button.is_visible():
            assert button.bounding_box()["height"] >= 44, button.inner_text()
    approver.set_viewport_size(DESK)
    approver.goto("/admin/announcements/announcement/")
    row = approver.get_by_role("row", name=re.compile("Notiz: Dorffest-Termin"))
    expect(row).to_contain_text(f"{day}, {when[11:]} Uhr")
    check_page(approver, screenshot, "list")

    # Cancelling asks first and says what cannot be undone.
    approver.goto(staff.change_url(pk))
    approver.get_by_role("link", name=re.compile("Nachricht endgültig verwerfen")).click()
    question = approver.locator("[data-testid=confirm]")
    expect(question).to_contain_text("Das lässt sich nicht rückgängig machen.")
    check_page(approver, screenshot, "confirm-cancel")
    assert stored_params(stack, pk)[0] == "approved"
    question.get_by_role("button", name="Nachricht endgültig verwerfen").click()
    approver.wait_for_load_state()
    assert staff.status(approver) == "Abgebrochen"
