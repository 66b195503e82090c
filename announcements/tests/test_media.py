import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from announcements import media
from whatsapp.backends import locmem

from . import media_samples

JPEG = media_samples.jpeg()
PNG = media_samples.png()
PDF = media_samples.pdf()


@pytest.mark.parametrize(
    ("name", "content", "header"),
    [("a.jpg", JPEG, "IMAGE"), ("a.png", PNG, "IMAGE"), ("a.pdf", PDF, "DOCUMENT")],
)
def test_accepted_types(name, content, header):
    assert media.validate_media(SimpleUploadedFile(name, content)) == header


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.gif", b"GIF89a" + b"\0" * 10), ("brief.pdf", b"Nur Text"), ("a.docx", b"PK\x03\x04")],
)
def test_rejected_types_by_content_not_name(name, content):
    with pytest.raises(ValidationError) as error:
        media.validate_media(SimpleUploadedFile(name, content))
    assert error.value.code == "media_type"


def test_image_over_five_megabytes_is_rejected():
    big = SimpleUploadedFile("a.png", PNG + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        media.validate_media(big)
    assert error.value.code == "media_size"
    assert error.value.messages[0] == "Das Bild ist 5,1 MB groß; WhatsApp erlaubt höchstens 5 MB."


def test_pdf_over_a_hundred_megabytes_is_rejected():
    big = SimpleUploadedFile("a.pdf", PDF + b"\0" * (100 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        media.validate_media(big)
    assert "Das PDF ist 100,1 MB groß; WhatsApp erlaubt höchstens 100 MB." in error.value.messages


def test_pdf_of_six_megabytes_is_fine():
    padded = media_samples.pdf(
        [*media_samples.PAGE_OBJECTS, media_samples.stream(b"\0" * 6 * 1024 * 1024)]
    )
    assert media.validate_media(SimpleUploadedFile("a.pdf", padded)) == "DOCUMENT"


def test_validation_leaves_file_position_alone():
    upload = SimpleUploadedFile("a.png", PNG)
    upload.read(3)
    media.validate_media(upload)
    assert upload.tell() == 3


def test_media_is_uploaded_once(make_announcement):
    announcement = make_announcement()
    announcement.media.save("plakat.png", ContentFile(PNG))
    first = media.ensure_uploaded(announcement)
    second = media.ensure_uploaded(announcement)
    assert first == second != ""
    assert list(locmem.media) == [first]
    content, mime_type, filename = locmem.media[first]
    assert (content, mime_type) == (PNG, "image/png")
    # Neither the stored (random) name nor the title, which is internal.
    assert re.fullmatch(r"Information-\d{4}-\d{2}-\d{2}\.png", filename)


def test_no_media_no_upload(make_announcement):
    assert media.ensure_uploaded(make_announcement()) == ""
    assert locmem.media == {}
