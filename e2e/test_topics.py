"""A resident chooses topics and English on the phone page; staff send one message for one
topic in German and English; the phone shows the English text, a resident without the
topic gets nothing (issue 13)."""

import re

import pytest
from playwright.sync_api import expect

from . import staff

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

EMMA, FRANZ = "4915100000071", "4915100000072"  # Emma uses the phone page; Franz writes
DROPPED = ["Baustellen und Verkehr", "Veranstaltungen", "Verwaltung und Rat"]
KEPT = ["Abfall", "Kinder und Familie"]
ENGLISH = "The paper collection moves to Tuesday."


def last_reply(phone):
    return phone.locator(".bubble.in").last


def tap_row(phone, title):
    """Open the newest list message and tap the row called ``title``."""
    bubble = last_reply(phone)
    bubble.locator("summary").click()
    bubble.get_by_role("button", name=title).click()


def test_resident_chooses_topics_and_english_staff_send_for_one_topic(
    stack, phone, login, screenshot
):
    phone.fill("#number", EMMA)
    phone.locator("button[data-text=Start]").click()
    welcome = phone.locator(".bubble.in", has_text="Willkommen").first
    expect(welcome).to_be_visible(timeout=30_000)
    welcome.get_by_role("button", name="Themen wählen").click()
    expect(phone.locator(".bubble.in")).to_have_count(2, timeout=30_000)
    for count, topic in enumerate(DROPPED, start=3):
        tap_row(phone, f"✓ {topic}")
        expect(phone.locator(".bubble.in")).to_have_count(count, timeout=30_000)
    expect(last_reply(phone)).to_contain_text("Ihre Themen: Abfall, Kinder und Familie")
    last_reply(phone).locator("summary").click()
    screenshot(phone, "13-phone-topics")

    welcome.get_by_role("button", name="Sprache / Language").click()
    expect(phone.locator(".bubble.in")).to_have_count(6, timeout=30_000)
    tap_row(phone, "English")
    expect(last_reply(phone)).to_contain_text("From now on we will reply", timeout=30_000)
    chosen = stack.orm(
        "from subscribers.models import Subscriber; s = Subscriber.objects.order_by('-pk')[0]; "
        "print(s.language, sorted(s.topics.values_list('name', flat=True)))"
    )
    assert chosen == f"en {sorted(KEPT)}", chosen

    assert stack.sim.inbound(FRANZ, "Start") == 200
    assert stack.sim.inbound(FRANZ, "Themen Veranstaltungen") == 200

    editor = login("redaktion")
    editor.goto(staff.ADD_URL)
    editor.fill("#id_title", "Papiertonne")
    editor.fill("#id_heading", "Papiertonne")
    editor.fill("#id_body", "Die Papierabfuhr ist am Dienstag.")
    editor.get_by_label("Abfall", exact=True).check()
    editor.locator(".add-row a").click()
    editor.select_option("#id_versions-0-language", "en")
    english_template = stack.orm(
        "from announcements.models import MessageTemplate; "
        "print(MessageTemplate.objects.get(name='titz_nachricht', language='en').pk)"
    )
    editor.select_option("#id_versions-0-template", value=english_template)
    editor.fill("#id_versions-0-title", "Paper bin")
    editor.fill("#id_versions-0-body", ENGLISH)
    editor.click("input[name=_continue]")
    editor.wait_for_load_state()
    expect(editor.locator("ul.errorlist")).to_have_count(0)
    editor.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    pk = int(re.search(r"/announcement/(\d+)/change/", editor.url).group(1))
    expect(editor.locator("[data-testid=preview-en]")).to_contain_text(ENGLISH)
    audience = editor.locator("[data-testid=audience]")
    expect(audience).to_contain_text(re.compile(r"erreicht \d+ von \d+ Abonnenten"))
    screenshot(editor, "13-composer-topics-versions")
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")

    approver = login("freigabe")
    approver.goto(staff.change_url(pk))
    assert "freigegeben" in staff.press(approver, "approve")
    staff.wait_for_counts(approver, pk, lambda c: c["queued"] == 0, 90, "the broadcast")

    expect(last_reply(phone)).to_contain_text(ENGLISH, timeout=30_000)
    expect(last_reply(phone)).to_contain_text("Municipality of Titz informs")
    screenshot(phone, "13-phone-english")
    templates_to_franz = [m for m in stack.sim.messages(to=FRANZ) if m["type"] == "template"]
    assert templates_to_franz == []
