"""Pseudonymising residents' identities: a keyed hash to find them, encryption to reach them.

An identity is either an E.164 phone number (stored as digits only, ``"4915100000000"``)
or a business-scoped user id (BSUID, ``"DE.1349..."``) for residents who arrive without a
number. Both are treated the same way:

- ``hash_identity``: HMAC-SHA256 with ``NUMBER_HASH_KEY``. Deterministic, so it is the
  look-up key (unique columns, the complaint form); keyed, so a leaked database cannot be
  reversed by hashing every possible German mobile number.
- ``encrypt_identity`` / ``decrypt_identity``: Fernet (AES-CBC + HMAC) under the MultiFernet
  over ``NUMBER_ENCRYPTION_KEYS`` that the webhook's event store uses too
  (``whatsapp.sealing.fernet``): the first key encrypts, every key decrypts, so keys can
  be rotated (``manage.py reencrypt_numbers``) without downtime.
"""

import re

import phonenumbers

from whatsapp.ids import identity_key
from whatsapp.numbers import is_bsuid
from whatsapp.sealing import fernet


def normalize_identity(identity: str) -> str:
    """The canonical form that is hashed: BSUIDs as sent, numbers as E.164 digits.

    Meta sends numbers as digits already; staff type them with ``+``, spaces or a leading
    ``0``. A national number is read as German, the municipality's country.
    """
    identity = identity.strip()
    if is_bsuid(identity):
        return identity
    if identity.startswith(("+", "00")) or not identity.startswith("0"):
        digits = re.sub(r"\D", "", identity)
        return digits.removeprefix("00")
    try:
        parsed = phonenumbers.parse(identity, "DE")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", identity)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def hash_identity(identity: str) -> str:
    """Hex HMAC-SHA256 of the normalized identity under ``NUMBER_HASH_KEY``."""
    return identity_key(normalize_identity(identity))


def encrypt_identity(identity: str) -> str:
    return fernet().encrypt(normalize_identity(identity).encode()).decode()


def decrypt_identity(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same plaintext under the first (newest) key; used by key rotation."""
    return fernet().rotate(token.encode()).decode()
