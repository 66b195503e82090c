"""Encrypt normalized events for the event store, so no number rests there in clear.

An event is encrypted when it names a resident or holds their words: inbound messages,
user preferences, and statuses that carry the recipient (only a refused send does,
``parsing._status``). The other statuses (sent, delivered, read: most of the webhook
traffic) hold nothing personal: the keyed hash of our message id, a state, a time, the
delivery id we sent along, Meta's price category and, when Meta named both, the keyed
hashes of the recipient's number and BSUID (``parsing._link``: pseudonyms like every
subscriber's look-up key, never the values). They are kept as plain JSON, which
spares the webhook request the encryption and the worker the decryption of each.

Uses the project's ``NUMBER_ENCRYPTION_KEYS`` (Fernet keys, newest first): rotating keys
works the same way as for subscribers' numbers (``reseal`` re-encrypts with the newest).
Fernet adds about 25 µs per event, and as much again to decrypt it. ``fernet`` is the
one MultiFernet over those keys in the project: ``subscribers.crypto`` encrypts residents'
identities with it too, so both follow a key rotation alike.

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
PLAIN_PREFIX = "{"  # how plain events start; a Fernet token never does


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
    """One event as text for the ``data`` column: encrypted if it names a resident."""
    fields = dict(event.__dict__)
    fields["v"] = VERSION
    fields["timestamp"] = event.timestamp.isoformat()
    if isinstance(event, StatusUpdate):
        fields["errors"] = [e.__dict__ for e in event.errors]
    plain = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    if not _names_a_resident(event):
        return plain
    return fernet().encrypt(plain.encode()).decode("ascii")


def _names_a_resident(event):
    """True unless ``event`` is a status without its recipient (the module docstring)."""
    return not isinstance(event, StatusUpdate) or bool(event.recipient or event.recipient_user_id)


def unseal(kind, token):
    """The event ``seal`` stored for an event of ``kind``, decrypted if it was encrypted.

    Encryption also vouches for what an event says: a plain one is accepted only as what
    ``seal`` writes in plain, a status that names nobody (ValueError otherwise), so an
    entry slipped into Redis or the table cannot end anyone's subscription.
    """
    plain = token.startswith(PLAIN_PREFIX)
    fields = json.loads(token if plain else fernet().decrypt(token.encode("ascii")))
    if fields.pop("v", 1) < VERSION and "message_id" in fields:
        fields["message_id"] = message_key(fields["message_id"])
    fields["timestamp"] = datetime.fromisoformat(fields["timestamp"])
    if kind == "status":
        fields["errors"] = tuple(ErrorInfo(**e) for e in fields["errors"])
    event = _TYPES[kind](**fields)
    if plain and _names_a_resident(event):
        raise ValueError("an unencrypted event names a resident")
    return event


def reseal(token):
    """``token`` encrypted again with the newest key (for key rotation)."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
