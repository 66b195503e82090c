"""Fixtures for the browser journeys: Debian's Chromium, the running stack, staff logins.

One stack serves the whole session (starting it costs seconds); the journeys run in the
order of ``test_journeys.py`` and each one brings the residents it needs through the
real webhook, so a journey run alone (``-k``) still finds its world.
"""

import os
import re
from pathlib import Path

import pytest

from .stack import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
# `make screenshots` writes them into docs/ for the README; a test run leaves docs/ alone.
SCREENSHOTS = ROOT / os.environ.get("E2E_SCREENSHOTS_DIR", "var/screenshots")
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium():
    """Playwright must drive Debian's browser: it may never download one of its own."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"E2E needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def stack(chromium, tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("e2e-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def new_context(chromium, stack):
    """Open browser contexts (separate cookie jars = separate people); closed after the test."""
    contexts = []

    def make(base_url):
        context = chromium.new_context(
            base_url=base_url, viewport=VIEWPORT, locale="de-DE", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login(new_context, stack):
    """``login("redaktion")`` returns an admin page logged in as that demo user."""
    from staff.demo import DEMO_USERS

    def log_in(username):
        page = new_context(stack.base_url).new_page()
        page.goto("/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_USERS[username][1])
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        return page

    return log_in


@pytest.fixture
def phone(new_context, stack):
    """The simulator's phone page in its own browser context."""
    page = new_context(stack.sim_url).new_page()
    page.goto("/")
    return page


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` writes name.png into ``SCREENSHOTS``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page, "what")``: fail on critical/serious axe-core findings.

    Call it on every page a journey shows.
    """
    from .accessibility import violations

    def check(page, what=""):
        found = violations(page)
        assert not found, f"axe-core on {what or page.url}: {found}"

    return check
