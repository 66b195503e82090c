"""The journeys by which residents and staff judge the product, in a real browser.

Run in file order on one stack: residents subscribe first, later journeys add their own
residents through the same webhook. Time is never waited for when it can be moved: a
broadcast scheduled two minutes ahead is made due by moving its time in the database.
"""

import csv
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from whatsapp.errors import explain

from . import staff
from .stack import BATCH_SIZE, OFFICE_TEST_NUMBER

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# The phone page's demo residents (value of its number picker -> name shown there).
RESIDENTS = {"4915100000001": "Anna", "4915100000002": "Bernd", "4916000000003": "Clara"}
DIETER = "4917000000004"
WELCOME = "Willkommen beim WhatsApp-Infodienst"
GOODBYE = "Sie sind abgemeldet"


def number_spellings(number):
    """Ways a number could leak into HTML: E.164 with and without +, national, spaced."""
    national = "0" + number[2:]
    return {
        number,
        "+" + number,
        national,
        number[2:],
        f"+49 {number[2:5]} {number[5:]}",
        f"{national[:4]} {national[4:]}",
    }


def subscribe(stack, numbers):
    """Residents send "Start" through the real webhook; wait until each got its welcome."""
    numbers = list(numbers)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: stack.sim.inbound(n, "Start"), numbers))
    assert set(statuses) == {200}, statuses
    wanted = set(numbers)
    stack.sim.wait_for(
        lambda messages: (
            wanted <= {m["to"] for m in messages if m["type"] in ("text", "interactive")}
        ),
        # The embedded filesystem broker hands the worker one task per second.
        timeout=15 + 1.5 * len(wanted),
        what=f"welcome replies to {len(wanted)} residents",
        interval=0.2,
    )


def unsubscribe(stack, numbers):
    """Residents send "Stop"; wait until none of them is subscribed any more.

    The stack is shared by every E2E module: a journey that subscribes residents of its
    own stops them again, so the next one finds the demo's subscribers only.
    """
    numbers = list(numbers)
    for number in numbers:
        assert stack.sim.inbound(number, "Stop") == 200
    query = (
        "from subscribers.crypto import hash_identity;"
        " from subscribers.models import Subscriber;"
        f" print(Subscriber.objects.filter(number_hash__in=[hash_identity(n) for n in {numbers!r}])"
        ".count())"
    )
    stack.sim.wait_for(
        lambda _messages: stack.orm(query).splitlines()[-1] == "0",
        timeout=15 + 1.5 * len(numbers),
        what=f"{len(numbers)} residents unsubscribed",
        interval=0.5,
    )


@pytest.fixture
def residents(stack):
    """The phone page's three demo residents, subscribed (a no-op if they already are)."""
    subscribed = stack.orm(
        "from subscribers.models import Subscriber; print(Subscriber.objects.count())"
    )
    if int(subscribed) < len(RESIDENTS):
        subscribe(stack, RESIDENTS)
    return list(RESIDENTS)


def template_messages(stack, number, template):
    return [
        m
        for m in stack.sim.messages(to=number)
        if m["type"] == "template" and m.get("template", {}).get("name") == template
    ]


def test_1_residents_subscribe_and_no_number_shows_in_admin(stack, phone, login, screenshot):
    for number, name in RESIDENTS.items():
        phone.select_option("#demo", number)
        phone.locator("button[data-text=Start]").click()
        reply = phone.locator(".bubble.in").first
        expect(reply).to_contain_text(WELCOME, timeout=30_000)
        expect(phone.locator(".bubble.out").first).to_contain_text("Start")
        assert name in phone.locator("#demo option:checked").inner_text()
    screenshot(phone, "1-phone-start")

    admin = login("demo")
    expect(admin.locator("[data-testid=overview] .big").first).to_have_text("3")
    screenshot(admin, "1-admin-index")

    pages = crawl_admin(admin)
    assert any("/subscribers/subscriber/" in url for url in pages)
    assert any("/subscribers/consentevent/" in url for url in pages)
    leaks = {
        url: spelling
        for url, html in pages.items()
        for number in RESIDENTS
        for spelling in number_spellings(number)
        if spelling in html
    }
    assert not leaks, f"phone numbers visible in the admin: {leaks}"


