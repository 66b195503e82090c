"""The data-protection documents as the auditor (Prüfung) meets them: each page at desk and
phone width and as printed, axe-clean, and the downloads answer with their files."""

import pytest

from .accessibility import ALL, violations

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
SLUGS = ["verzeichnis", "loeschkonzept", "tom", "dsfa"]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_documents_read_well_and_have_no_axe_violations(login, screenshot, width):
    page = login("pruefung")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/admin/datenschutz/")
    assert violations(page, impacts=ALL) == [], "Übersicht"
    screenshot(page, f"privacy-index-{width}")
    for slug in SLUGS:
        page.goto(f"/admin/datenschutz/{slug}/")
        assert page.get_by_test_id("privacy-document").is_visible()
        assert violations(page, impacts=ALL) == [], slug
        if width == 390:
            # Buttons a thumb can hit.
            for button in page.locator(".doc-actions .button").all():
                assert button.bounding_box()["height"] >= 44
        screenshot(page, f"privacy-{slug}-{width}")
        if width == 1280:
            page.emulate_media(media="print")
            assert not page.locator("#header").is_visible()
            assert not page.locator(".doc-actions").is_visible()
            screenshot(page, f"privacy-{slug}-print")
            page.emulate_media(media="screen")


def test_the_downloads_answer_with_markdown_and_odt(login):
    page = login("pruefung")
    page.goto("/admin/datenschutz/loeschkonzept/")
    with page.expect_download() as markdown:
        page.get_by_role("link", name="Als Markdown herunterladen").click()
    assert markdown.value.suggested_filename == "loeschkonzept.md"
    with page.expect_download() as odt:
        page.get_by_role("link", name="Als ODT herunterladen").click()
    assert odt.value.suggested_filename == "loeschkonzept.odt"
