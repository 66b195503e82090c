"""The auditor checks the consent log in the browser (issue 12, point 6): the stored
chain, a downloaded export, and the same file with one row changed, which is refused at
that row. And the simulator's phone page fits a 390 px screen (point 9)."""

import re

import pytest
from playwright.sync_api import expect

from .test_journeys import RESIDENTS, subscribe

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

VERIFY = "/admin/subscribers/consentevent/verify/"


@pytest.fixture
def residents(stack):
    subscribed = stack.orm(
        "from subscribers.models import Subscriber; print(Subscriber.objects.count())"
    )
    if int(subscribed) < len(RESIDENTS):
        subscribe(stack, RESIDENTS)


def verdict(page):
    box = page.get_by_test_id("verdict")
    expect(box).to_be_visible()
    return re.sub(r"\s+", " ", box.inner_text())


def test_auditor_verifies_the_log_and_finds_a_tampered_file(
    residents, login, assert_accessible, screenshot, tmp_path
):
    auditor = login("pruefung")
    auditor.goto("/admin/subscribers/consentevent/")
    expect(auditor.get_by_text("Anmeldung per WhatsApp").first).to_be_visible()
    auditor.get_by_role("link", name="Prüfen", exact=True).click()
    auditor.get_by_role("button", name="Protokoll jetzt prüfen").click()
    stored = verdict(auditor)
    assert "Unverändert" in stored and "die Kette ist unversehrt" in stored, stored
    assert_accessible(auditor, "Prüfen: gespeichertes Protokoll")
    screenshot(auditor, "5-consent-log-verified")

    auditor.goto("/admin/subscribers/consentevent/export/")
    assert_accessible(auditor, "Exportieren")
    with auditor.expect_download() as download_info:
        auditor.locator("input[type=submit][value=Exportieren]").click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("# titz-consent-log/4")
    assert "Nr.,Zeitpunkt,Vorgang,Weg,Kennziffer" in text
    assert re.search(r"\+0[12]:00,Anmeldung,per WhatsApp-Nachricht,", text)

    auditor.goto(VERIFY)
    auditor.set_input_files("#id_file", str(exported))
    auditor.get_by_role("button", name="Datei prüfen").click()
    intact = verdict(auditor)
    assert "Unverändert" in intact and exported.name in intact, intact
    assert "Signiert" in intact and "stimmt mit dem gespeicherten Protokoll" in intact, intact
    expect(auditor.get_by_test_id("signing-keys")).to_contain_text("BEGIN PUBLIC KEY")

    lines = text.splitlines(keepends=True)
    first_row = next(i for i, line in enumerate(lines) if line.startswith("1,"))
    target = first_row + 1  # Nr. 2
    assert ",Anmeldung," in lines[target]
    lines[target] = lines[target].replace(",Anmeldung,", ",Abmeldung,", 1)
    tampered = tmp_path / "einwilligungen-veraendert.csv"
    tampered.write_text("".join(lines), encoding="utf-8")
    auditor.goto(VERIFY)
    auditor.set_input_files("#id_file", str(tampered))
    auditor.get_by_role("button", name="Datei prüfen").click()
    refused = verdict(auditor)
    assert "Verändert oder unvollständig" in refused, refused
    assert f"Fehler bei Eintrag Nr. 2 (Zeile {target + 1} der Datei)" in refused, refused
    assert_accessible(auditor, "Prüfen: veränderte Datei")
    screenshot(auditor, "5-consent-log-tampered-file")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_phone_page_fits_the_screen_and_is_accessible(
    residents, phone, assert_accessible, screenshot, width
):
    phone.set_viewport_size({"width": width, "height": 844})
    phone.select_option("#demo", next(iter(RESIDENTS)))
    expect(phone.locator(".bubble.in").first).to_be_visible(timeout=30_000)
    expect(phone.locator(".meta.read").first).to_be_visible(timeout=30_000)
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the phone page scrolls sideways by {overflow} px at {width} px"
    assert_accessible(phone, f"Telefon-Simulator {width}px")
    screenshot(phone, f"phone-{width}")
