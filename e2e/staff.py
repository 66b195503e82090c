"""What staff do in the admin, as browser steps shared by the journeys.

Every step clicks what a person clicks and reads what a person reads (the flash message,
the status line, the statistics table), so a journey fails where a person would get stuck.
"""

import re
import struct
import zlib

from playwright.sync_api import expect

from tests.fixtures.processes import NotReady, wait_until

ADD_URL = "/admin/announcements/announcement/add/"
# Row labels of the "Zustellung" table on the change form, as staff read them.
COUNT_LABELS = {
    "total": "Empfänger",
    "queued": "in der Warteschlange",
    "sent": "gesendet",
    "delivered": "zugestellt",
    "read": "gelesen",
    "failed": "fehlgeschlagen",
    "cancelled": "abgebrochen",
}


def change_url(pk):
    return f"/admin/announcements/announcement/{pk}/change/"


def write_png(path, width=96, height=64):
    """A real PNG (green field, white stripe) so the upload passes the magic-byte check."""
    rows = b""
    for y in range(height):
        pixel = b"\xff\xff\xff" if height // 3 <= y < height // 3 + 8 else b"\x07\x5e\x54"
        rows += b"\x00" + pixel * width

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def write_announcement(page, title, body, *, image=None, category=None, urgent=False, heading=None):
    """Fill the add form and save; returns the new announcement's id (from the URL).

    The heading is what residents read first; the journeys use the title for it unless
    told otherwise, so the messages they look for carry it.
    """
    page.goto(ADD_URL)
    page.fill("#id_title", title)
    page.fill("#id_heading", title if heading is None else heading)
    page.fill("#id_body", body)
    if category:
        page.select_option("#id_category", category)
    if urgent:
        page.check("#id_urgent")
    if image is not None:
        page.set_input_files("#id_media", str(image))
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/announcement/\d+/change/"))
    expect(page.locator("ul.errorlist")).to_have_count(0)
    return int(re.search(r"/announcement/(\d+)/change/", page.url).group(1))


def press(page, action, **fields):
    """Press a workflow button (``submit``, ``approve``, ...); returns the flash messages.

    Submitting goes with the form (edits are saved first); approving is "now" or, with
    ``scheduled_at``, "for this time"; pausing, stopping and cancelling ask on a page of
    their own, which this confirms.
    """
    workflow = page.locator(".workflow").first
    if action == "submit":
        workflow.locator("button[name=_submit]").click()
    elif action == "approve":
        form = workflow.locator("form[data-action=approve]")
        if fields.get("scheduled_at"):
            form.locator("[name=scheduled_at]").fill(fields["scheduled_at"])
            form.locator("button[value=later]").click()
        else:
            form.locator("button[value=now]").click()
    elif workflow.locator(f"a[href$='/aktion/{action}/']").count():
        workflow.locator(f"a[href$='/aktion/{action}/']").click()
        page.wait_for_load_state()
        question = page.locator("[data-testid=confirm]")
        for name, value in fields.items():
            question.locator(f"[name={name}]").fill(value)
        question.locator(f"button[value={action}]").click()
    else:
        form = workflow.locator(f"form[data-action={action}]")
        for name, value in fields.items():
            form.locator(f"[name={name}]").fill(value)
        form.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    return page.locator("ul.messagelist").inner_text()


def status(page):
    return page.locator(".workflow p strong").first.inner_text()


def delivery_counts(page):
    """The numbers of the change form's "Zustellung" table."""
    table = page.locator(".workflow table.stats").first
    counts = {}
    for key, label in COUNT_LABELS.items():
        cell = table.locator(f"tr:has(th:text-is('{label}')) td")
        counts[key] = int(cell.inner_text())
    return counts


def wait_for_counts(page, pk, predicate, timeout, what):
    """Reload the statistics until ``predicate(counts)`` holds; return the counts."""
    seen = {}

    def shown():
        page.goto(change_url(pk))
        seen["counts"] = delivery_counts(page) if page.locator("table.stats").count() else {}
        return seen["counts"] if seen["counts"] and predicate(seen["counts"]) else None

    try:
        return wait_until(shown, timeout, f"statistics: {what} shown", interval=0.5)
    except NotReady as error:
        raise NotReady(f"{error}: {seen.get('counts')}") from None
