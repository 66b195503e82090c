"""axe-core on every admin page a staff role can open, for each demo login, on a desk
and on a 390 px phone screen (issue 12, point 10), and the login page.

The crawl follows the links a person can click from the overview (one page per shape:
the first consent log entry stands for all of them) plus the pages reached from the user
menu and the 2FA set-up. Any critical or serious finding fails.
"""

import pytest

from staff.demo import DEMO_USERS

from .accessibility import crawl

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

WIDTHS = [1280, 390]
EXTRA = ["/admin/password_change/", "/admin/2fa/einrichten/"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_login_page_is_accessible(stack, new_context, assert_accessible, width):
    page = new_context(stack.base_url).new_page()
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/admin/login/")
    assert_accessible(page, "Anmeldung")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_every_page_a_role_opens_is_accessible(login, assert_accessible, username, width):
    page = login(username)
    page.set_viewport_size({"width": width, "height": 844})
    visited = []
    for url in crawl(page, extra=EXTRA):
        assert_accessible(page, f"{username} {width}px {url}")
        visited.append(url)
    assert "/admin/password_change/" in visited
    assert len(visited) >= 6, visited
