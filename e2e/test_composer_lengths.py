"""Lists, lengths and headings said while typing, in Chromium (issue 23, point 5): a
pasted long heading stays whole and the live counter says it, a list joins its
paragraph in the phone preview, a sixth paragraph draws no phone without it, and the
counter's number is the error's on save. axe-core stays at zero with these messages."""

import re

import pytest
from playwright.sync_api import expect

from . import staff

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
LONG_HEADING = "Vollsperrung der Landstraße zwischen Titz und Jackerath ab Montag"
WITH_LIST = (
    "Das Bürgerbüro zieht um.\n\nAb Montag im Rathaus.\n\nTermine bleiben gültig.\n\n"
    "Bitte mitbringen:\n- Ausweis\n- Foto\n- Formular"
)


def test_the_live_counter_says_what_does_not_fit(login, assert_accessible):
    editor = login("redaktion")
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Bürgerbüro (intern)")
    editor.fill("#id_heading", LONG_HEADING)  # as pasted: the input keeps all 65
    assert editor.input_value("#id_heading") == LONG_HEADING
    editor.fill("#id_body", WITH_LIST)
    counter = editor.locator("[data-testid=preview-counter]")
    expect(counter).to_contain_text("Überschrift 65 von höchstens 60 Zeichen, bitte kürzen")
    expect(counter).to_contain_text("4 von höchstens 5 Absätzen")
    preview = editor.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Bitte mitbringen: • Ausweis • Foto • Formular")
    assert_accessible(editor, "composer with a long heading")

    editor.fill("#id_heading", "Bürgerbüro zieht um")
    editor.fill("#id_body", WITH_LIST + "\n\nSechster Absatz.\n\nSiebter Absatz.")
    expect(counter).to_contain_text("6 von höchstens 5 Absätzen")
    expect(editor.locator("[data-testid=phone]")).to_have_count(0)
    expect(editor.locator("[data-testid=preview-problems]")).to_contain_text(
        "Der Text hat 6 Absätze; höchstens 5 passen."
    )
    assert_accessible(editor, "composer with too many paragraphs")

    editor.fill("#id_body", "Ein sehr langer Absatz. " * 60)
    expect(counter).to_contain_text("Zeichen zu viel")
    over = re.search(r"(\d+) Zeichen zu viel", counter.inner_text()).group(1)
    editor.click("input[name=_continue]")
    expect(editor.locator(".errornote, ul.errorlist").first).to_be_visible()
    expect(editor.locator("ul.errorlist").first).to_contain_text(
        f"Bitte kürzen Sie den Text um {over} Zeichen."
    )
    expect(editor.locator("#id_heading")).to_have_value("Bürgerbüro zieht um")
