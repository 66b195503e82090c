"""An upload must not become script in an approver's session (the four-eyes bypass).

The attack: a file that starts like a PNG but is an HTML page (or SVG) with a script,
uploaded by Redaktion, opened by Freigabe in an OTP-verified session.
"""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from announcements import media, pdfcheck
from announcements.models import Announcement, MessageTemplate
from tests.fixtures.broadcasts import NO_VERSIONS

from . import media_samples

SCRIPT = b"<script>fetch('/admin/').then(r=>alert(document.cookie))</script>"
STORED_NAME = re.compile(r"announcements/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|pdf)")
ADD_URL = "admin:announcements_announcement_add"


@pytest.fixture
def document_template(db):
    return MessageTemplate.objects.create(
        name="titz_info_pdf",
        language="de",
        category="UTILITY",
        status="APPROVED",
        body="*{{1}}*\n\n{{2}}",
        header_type="DOCUMENT",
        param_count=2,
    )


def post_upload(client, upload, **fields):
    data = {
        "title": "Sommerfest",
        "category": "news",
        "body": "Am Samstag ab 14 Uhr.",
        **NO_VERSIONS,
    }
    data.update(fields, template="", heading="Sommerfest", media=upload)
    return client.post(reverse(ADD_URL), data)


def media_url(announcement):
    return reverse("admin:announcement_media", args=[announcement.pk])


def test_polyglot_png_named_html_is_stored_as_reencoded_png_under_a_random_name(
    redakteur, client, image_template
):
    client.force_login(redakteur)
    upload = SimpleUploadedFile("flyer.html", media_samples.png() + SCRIPT, "text/html")
    response = post_upload(client, upload)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Announcement.objects.get().media
    assert STORED_NAME.fullmatch(stored.name) and stored.name.endswith(".png")
    assert "flyer" not in stored.name
    content = stored.read()
    assert b"<script" not in content  # re-encoded: the appended bytes are gone
    assert Image.open(io.BytesIO(content)).size == (64, 48)


def test_media_view_serves_the_detected_type_sandboxed(
    redakteur, freigeber, client, image_template
):
    client.force_login(redakteur)
    post_upload(client, SimpleUploadedFile("flyer.html", media_samples.png() + SCRIPT))
    client.force_login(freigeber)
    response = client.get(media_url(Announcement.objects.get()))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"<script" not in b"".join(response.streaming_content)


def test_a_file_stored_under_its_client_name_is_still_served_by_its_content(
    freigeber, client, make_announcement
):
    """Uploads from before the fix kept names like flyer.html: the name must not matter."""
    announcement = make_announcement()
    announcement.media.save("flyer.html", ContentFile(media_samples.png() + SCRIPT))
    client.force_login(freigeber)
    response = client.get(media_url(announcement))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "flyer" not in response["Content-Disposition"]


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        # The PNG signature in front fooled the old magic-byte check.
        b'\x89PNG\r\n\x1a\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>',
    ],
)
def test_svg_is_refused(content, redakteur, client, image_template):
    client.force_login(redakteur)
    response = post_upload(client, SimpleUploadedFile("flyer.svg", content, "image/svg+xml"))
    assert response.status_code == 200
    assert not Announcement.objects.exists()
    errors = response.context["adminform"].form.errors["media"]
    assert errors and ("Nur JPEG- oder PNG-Bilder" in errors[0] or "nicht öffnen" in errors[0])


OPEN_ACTION_CATALOG = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"
PAGES = media_samples.PAGE_OBJECTS[1:]


