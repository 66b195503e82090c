"""Encrypt normalized events for the event store, so no number rests there in clear.

Uses the project's ``NUMBER_ENCRYPTION_KEYS`` (Fernet keys, newest first): rotating keys
works the same way as for subscribers' numbers (``reseal`` re-encrypts with the newest).
Fernet adds about 20 µs per event. ``fernet`` is the one MultiFernet over those keys in
the project: ``subscribers.crypto`` encrypts residents' identities with it too, so both
follow a key rotation alike.

Events sealed before message ids were hashed (no ``"v"`` field) carry Meta's raw id;
``unseal`` hashes it, so an event that waited through the upgrade is stored and matched
like a new one.
"""

import json
from datetime import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from .events import ErrorInfo, InboundMessage, StatusUpdate, UserPreference
from .ids import message_key

_TYPES = {
    "inbound": InboundMessage,
    "status": StatusUpdate,
    "user_preference": UserPreference,
}
KIND_OF = {cls: kind for kind, cls in _TYPES.items()}
VERSION = 2  # 2: message ids are keyed hashes


def fernet() -> MultiFernet:
    """The MultiFernet for ``NUMBER_ENCRYPTION_KEYS``: the first key encrypts, all decrypt.

    Built once per key list (a test overriding the keys gets its own), not per call:
    building one costs more than encrypting an event.
    """
    return _fernet(tuple(settings.NUMBER_ENCRYPTION_KEYS))


@lru_cache(maxsize=1)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def seal(event):
    """Encrypt one event; returns ASCII text for the ``data`` column."""
    fields = dict(event.__dict__)
    fields["v"] = VERSION
    fields["timestamp"] = event.timestamp.isoformat()
    if isinstance(event, StatusUpdate):
        fields["errors"] = [e.__dict__ for e in event.errors]
    plain = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return fernet().encrypt(plain).decode("ascii")


def unseal(kind, token):
    """Decrypt what ``seal`` stored for an event of ``kind``."""
    fields = json.loads(fernet().decrypt(token.encode("ascii")))
    if fields.pop("v", 1) < VERSION and "message_id" in fields:
        fields["message_id"] = message_key(fields["message_id"])
    fields["timestamp"] = datetime.fromisoformat(fields["timestamp"])
    if kind == "status":
        fields["errors"] = tuple(ErrorInfo(**e) for e in fields["errors"])
    return _TYPES[kind](**fields)


def reseal(token):
    """``token`` encrypted again with the newest key (for key rotation)."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
