"""Uploads kept while a form is corrected: a validation error must not lose the file.

A browser cannot re-send a file after the page came back with an error, so a checked
upload (``media.check_upload``: type, size, re-encoded) is stored under a random token
and the form carries only the token in a hidden field; the next submit takes the file
from here. The token is 128 random bits known only to the uploader's page; nothing but
checked content is ever stored, under our own name. A staged file is removed when the
announcement is saved with it; ``purge`` (hourly, by beat) removes those of abandoned forms.
"""

import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .media import KINDS, CheckedMedia

FOLDER = "staged"
# A form is corrected within minutes; after a day its page is long gone (sessions end
# after 30 idle minutes), so nobody can submit the token any more.
KEEP = timedelta(days=1)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_BY_EXTENSION = {kind.extension: mime for mime, kind in KINDS.items()}


def stage(checked):
    """Store a checked upload; returns its token."""
    token = secrets.token_hex(16)
    default_storage.save(
        f"{FOLDER}/{token}{KINDS[checked.mime_type].extension}", ContentFile(checked.content)
    )
    return token


def _name(token):
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    for extension in _BY_EXTENSION:
        name = f"{FOLDER}/{token}{extension}"
        if default_storage.exists(name):
            return name
    return None


def load(token):
    """The staged file as ``CheckedMedia``, or None for an unknown or malformed token."""
    name = _name(token)
    if name is None:
        return None
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    return CheckedMedia(content, _BY_EXTENSION["." + name.rsplit(".", 1)[1]])


def stored(token):
    """The staged file for serving (``media.media_response``), or None."""
    name = _name(token)
    return default_storage.open(name, "rb") if name else None


def discard(token):
    name = _name(token)
    if name:
        default_storage.delete(name)


def purge(now=None):
    """Remove staged files older than ``KEEP``; returns how many."""
    if not default_storage.exists(FOLDER):
        return 0
    limit = (now or timezone.now()) - KEEP
    removed = 0
    for filename in default_storage.listdir(FOLDER)[1]:
        name = f"{FOLDER}/{filename}"
        if default_storage.get_modified_time(name) < limit:
            default_storage.delete(name)
            removed += 1
    return removed