def crawl_admin(page, limit=80):
    """Every admin page two links deep from the index (lists, then objects): url -> HTML."""
    skip = re.compile(r"logout|password|/add/|/delete/|export|\.csv|/datei/|/history/|jsi18n")
    seen, frontier = {}, ["/admin/"]
    for _depth in range(3):
        links = []
        for url in frontier:
            if url in seen or len(seen) >= limit:
                continue
            response = page.request.get(url)
            assert response.status < 500, f"{url} answered {response.status}"
            html = response.text()
            seen[url] = html
            links += re.findall(r'href="(/admin/[^"?#]*)', html)
        frontier = [link for link in dict.fromkeys(links) if not skip.search(link)]
    return seen


def test_5_auditor_exports_a_verifiable_consent_log(stack, residents, login, screenshot, tmp_path):
    editor = login("redaktion")
    draft = staff.write_announcement(editor, "Entwurf Haushaltsplan", "Noch nicht fertig.")

    auditor = login("pruefung")
    auditor.goto(staff.change_url(draft))
    expect(auditor.locator("#id_body, [data-testid=preview]")).to_have_count(0)
    assert "Noch nicht fertig" not in auditor.content()
    auditor.goto("/admin/announcements/announcement/")
    assert "Entwurf Haushaltsplan" not in auditor.content()

    auditor.goto("/admin/subscribers/consentevent/")
    expect(auditor.locator("#result_list tbody tr")).not_to_have_count(0)
    screenshot(auditor, "5-consent-log")
    auditor.get_by_role("link", name="Exportieren").click()
    auditor.select_option("#id_format", "csv")
    with auditor.expect_download() as download_info:
        auditor.locator("input[type=submit][value=Exportieren]").click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    assert exported.suffix == ".csv"

    verdict = stack.manage("verify_consent_log", str(exported)).stdout
    assert verdict.strip(), "verify_consent_log printed no verdict"
    text = exported.read_text(encoding="utf-8")
    for number in residents:
        assert not any(spelling in text for spelling in number_spellings(number))
    rows = [row for row in csv.reader(text.splitlines()) if row and "Anmeldung" in row]
    assert len(rows) >= len(residents)

    # The check is real: a changed keyword in one row breaks the chain.
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(text.replace(",start,", ",anmelden,", 1), encoding="utf-8")
    assert tampered.read_text(encoding="utf-8") != text
    rejected = stack.manage("verify_consent_log", str(tampered), check=False)
    assert rejected.returncode != 0, rejected.stdout


def messages_with(stack, marker, to=None):
    """Messages whose rendered text contains ``marker`` (a journey's unique title)."""
    return [m for m in stack.sim.messages(to=to) if marker in (m.get("rendered") or "")]


def berlin_local(delta):
    """A ``datetime-local`` value ``delta`` from now, in the office's time zone."""
    return (datetime.now(ZoneInfo("Europe/Berlin")) + delta).strftime("%Y-%m-%dT%H:%M")


def set_schedule(stack, pk, delta):
    """Set the announcement's sending time to now + ``delta`` in the database."""
    changed = stack.orm(
        "from datetime import timedelta; from django.utils import timezone; "
        "from announcements.models import Announcement; "
        f"print(Announcement.objects.filter(pk={pk})"
        f".update(scheduled_at=timezone.now() + timedelta(seconds={delta.total_seconds()})))"
    )
    assert changed == "1", changed


