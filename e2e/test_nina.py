"""An official warning from NINA, through approval, out to the phones, and its all-clear.

The simulator's NINA stand-in plays the authority (MoWaS); the stack's beat polls it
every second (``NINA_POLL_SECONDS`` in ``e2e/stack.py``), the approver gets the mail
(console backend: the worker's log) and approves in the browser.
"""

import pytest
from playwright.sync_api import expect

from tests.fixtures.processes import wait_until

from . import staff
from .accessibility import violations
from .test_journeys import subscribe

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
HEADLINE = "Großbrand in Titz-Ameln: Fenster und Türen geschlossen halten"
NUMBERS = ["4915100000031", "4915100000032"]


def nina(stack, action, **data):
    return stack.sim._call("POST", f"/_sim/nina/{action}", json=data)


def waiting_row(page, text):
    """Reload the overview until the imported-warnings block lists ``text``."""

    def shown():
        page.goto("/admin/")
        block = page.locator("[data-testid=nina-waiting]")
        return block if block.count() and text in block.inner_text() else None

    return wait_until(shown, 60, f"overview: {text} waiting", interval=1.0)


def test_mowas_warning_approved_sent_urgently_then_all_clear(stack, login, screenshot):
    subscribe(stack, NUMBERS)
    identifier = nina(
        stack,
        "warnings",
        provider="MOWAS",
        severity="Severe",
        headline=HEADLINE,
        description="Starker Rauch<br/>zieht nach Osten.",
        instruction="Halten Sie Fenster und Türen geschlossen.",
        areas=["Gemeinde Titz"],
    )["id"]
    approver = login("freigabe")

    block = waiting_row(approver, HEADLINE)
    screenshot(approver, "7-nina-warning-waiting")
    expect(block).to_contain_text("dringend")
    assert violations(approver) == []
    approver.set_viewport_size({"width": 390, "height": 844})
    screenshot(approver, "7-nina-warning-waiting-phone")
    assert violations(approver) == []
    approver.set_viewport_size({"width": 1280, "height": 900})
    mail = stack.log("worker")  # the console mail backend writes to the worker's output
    assert "Eine amtliche Warnung wurde aus NINA übernommen" in mail
    assert "freigabe@gemeinde.example" in mail
    block.locator("a", has_text=HEADLINE).click()
    assert staff.status(approver) == "Zur Freigabe eingereicht"
    assert "freigegeben" in staff.press(approver, "approve")

    def arrived():
        got = [
            m["to"]
            for m in stack.sim.messages()
            if m["type"] == "template" and HEADLINE in (m["rendered"] or "")
        ]
        return got if set(NUMBERS) <= set(got) else None

    wait_until(arrived, 60, "the warning on the phones", interval=0.5)
    warning_pk = int(approver.url.rstrip("/").split("/")[-2])
    urgent = stack.orm(
        "from announcements.models import Announcement; "
        f"a = Announcement.objects.get(pk={warning_pk}); print(a.urgent, a.valid_until is not None)"
    )
    assert urgent == "True True"
    assert "Quelle: MoWaS / NINA" in next(
        m["rendered"] for m in stack.sim.messages() if HEADLINE in (m["rendered"] or "")
    )

    nina(stack, "cancel", id=identifier, description="Der Brand ist gelöscht.")
    block = waiting_row(approver, f"Entwarnung: {HEADLINE}")
    screenshot(approver, "7-nina-all-clear-offered")
    expect(block).to_contain_text("Zur Freigabe eingereicht")