@pytest.mark.parametrize(
    "content",
    [
        media_samples.pdf(
            [OPEN_ACTION_CATALOG, *PAGES, media_samples.CONTENT, b"<< /S /JavaScript /JS (x) >>"]
        ),
        # Name spelled with #-escapes: /J#61vaScript is /JavaScript to every reader.
        media_samples.pdf(
            [
                OPEN_ACTION_CATALOG,
                *PAGES,
                media_samples.CONTENT,
                b"<< /S /J#61vaScript /J#53 (x) >>",
            ]
        ),
        # Document-level script in the name tree, no /OpenAction at all.
        media_samples.pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 5 0 R >> >>",
                *PAGES,
                media_samples.CONTENT,
                b"<< /Names [(a) 6 0 R] >>",
                b"<< /S /JavaScript /JS (x) >>",
            ]
        ),
        # Hidden in a compressed object stream.
        media_samples.pdf_with_object_stream(
            [b"<< /S /JavaScript /JS (app.alert(1)) >>"], catalog=OPEN_ACTION_CATALOG
        ),
        media_samples.pdf(
            [OPEN_ACTION_CATALOG, *PAGES, media_samples.CONTENT, b"<< /S /Launch /F (cmd.exe) >>"]
        ),
    ],
    ids=["openaction", "escaped-name", "name-tree", "object-stream", "launch"],
)
def test_pdf_with_script_is_refused(content, redakteur, client, document_template):
    client.force_login(redakteur)
    response = post_upload(client, SimpleUploadedFile("amtsblatt.pdf", content))
    assert response.status_code == 200
    assert not Announcement.objects.exists()
    assert "Das PDF enthält Skripte" in response.context["adminform"].form.errors["media"][0]


def test_valid_pdf_is_stored_and_served_as_download(
    redakteur, freigeber, client, document_template
):
    client.force_login(redakteur)
    content = media_samples.pdf()
    response = post_upload(client, SimpleUploadedFile("Amtsblatt März.pdf", content))
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert (
        STORED_NAME.fullmatch(announcement.media.name)
        and "Amtsblatt" not in announcement.media.name
    )
    assert announcement.media.read() == content  # PDFs are checked, not rewritten
    client.force_login(freigeber)
    served = client.get(media_url(announcement))
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == (
        f'attachment; filename="nachricht-{announcement.pk}.pdf"'
    )
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_replacing_the_file_on_the_change_form_stores_it_checked(
    redakteur, client, make_announcement, image_template
):
    announcement = make_announcement(template=image_template, media_id="old-media-id")
    announcement.media.save("alt.png", ContentFile(media_samples.png()))
    client.force_login(redakteur)
    data = {
        "title": "Sommerfest",
        "category": "news",
        "body": "Am Samstag ab 14 Uhr.",
        **NO_VERSIONS,
    }
    data.update(
        template="",
        heading="Sommerfest",
        media=SimpleUploadedFile("neu.html", media_samples.png(32, 32) + SCRIPT),
    )
    url = reverse("admin:announcements_announcement_change", args=[announcement.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement.refresh_from_db()
    assert STORED_NAME.fullmatch(announcement.media.name) and announcement.media_id == ""
    assert b"<script" not in announcement.media.read()


def test_image_over_five_megabytes_is_refused_and_the_form_keeps_the_text(
    redakteur, client, image_template
):
    client.force_login(redakteur)
    big = media_samples.noisy_png(6.1)
    size = f"{-(-len(big) * 10 // (1024 * 1024)) / 10:.1f}".replace(".", ",")
    response = post_upload(
        client, SimpleUploadedFile("plakat.png", big), title="Sommerfest im Park"
    )
    assert response.status_code == 200
    assert not Announcement.objects.exists()
    html = response.content.decode()
    assert f"Das Bild ist {size} MB groß; WhatsApp erlaubt höchstens 5 MB." in html
    assert 'value="Sommerfest im Park"' in html
    assert "Am Samstag ab 14 Uhr." in html


def test_change_form_never_links_to_media_url(
    redakteur, pruefer, client, make_announcement, image_template
):
    draft = make_announcement(template=image_template)
    draft.media.save("x.png", ContentFile(media_samples.png()))
    sent = make_announcement(template=image_template, status="sent", started_at=timezone.now())
    sent.media.save("y.png", ContentFile(media_samples.png()))
    for user, announcement in [(redakteur, draft), (pruefer, sent)]:  # upload widget, read-only
        client.force_login(user)
        page = client.get(
            reverse("admin:announcements_announcement_change", args=[announcement.pk])
        )
        html = page.content.decode()
        assert page.status_code == 200
        assert "/media/" not in html
        assert f'href="{media_url(announcement)}"' in html


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_admin_and_public_pages_have_a_csp_without_inline_script(
    redakteur, client, make_announcement
):
    public = [reverse("admin:login")]
    client.get(public[0])
    pages = [
        reverse("admin:index"),
        reverse("admin:announcements_announcement_changelist"),
        reverse(ADD_URL),
        reverse("admin:announcements_announcement_change", args=[make_announcement().pk]),
    ]
    for index, page in enumerate(public + pages):
        if index == len(public):
            client.force_login(redakteur)
        response = client.get(page)
        assert response.status_code == 200, page
        policy = _directives(response["Content-Security-Policy"])
        script_src = policy.get("script-src", policy.get("default-src"))
        assert script_src == ["'self'"], page
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        # Under this policy an inline script would not run: none of our pages has one.
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page


def test_jpeg_is_reencoded_without_gps_but_keeps_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: must survive, or the photo shows sideways
    exif[0x8825] = {1: "N", 2: (50.0, 56.0, 0.0)}  # GPS position of the photographer
    upload = SimpleUploadedFile("foto.jpg", media_samples.jpeg(exif=exif, comment=SCRIPT))
    checked = media.check_upload(upload)
    assert checked.mime_type == "image/jpeg" and b"<script" not in checked.content
    stored_exif = Image.open(io.BytesIO(checked.content)).getexif()
    assert dict(stored_exif) == {0x0112: 6}
    assert checked.as_upload().name.endswith(".jpg")


def test_document_is_uploaded_to_whatsapp_under_neither_title_nor_stored_name(
    make_announcement,
):
    """The title is internal to the administration; the stored name is random."""
    from whatsapp.backends import locmem

    announcement = make_announcement(title="Amtsblatt März 2026")
    announcement.media.save("0123abcd.pdf", ContentFile(media_samples.pdf()))
    media_id = media.ensure_uploaded(announcement)
    _content, mime_type, filename = locmem.media[media_id]
    assert mime_type == "application/pdf"
    assert filename == media.display_filename(announcement)
    assert "Amtsblatt" not in filename and "0123abcd" not in filename


# --- The PDF check itself -------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        media_samples.pdf(),
        media_samples.pdf_with_object_stream([b"<< /Title (Amtsblatt) >>"]),
        media_samples.pillow_pdf(),
        # The letters alone are no script: in a string, in text, in image data.
        media_samples.pdf(
            [
                *media_samples.PAGE_OBJECTS,
                media_samples.stream(b"BT (/JavaScript /JS /Launch) Tj ET"),
                media_samples.stream(b"\x00/JS \x00/Launch ", b"/Subtype /Image "),
            ],
            trailer=b"/Info << /Title (Kurs: /JavaScript lernen) >> ",
        ),
    ],
    ids=["plain", "object-stream", "pillow", "look-alikes"],
)
def test_pdf_check_accepts_real_structures(content):
    pdfcheck.check_pdf(content)