def test_2_editor_writes_approver_schedules_everyone_gets_it_once(
    stack, residents, login, screenshot, tmp_path
):
    title = "Dorffest in Jackerath"
    editor = login("redaktion")
    image = staff.write_png(tmp_path / "dorffest.png")
    pk = staff.write_announcement(editor, title, "*Samstag, 6. Juni* ab 14 Uhr", image=image)

    preview = editor.locator("[data-testid=preview]")
    expect(preview.locator("strong").nth(1)).to_have_text("Samstag, 6. Juni")
    expect(preview.locator("strong").first).to_have_text(title)  # the heading
    image_shown = editor.locator("[data-testid=phone] img")
    assert image_shown.evaluate("img => img.complete && img.naturalWidth") > 0
    screenshot(editor, "2-phone-preview")

    assert "Testsendung an 1 Nummer(n) verschickt" in staff.press(editor, "test_send")
    test_sends = messages_with(stack, title)
    assert [m["to"] for m in test_sends] == [OFFICE_TEST_NUMBER]
    assert test_sends[0]["callback_data"] == f"test:{pk}"
    assert test_sends[0]["template"]["name"] == "titz_meldung_bild_1"

    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")
    assert staff.status(editor) == "Zur Freigabe eingereicht"
    expect(editor.locator("form[data-action=approve]")).to_have_count(0)
    csrf = next(c["value"] for c in editor.context.cookies() if c["name"] == "csrftoken")
    forged = editor.request.post(  # the button is hidden; the server must refuse too
        f"/admin/announcements/announcement/{pk}/aktion/approve/",
        form={"csrfmiddlewaretoken": csrf},
        headers={"X-CSRFToken": csrf},
    )
    assert "Dazu fehlt Ihnen die Berechtigung" in forged.text()
    editor.goto(staff.change_url(pk))
    assert staff.status(editor) == "Zur Freigabe eingereicht"

    approver = login("freigabe")
    approver.goto(staff.change_url(pk))
    when = berlin_local(timedelta(minutes=2))
    assert "freigegeben" in staff.press(approver, "approve", scheduled_at=when)
    approver.goto("/admin/")
    expect(approver.get_by_role("row", name=re.compile(title))).to_contain_text(
        when.replace("T", " ")[-5:]
    )
    time.sleep(2.5)  # two beat ticks: a broadcast due in two minutes must not start
    assert len(messages_with(stack, title)) == 1
    approver.goto(staff.change_url(pk))
    assert staff.status(approver) == "Freigegeben"

    set_schedule(stack, pk, timedelta(seconds=-1))  # two minutes pass
    counts = staff.wait_for_counts(
        approver, pk, lambda c: c["read"] == len(residents), 30, "all three read"
    )
    assert counts == {
        "total": 3, "queued": 0, "sent": 3, "delivered": 3, "read": 3, "failed": 0, "cancelled": 0
    }  # fmt: skip
    assert staff.status(approver) == "Gesendet"
    for number in residents:
        received = messages_with(stack, title, to=number)
        assert len(received) == 1, (number, received)
        reported = [s["status"] for s in received[0]["statuses"]]
        assert reported[:3] == ["sent", "delivered", "read"], reported
    assert len(messages_with(stack, title)) == 1 + len(residents)
    screenshot(approver, "2-statistics")


def test_6_undeliverable_number_fails_with_explanation_and_is_not_retried(
    stack, residents, login, screenshot
):
    title = "Wasserrohrbruch in Ameln"
    subscribe(stack, [DIETER])
    stack.sim.configure(undeliverable=[DIETER])
    try:
        editor = login("redaktion")
        pk = staff.write_announcement(editor, title, "Bitte Leitungswasser abkochen.")
        staff.press(editor, "submit")
        approver = login("freigabe")
        approver.goto(staff.change_url(pk))
        assert "freigegeben" in staff.press(approver, "approve")
        counts = staff.wait_for_counts(
            approver,
            pk,
            lambda c: c["queued"] == 0 and c["failed"] == 1 and c["delivered"] == c["total"] - 1,
            30,
            "one failure, the rest delivered",
        )
        assert counts["total"] - 1 >= len(residents)
        failures = approver.locator("table.stats").nth(1)
        expect(failures).to_contain_text("131026")
        expect(failures).to_contain_text(str(explain(131026))[:40])
        screenshot(approver, "6-failure-statistics")

        time.sleep(3.5)  # three beat ticks: a retry would have been handed out by now
        assert len(messages_with(stack, title, to=DIETER)) == 1
        attempts = stack.orm(
            "from announcements.models import Delivery; "
            f"print(list(Delivery.objects.filter(announcement_id={pk}, status='failed')"
            ".values_list('attempts', flat=True)))"
        )
        assert attempts == "[1]"
        approver.goto(staff.change_url(pk))
        assert staff.delivery_counts(approver)["failed"] == 1
    finally:
        stack.sim.configure(undeliverable=[])


