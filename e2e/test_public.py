"""The public pages in Chromium: zero axe-core violations of any impact, on a desk, on
390 and 320 px phones, in light and dark mode; no sideways scrolling at 320 px or at
200 % zoom; no request to anyone but the service; screenshots, the print poster as PDF.

The archive is filled through the stack's own database with messages as the engine
leaves them (one urgent warning, one with an image), so every kind of entry is checked.
"""

import json
import re

import pytest

from .accessibility import ALL, violations

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ARCHIVE_SETUP = """
import json
from datetime import timedelta
from django.core.files.base import ContentFile
from django.utils import timezone
from announcements.models import Announcement, MessageTemplate
from announcements.tests.media_samples import jpeg
template, _ = MessageTemplate.objects.get_or_create(
    name="titz_public_e2e", language="de",
    defaults=dict(
        category="UTILITY", status="APPROVED", body="Gemeinde Titz: {{1}}", param_count=1
    ),
)
texts = [
    ("news", False, "Das Rathaus ist am *Freitag* geschlossen."),
    ("announcement", False, "Weihnachtsmarkt am _Samstag_ ab 14 Uhr, Parkplatz ```P1```."),
    ("warning", True, "*Unwetterwarnung*: Sturmböen bis 100 km/h, bitte Wälder meiden."),
    ("news", False, "Die Hauptstraße ist ~zwei~ drei Wochen gesperrt."),
]
now = timezone.now()
made = []
for index, (category, urgent, text) in enumerate(texts):
    started = now - timedelta(hours=len(texts) - index)
    made.append(Announcement.objects.create(
        title=f"intern {index}", body=text, category=category, urgent=urgent, template=template,
        template_params=[text], status="sent", started_at=started, finished_at=started,
    ))
made[-1].media.save("bild.jpg", ContentFile(jpeg(320, 200)))
print(json.dumps({"urgent": made[2].pk, "image": made[3].pk}))
"""
WIDTHS = [1280, 390, 320]


@pytest.fixture(scope="module")
def archived(stack):
    return json.loads(stack.orm(ARCHIVE_SETUP).splitlines()[-1])


@pytest.fixture
def pages(archived):
    return {
        "anmeldung": "/",
        "plakat": "/plakat/",
        "archiv": "/archiv/",
        "archiv-warnungen": "/archiv/?kategorie=warnungen",
        "warnung": f"/archiv/{archived['urgent']}/",
        "nachricht-mit-bild": f"/archiv/{archived['image']}/",
        "barrierefreiheit": "/barrierefreiheit/",
        "leichte-sprache": "/leichte-sprache/",
    }


def open_page(chromium, stack, width, scheme, locale="de-DE"):
    context = chromium.new_context(
        base_url=stack.base_url,
        viewport={"width": width, "height": 900},
        color_scheme=scheme,
        locale=locale,
    )
    page = context.new_page()
    foreign = []

    def watch(request):
        if not request.url.startswith(stack.base_url + "/"):
            foreign.append(request.url)

    page.on("request", watch)
    return context, page, foreign


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_axe_violations(chromium, stack, pages, screenshot, width, scheme):
    context, page, foreign = open_page(chromium, stack, width, scheme)
    try:
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, name
            assert violations(page, impacts=ALL) == [], f"{name} at {width} px, {scheme}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways at {width} px"
            if scheme == "light" or name in ("anmeldung", "archiv"):
                screenshot(page, f"public-{name}-{width}-{scheme}")
        assert foreign == []
    finally:
        context.close()


def test_public_pages_reflow_at_200_percent_zoom(chromium, stack, pages):
    """200 % zoom of a 1280 px window is a 640 px wide layout at twice the pixel density."""
    context = chromium.new_context(
        base_url=stack.base_url, viewport={"width": 640, "height": 450}, device_scale_factor=2
    )
    page = context.new_page()
    try:
        for name, url in pages.items():
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, name
    finally:
        context.close()


def test_poster_prints_on_one_a4_page(chromium, stack, pages, screenshot):
    from .conftest import SCREENSHOTS

    context, page, _foreign = open_page(chromium, stack, 1280, "light")
    try:
        page.goto(pages["plakat"])
        page.emulate_media(media="print")
        assert page.locator(".site-header").is_hidden() and page.locator("footer").is_hidden()
        assert page.locator("img.poster-qr").is_visible()
        screenshot(page, "public-plakat-print")
        pdf = page.pdf(path=str(SCREENSHOTS / "public-plakat.pdf"), prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
        width, height = map(float, re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)", pdf).groups())
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "code", "direction", "heading"),
    [("tr-TR", "tr", "ltr", "Nasıl abone olunur"), ("ar-SY", "ar", "rtl", "كيفية الاشتراك")],  # noqa: RUF001
)
def test_signup_in_the_browser_language_at_390_px(
    chromium, stack, screenshot, locale, code, direction, heading
):
    """A Turkish and an Arabic phone get the sign-up page in their language (Arabic right
    to left), with zero axe-core findings, and the switch leads to the other languages."""
    context, page, foreign = open_page(chromium, stack, 390, "light", locale=locale)
    try:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            response = page.goto("/")
            assert response.headers["content-language"] == code
            html = page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (code, direction)
            assert page.get_by_role("heading", name=heading).is_visible()
            assert violations(page, impacts=ALL) == [], f"{code}, {scheme}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{code} scrolls sideways at 390 px"
            screenshot(page, f"public-anmeldung-{code}-390-{scheme}")
        page.get_by_role("link", name="Deutsch").click()
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_role("heading", name="So melden Sie sich an").is_visible()
        for target in ("/plakat/", "/barrierefreiheit/"):
            page.goto(f"{target}?sprache={code}")
            assert page.locator("html").get_attribute("lang") == code
            assert violations(page, impacts=ALL) == [], f"{target} in {code}"
        assert foreign == []
    finally:
        context.close()
