"""Keyed hashes of Meta's ids: what the project keeps instead of a wamid.

A wamid (``wamid.HBgLNDkxNTE...``) is base64 of a small record that holds the resident's
phone number, in inbound and outbound ids alike. Stored as it is, every id would turn a
Kennziffer back into a number and survive "Stop". So the provider boundary replaces each
id with an HMAC-SHA256 the moment it arrives (``parsing``) or leaves (``backends.base``);
the rest of the project matches and de-duplicates on the hash and never sees the id.

The key is derived from ``NUMBER_HASH_KEY`` (a secret that, like the number hashes, must
outlive every stored id), with a label of its own, so the same input never yields the
number hash. 160 bits of the digest are kept: collisions among a few billion ids stay
out of reach, and the indexes stay short.
"""

import hashlib
import hmac

from django.conf import settings

LENGTH = 40  # hex digits
_LABEL = b"titz-broadcast/meta-message-id/v1"
_keys = {}
_identity_keys = {}


def _key():
    secret = settings.NUMBER_HASH_KEY
    key = _keys.get(secret)
    if key is None:
        key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
        _keys.clear()
        _keys[secret] = key
    return key


def message_key(meta_id: str) -> str:
    """The keyed hash stored in place of Meta's id ``meta_id`` (one HMAC, about 1 µs)."""
    return hmac.new(_key(), meta_id.encode(), hashlib.sha256).hexdigest()[:LENGTH]


def identity_key(identity: str) -> str:
    """The keyed hash a resident is looked up by: HMAC-SHA256 of a phone number's E.164
    digits or of a business-scoped user id, under ``NUMBER_HASH_KEY`` itself.

    The one home of that hash: ``subscribers.crypto`` normalizes what staff type and
    hashes it here, and ``parsing`` hashes what Meta sends, so a status webhook can link
    a number to its BSUID without carrying either in clear.
    """
    secret = settings.NUMBER_HASH_KEY
    key = _identity_keys.get(secret)
    if key is None:
        key = secret.encode()
        _identity_keys.clear()
        _identity_keys[secret] = key
    return hmac.digest(key, identity.encode(), "sha256").hex()