# A broadcast "to many": the simulator's numbers beyond the phone page's demo residents.
MANY = [f"4915200{i:06d}" for i in range(60)]


def approved_broadcast(login, title, body, **fields):
    """Written and submitted by Redaktion, approved by Freigabe; returns (pk, approver page)."""
    editor = login("redaktion")
    pk = staff.write_announcement(editor, title, body, **fields)
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")
    approver = login("freigabe")
    approver.goto(staff.change_url(pk))
    return pk, approver


def code_in_welcome(stack, number):
    welcome = next(m for m in stack.sim.messages(to=number) if WELCOME in (m["text"] or ""))
    return re.search(r"Kennziffer: (\S+)\.", welcome["text"]).group(1)


def test_3_stop_during_a_broadcast_ends_all_messages(stack, residents, login, phone, screenshot):
    title = "Sperrung der Landstraße"
    subscribe(stack, MANY[:-1])
    stopper = MANY[-1]  # subscribed last, so fanned out and sent last
    subscribe(stack, [stopper])
    code = code_in_welcome(stack, stopper)
    pk, approver = approved_broadcast(login, title, "Die L 12 ist bis Freitag gesperrt.")
    stack.sim.configure(delay_ms=150)  # a slow Meta keeps the broadcast running for seconds
    try:
        assert "freigegeben" in staff.press(approver, "approve")
        stack.sim.wait_for(
            lambda ms: any(title in (m["rendered"] or "") for m in ms), 30, title, interval=0.2
        )

        phone.fill("#number", stopper)
        phone.locator("button[data-text=Stop]").click()
        expect(phone.locator(".bubble.in").last).to_contain_text(GOODBYE, timeout=20_000)
        assert not messages_with(stack, title, to=stopper), "Stop came too late to test"

        counts = staff.wait_for_counts(approver, pk, lambda c: c["queued"] == 0, 60, "the end")
    finally:
        stack.sim.configure(delay_ms=0)
    phone.wait_for_timeout(1500)  # the phone page polls once a second
    screenshot(phone, "3-phone-stop")
    assert counts["cancelled"] == 1
    assert counts["sent"] == counts["total"] - 1
    received = stack.sim.messages(to=stopper)
    goodbye = next(i for i, m in enumerate(received) if GOODBYE in (m["text"] or ""))
    assert received[goodbye + 1 :] == [], received[goodbye + 1 :]
    assert not messages_with(stack, title, to=stopper)
    assert len(messages_with(stack, title)) == counts["total"] - 1

    auditor = login("pruefung")
    auditor.goto(f"/admin/subscribers/consentevent/?action=opt_out&q={code}")
    row = auditor.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Abmeldung")
    expect(row).to_contain_text(code)
    screenshot(auditor, "3-consent-log-opt-out")


