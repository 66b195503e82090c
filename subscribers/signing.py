"""The server's Ed25519 key that signs the consent log's checkpoints, and its old keys.

A hash chain alone proves nothing to someone who can recompute it, so the head of the
chain is signed: whoever holds only the public key can tell that a row was in the log when
a checkpoint named its sequence number and hash. The private key comes from the environment
(``CONSENT_SIGNING_KEY``, the 32-byte Ed25519 seed in base64); keys used before a rotation
stay trusted for the period they signed in (``CONSENT_SIGNING_RETIRED_KEYS``), so old
checkpoints keep verifying. A key is named by its id, the first 16 hex digits of the
SHA-256 of its raw public key.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyError(ValueError):
    """A configured key that cannot be read (the system check reports it)."""


@dataclass(frozen=True)
class PublicKey:
    """A key that checkpoints may be signed with; ``until`` is None for the current one."""

    key: Ed25519PublicKey
    since: date | None
    until: date | None

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def covers(self, moment: datetime) -> bool:
        day = moment.date()
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def described(self) -> dict:
        """How exports list the key: an auditor compares ``public_key`` with the published one."""
        return {
            "key": self.id,
            "public_key": self.pem.strip(),
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }


def _decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"{what} is not base64.") from None
    if len(raw) != 32:
        raise SigningKeyError(f"{what} is not 32 bytes (an Ed25519 key) in base64.")
    return raw


def private_key() -> Ed25519PrivateKey:
    if not settings.CONSENT_SIGNING_KEY:
        raise SigningKeyError("CONSENT_SIGNING_KEY is not set.")
    return Ed25519PrivateKey.from_private_bytes(
        _decode(settings.CONSENT_SIGNING_KEY, "CONSENT_SIGNING_KEY")
    )


def retired_keys() -> list[PublicKey]:
    """``CONSENT_SIGNING_RETIRED_KEYS``: entries ``PUBLIC_KEY_BASE64:FROM:TO`` (ISO dates)."""
    keys = []
    for position, entry in enumerate(settings.CONSENT_SIGNING_RETIRED_KEYS, start=1):
        what = f"CONSENT_SIGNING_RETIRED_KEYS entry {position}"
        try:
            text, since, until = entry.split(":")
            period = date.fromisoformat(since), date.fromisoformat(until)
        except ValueError:
            raise SigningKeyError(f"{what} is not PUBLIC_KEY:FROM:TO.") from None
        keys.append(PublicKey(Ed25519PublicKey.from_public_bytes(_decode(text, what)), *period))
    return keys


def current_key() -> PublicKey:
    """The signing key's public half; it signs from the day after the last retired key."""
    ends = [key.until for key in retired_keys()]
    since = max(ends) if ends else None
    return PublicKey(private_key().public_key(), since, None)


def trusted_keys() -> list[PublicKey]:
    """Every key a checkpoint may carry, the current one first."""
    return [current_key(), *retired_keys()]


def sign(message: bytes) -> tuple[str, str]:
    """The id of the current key and its signature of ``message`` in base64."""
    return current_key().id, base64.b64encode(private_key().sign(message)).decode()


def new_private_key() -> str:
    """A fresh ``CONSENT_SIGNING_KEY`` value (for the first setup and for rotation)."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def public_base64(key: PublicKey) -> str:
    return base64.b64encode(key.raw).decode()
