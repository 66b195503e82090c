"""The optional image or PDF of an announcement: checked against Meta's limits, uploaded once.

The file type is read from the file's first bytes, not its name: a renamed file would
otherwise pass here and fail for every recipient with 131053 (media type mismatch).
"""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Meta's media limits for template headers: images JPEG/PNG up to 5 MB, documents only PDF
# (for media-based templates) up to 100 MB.
KINDS = {
    "image/jpeg": ("IMAGE", 5 * 1024 * 1024),
    "image/png": ("IMAGE", 5 * 1024 * 1024),
    "application/pdf": ("DOCUMENT", 100 * 1024 * 1024),
}
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]


def sniff_mime_type(uploaded):
    """The MIME type from the file's magic bytes, or "" when it is none we can send."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(position)
    for signature, mime_type in _SIGNATURES:
        if head.startswith(signature):
            return mime_type
    return ""


def validate_media(uploaded):
    """Return the header type ("IMAGE"/"DOCUMENT") the file needs, or raise ValidationError."""
    mime_type = sniff_mime_type(uploaded)
    if not mime_type:
        raise ValidationError(
            _("Nur JPEG- oder PNG-Bilder und PDF-Dokumente können verschickt werden."),
            code="media_type",
        )
    header_type, limit = KINDS[mime_type]
    if uploaded.size > limit:
        raise ValidationError(
            _("Die Datei ist %(size)s groß; WhatsApp erlaubt für diesen Typ höchstens %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="media_size",
        )
    return header_type


def ensure_uploaded(announcement):
    """Upload the media to the Cloud API once and keep its id for every recipient.

    Media ids stay valid for 30 days, longer than any broadcast takes. The id is written
    with a conditional UPDATE so two workers racing here keep one id.
    """
    from whatsapp import get_backend

    from .models import Announcement

    if announcement.media_id or not announcement.media:
        return announcement.media_id
    with announcement.media.open("rb") as handle:
        content = handle.read()
        handle.seek(0)
        mime_type = sniff_mime_type(handle)
    media_id = get_backend().upload_media(
        content, mime_type, announcement.media.name.rsplit("/", 1)[-1]
    )
    Announcement.objects.filter(pk=announcement.pk, media_id="").update(media_id=media_id)
    announcement.media_id = (
        Announcement.objects.filter(pk=announcement.pk).values_list("media_id", flat=True).get()
    )
    return announcement.media_id