def test_4_urgent_warning_overtakes_a_running_broadcast(stack, residents, login, screenshot):
    news, warning = "Neues aus dem Gemeinderat", "Unwetterwarnung Sturmböen"
    subscribe(stack, MANY[:-1])
    editor = login("redaktion")
    urgent_pk = staff.write_announcement(
        editor, warning, "Sturmböen bis 90 km/h erwartet.", category="warning", urgent=True
    )
    assert "zur Freigabe eingereicht" in staff.press(editor, "submit")
    news_pk, approver = approved_broadcast(login, news, "Die Sitzung vom Dienstag im Überblick.")
    stack.sim.configure(delay_ms=120)  # the news takes about ten seconds
    try:
        assert "freigegeben" in staff.press(approver, "approve")
        stack.sim.wait_for(
            lambda ms: any(news in (m["rendered"] or "") for m in ms), 30, news, interval=0.2
        )
        approver.goto(staff.change_url(urgent_pk))
        assert "freigegeben" in staff.press(approver, "approve")
        waiting = set(MANY[:-1]) - {m["to"] for m in messages_with(stack, news)}
        staff.wait_for_counts(approver, urgent_pk, lambda c: c["queued"] == 0, 60, "warning")
        screenshot(approver, "4-urgent-warning")
        staff.wait_for_counts(approver, news_pk, lambda c: c["queued"] == 0, 60, "the news")
    finally:
        stack.sim.configure(delay_ms=0)

    # Still running when the warning was approved: the journey tests something.
    assert len(waiting) > len(MANY) // 2, "the news was nearly done at approval"
    arrivals = {}  # number -> {marker: accepted_at}
    for message in stack.sim.messages():
        for marker in (warning, news):
            if marker in (message["rendered"] or ""):
                arrivals.setdefault(message["to"], {})[marker] = message["accepted_at"]
    assert all(len(arrivals[number]) == 2 for number in waiting), "a phone missed one"
    # Only rows a batch step had already claimed (one step per lane) may still go first.
    in_flight = 2 * BATCH_SIZE
    overtaken = [number for number in waiting if arrivals[number][warning] < arrivals[number][news]]
    assert len(overtaken) >= len(waiting) - in_flight, (
        f"the warning reached only {len(overtaken)} of {len(waiting)} waiting phones first"
    )


def test_7_a_username_resident_subscribes_and_stops_on_the_phone_page(stack, phone, screenshot):
    """No number in any webhook: the app answers the BSUID (``recipient``) alone."""
    emil = "DE.5500000000000000005"
    phone.select_option("#demo", emil)
    phone.locator("button[data-text=Start]").click()
    expect(phone.locator(".bubble.in").first).to_contain_text(WELCOME, timeout=30_000)
    assert "keine Nummer" in phone.locator("#demo option:checked").inner_text()
    [welcome, *_] = stack.sim.messages(to=emil)
    assert welcome["to"] is None and welcome["request"]["recipient"] == emil
    phone.locator("button[data-text=Stop]").click()
    expect(phone.locator(".bubble.in").last).to_contain_text(GOODBYE, timeout=30_000)
    screenshot(phone, "7-phone-username")
    assert (
        stack.orm(
            "from subscribers.crypto import hash_identity;"
            " from subscribers.models import Subscriber;"
            f" print(Subscriber.objects.filter(user_id_hash=hash_identity({emil!r})).count())"
        )
        == "0"
    )


def test_8_a_resident_at_the_reply_cap_still_gets_the_goodbye(stack):
    """Issue 26: a curious resident uses up the day's answers, then sends "Stop"; the
    goodbye still comes (the welcome and goodbye are never held back), and the consent
    log has the opt-in, the coalesced topic choice and the opt-out, nothing more."""
    curious = "4917000000077"

    def answers():
        return [m for m in stack.sim.messages(to=curious) if m["type"] in ("text", "interactive")]

    assert stack.sim.inbound(curious, "Start") == 200
    stack.sim.wait_for(lambda _m: len(answers()) == 1, timeout=30, what="the welcome")
    # "Themen ..." answers are per choice, not throttled by kind: only the cap stops them.
    for index in range(12):
        assert stack.sim.inbound(curious, "Themen alle" if index % 2 else "Themen Abfall") == 200
    stack.sim.wait_for(lambda _m: len(answers()) == 11, timeout=60, what="ten answers")
    time.sleep(2)  # the two over the cap must stay unanswered
    assert len(answers()) == 11

    assert stack.sim.inbound(curious, "Stop") == 200
    stack.sim.wait_for(
        lambda _m: GOODBYE in (answers()[-1].get("rendered") or ""),
        timeout=30,
        what="the goodbye after the cap",
    )
    assert len(answers()) == 12
    log = stack.orm(
        "from subscribers.models import ConsentEvent, Subscriber;"
        "from subscribers.crypto import hash_identity;"
        f"rows = ConsentEvent.objects.filter(number_hash=hash_identity('{curious}'));"
        "print(','.join(rows.order_by('seq').values_list('action', flat=True)));"
        f"print(Subscriber.objects.filter(number_hash=hash_identity('{curious}')).count())"
    ).splitlines()
    assert log[-2:] == ["opt_in,topics_changed,topics_changed,opt_out", "0"]