def _hidden_in_stream():
    """An object inside another's stream data, where only the xref leads a reader."""
    hidden = b"5 0 obj << /S /JavaScript /JS (x) >> endobj"
    good = media_samples.pdf(
        [OPEN_ACTION_CATALOG, *PAGES, media_samples.stream(b"BT ET " + hidden), b"<< >>"]
    )
    start = good.index(hidden)
    table = good.index(b"xref\n")
    entries = good[table:].split(b"\n")
    entries[7] = b"%010d 00000 n " % start
    return good[:table] + b"\n".join(entries)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (media_samples.pdf(trailer=b"/Encrypt << /Filter /Standard >> "), "encrypted"),
        (media_samples.pdf().replace(b"%%EOF", b""), "broken"),
        (media_samples.pdf().replace(b"startxref", b"startxrex"), "broken"),
        (media_samples.pdf()[:-60] + b"\n" * 60, "broken"),
        (_hidden_in_stream(), "broken"),
        (b"%PDF-1.7\n" + b"\0" * 100, "broken"),
    ],
    ids=["encrypted", "no-eof", "no-startxref", "truncated", "hidden-in-stream", "junk"],
)
def test_pdf_check_refuses(content, reason):
    with pytest.raises(pdfcheck.PDFRejected) as rejected:
        pdfcheck.check_pdf(content)
    assert rejected.value.reason == reason
