import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from announcements import media
from whatsapp.backends import locmem

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
PDF = b"%PDF-1.7\n" + b"\0" * 100


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
    assert "höchstens 5,0" in error.value.messages[0]


def test_pdf_of_six_megabytes_is_fine():
    assert media.validate_media(SimpleUploadedFile("a.pdf", PDF + b"\0" * 6 * 1024 * 1024))


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
    assert filename.startswith("plakat")


def test_no_media_no_upload(make_announcement):
    assert media.ensure_uploaded(make_announcement()) == ""
    assert locmem.media == {}
