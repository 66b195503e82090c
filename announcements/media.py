"""The optional image or PDF of an announcement: checked, rewritten, stored, served, uploaded.

Staff upload a file; an approver later opens it in a session that may approve a broadcast
to every resident. So an upload must never become a page that runs script there:

- The type is read from the content, never from the name: a renamed file would otherwise
  pass here and fail for every recipient with 131053 (media type mismatch), and a name such
  as ``flyer.html`` would decide how a browser treats the file.
- Images are decoded and encoded again with Pillow. What is stored is only pixels Pillow
  understood: bytes appended after the image (a ``<script>`` behind a PNG header) and
  metadata such as a photo's GPS position are gone.
- PDFs are checked structurally and refused with scripts (``pdfcheck``).
- The stored name is random with the extension of the detected type; the client's name
  never reaches the file system, a URL or a response header.
- The file is served only by the admin's media view, with the detected type, ``nosniff``
  and a sandboxing policy (``media_response``); PDFs only as a download.
"""

import io
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from whatsapp import get_backend

from . import pdfcheck

MB = 1024 * 1024
# Meta's media limits for template headers: images JPEG/PNG up to 5 MB, documents only PDF
# (for media-based templates) up to 100 MB.
IMAGE_LIMIT = 5 * MB
DOCUMENT_LIMIT = 100 * MB
# Meta: "Media IDs returned by the API expire after 30 days". A day's margin, so that an
# id checked at the start of a batch task is still valid for its last message.
MEDIA_ID_LIFETIME = timedelta(days=30)
MEDIA_REFRESH_AFTER = MEDIA_ID_LIFETIME - timedelta(days=1)
# Decoding needs about 4 bytes a pixel: a small PNG of a huge flat area could otherwise
# take gigabytes of memory in the web process. 50 megapixels is more than any phone takes.
MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class Kind:
    header_type: str  # the template header it needs
    limit: int
    extension: str
    pillow_format: str = ""


KINDS = {
    "image/jpeg": Kind("IMAGE", IMAGE_LIMIT, ".jpg", "JPEG"),
    "image/png": Kind("IMAGE", IMAGE_LIMIT, ".png", "PNG"),
    "application/pdf": Kind("DOCUMENT", DOCUMENT_LIMIT, ".pdf"),
}
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]
# What a served file may do in the browser: nothing. "sandbox" also gives it an opaque
# origin, so even a file a browser renders as a page cannot reach the admin's cookies.
MEDIA_CSP = "default-src 'none'; sandbox"

_PDF_MESSAGES = {
    "script": _(
        "The PDF contains scripts or starts programs (JavaScript, actions on opening). Such "
        "files are not sent. Please save the PDF again without them, for example with “Print "
        "to PDF”."
    ),
    "encrypted": _(
        "The PDF is encrypted or password-protected and cannot be checked. Please upload a "
        "version without protection."
    ),
    "broken": _(
        "The PDF is damaged or incomplete. Please save the file as a PDF again and upload it "
        "once more."
    ),
    "unchecked": _(
        "The PDF has an unusual structure and cannot be checked. Please save the file as a PDF "
        "again, for example with “Print to PDF”, and upload it once more."
    ),
}


@dataclass(frozen=True)
class CheckedMedia:
    """A file that passed the checks, as it will be stored and sent."""

    content: bytes
    mime_type: str

    @property
    def header_type(self):
        return KINDS[self.mime_type].header_type

    def as_upload(self):
        """An upload under a random name; the model's ``upload_to`` adds the folder."""
        name = secrets.token_hex(16) + KINDS[self.mime_type].extension
        return SimpleUploadedFile(name, self.content, content_type=self.mime_type)


