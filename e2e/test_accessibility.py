"""axe-core on the staff pages this round changed: the login, the overview and the
composer (its upload widget), on a desk and on a 390 px phone screen.

axe-core runs in the page (axe-playwright-python bundles it; nothing is downloaded), so
what it reports is what a screen-reader user would meet.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from . import staff

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
PAGES = {"Übersicht": "/admin/", "Neue Nachricht": staff.ADD_URL}


def violations(page):
    found = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found]


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_pages_have_no_axe_violations(stack, new_context, login, width):
    anonymous = new_context(stack.base_url).new_page()
    anonymous.set_viewport_size({"width": width, "height": 844})
    anonymous.goto("/admin/login/")
    assert violations(anonymous) == [], "Anmeldung"

    page = login("redaktion")
    page.set_viewport_size({"width": width, "height": 844})
    for name, url in PAGES.items():
        page.goto(url)
        assert violations(page) == [], name