def sniff_mime_type(uploaded):
    """The MIME type from the file's magic bytes, or "" when it is none we can send."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(position)
    return _mime_type_of(head)


def _mime_type_of(head):
    for signature, mime_type in _SIGNATURES:
        if head.startswith(signature):
            return mime_type
    return ""


def _megabytes(size, *, up=False):
    """Plain "6,2" (in the active language), rounded up for a size over a limit."""
    value = size / MB
    value = math.ceil(value * 10) / 10 if up else value
    return number_format(value, decimal_pos=0 if value == int(value) else 1)


def _too_big(mime_type, size, limit):
    values = {"size": _megabytes(size, up=True), "limit": _megabytes(limit)}
    if KINDS[mime_type].header_type == "IMAGE":
        message = _("The image is %(size)s MB; WhatsApp allows at most %(limit)s MB.")
    else:
        message = _("The PDF is %(size)s MB; WhatsApp allows at most %(limit)s MB.")
    return ValidationError(message % values, code="media_size")


def check_upload(uploaded):
    """The file as it will be stored (images re-encoded), or raise ValidationError."""
    mime_type = sniff_mime_type(uploaded)
    if not mime_type:
        raise ValidationError(
            _("Only JPEG or PNG images and PDF documents can be sent."),
            code="media_type",
        )
    kind = KINDS[mime_type]
    # Checked before reading or decoding anything, so an oversized file costs nothing.
    if uploaded.size > kind.limit:
        raise _too_big(mime_type, uploaded.size, kind.limit)
    position = uploaded.tell()
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(position)
    if kind.pillow_format:
        content = _reencode_image(content, kind)
        if len(content) > kind.limit:
            raise _too_big(mime_type, len(content), kind.limit)
    else:
        _check_pdf(content)
    return CheckedMedia(content, mime_type)


def validate_media(uploaded):
    """Return the header type ("IMAGE"/"DOCUMENT") the file needs, or raise ValidationError."""
    return check_upload(uploaded).header_type


def _unreadable_image():
    return ValidationError(
        _(
            "The image cannot be opened; the file may be damaged. Please save the image again "
            "as JPEG or PNG and upload it once more."
        ),
        code="media_unreadable",
    )


def _reencode_image(content, kind):
    """Decode and encode again: only what Pillow understood as the image is kept."""
    try:
        # ``formats`` keeps Pillow to the detected type: no other decoder sees the bytes.
        with Image.open(io.BytesIO(content), formats=[kind.pillow_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _(
                        "The image has %(pixels)s million pixels; at most %(limit)d million "
                        "are allowed. Please make the image smaller."
                    )
                    % {
                        "pixels": number_format(width * height / 10**6, decimal_pos=1),
                        "limit": MAX_IMAGE_PIXELS // 10**6,
                    },
                    code="media_pixels",
                )
            image.load()  # the whole image, so a truncated or damaged file fails here
            out = io.BytesIO()
            options = {"icc_profile": image.info.get("icc_profile")}  # true colours
            if kind.pillow_format == "JPEG":
                # Only the orientation survives from the photo's metadata (not GPS, camera
                # or thumbnails); "keep" reuses the original quality, so size stays alike.
                # Pillow would copy a comment and XMP from the original: empty them.
                options.update(quality="keep", comment=b"", xmp=b"")
                if orientation := image.getexif().get(0x0112):
                    exif = Image.Exif()
                    exif[0x0112] = orientation
                    options["exif"] = exif
            image.save(out, kind.pillow_format, **options)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise _unreadable_image() from None
    except (ValueError, TypeError, IndexError, KeyError, EOFError):
        # Pillow reports some malformed headers this way; none of them is a usable image.
        raise _unreadable_image() from None
    return out.getvalue()


def _check_pdf(content):
    try:
        pdfcheck.check_pdf(content)
    except pdfcheck.PDFRejected as rejected:
        raise ValidationError(_PDF_MESSAGES[rejected.reason], code="media_pdf") from None


def stored_mime_type(stored):
    """The type of a stored file from its content (older uploads kept the client's name)."""
    with stored.open("rb") as handle:
        return _mime_type_of(handle.read(8))


def media_response(stored, download_name):
    """Serve a stored file so that no browser treats it as a page of the admin.

    Images are shown inline (the change form's preview) as what they are; PDFs and
    anything unrecognised are only downloaded. ``download_name`` is ours, without extension.
    """
    mime_type = stored_mime_type(stored)
    kind = KINDS.get(mime_type)
    inline = kind is not None and kind.header_type == "IMAGE"
    response = FileResponse(
        stored.open("rb"),
        content_type=mime_type or "application/octet-stream",
        as_attachment=not inline,
        filename=download_name + (kind.extension if kind else ".bin"),
    )
    response["Content-Security-Policy"] = MEDIA_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def display_filename(announcement):
    """The file name residents see for a document: neither the stored (random) name nor
    the title, which is internal to the administration."""
    day = (announcement.approved_at or announcement.created_at).astimezone()
    extension = ".pdf" if announcement.media.name.lower().endswith(".pdf") else ""
    return f"Information-{day:%Y-%m-%d}{extension}"


def upload_filename(announcement):
    """The name Meta gets (and a PDF's recipients see) for the announcement's file."""
    with announcement.media.open("rb") as handle:
        mime_type = _mime_type_of(handle.read(8))
    extension = KINDS[mime_type].extension if mime_type in KINDS else ""
    return display_filename(announcement).removesuffix(".pdf") + extension


def needs_upload(announcement, now=None):
    """True when the file has no media id at Meta, or one that is about to expire.

    Meta keeps an uploaded file for ``MEDIA_ID_LIFETIME``; an id older than
    ``MEDIA_REFRESH_AFTER`` is replaced, so a broadcast that runs for days (waves under the
    messaging limit) or starts a month after its test send never sends an expired id.
    """
    if not announcement.media:
        return False
    uploaded = announcement.media_uploaded_at
    if not announcement.media_id or uploaded is None:
        return True
    return uploaded <= (now or timezone.now()) - MEDIA_REFRESH_AFTER


def ensure_uploaded(announcement, now=None):
    """Upload the media to the Cloud API unless a fresh id exists; return the id.

    Called when a broadcast starts (``announcements.engine.attachment``) and by the test
    send, never per recipient. The id is written with a conditional UPDATE on the id it
    replaces, so two workers racing here keep one id. Raises ``WhatsAppError`` when the
    upload fails.
    """
    now = now or timezone.now()
    if not needs_upload(announcement, now):
        return announcement.media_id
    with announcement.media.open("rb") as handle:
        content = handle.read()
    mime_type = _mime_type_of(content[:8])
    media_id = get_backend().upload_media(content, mime_type, upload_filename(announcement))
    rows = type(announcement).objects.filter(pk=announcement.pk)  # media.py stays below models
    rows.filter(media_id=announcement.media_id).update(media_id=media_id, media_uploaded_at=now)
    announcement.media_id, announcement.media_uploaded_at = rows.values_list(
        "media_id", "media_uploaded_at"
    ).get()
    return announcement.media_id


def refused_reason(announcement, explanation):
    """The pause reason when WhatsApp refuses the file: which file, and what to do."""
    values = {"file": upload_filename(announcement), "reason": explanation}
    if stored_mime_type(announcement.media) == "application/pdf":
        message = _(
            "WhatsApp did not accept the PDF “%(file)s”: %(reason)s The broadcast is paused. "
            "Please stop it and send the message again with the PDF saved anew (for example "
            "with “Print to PDF”)."
        )
    else:
        message = _(
            "WhatsApp did not accept the image “%(file)s”: %(reason)s The broadcast is "
            "paused. Please stop it and send the message again with the image saved anew as "
            "JPEG or PNG."
        )
    return str(message % values)
