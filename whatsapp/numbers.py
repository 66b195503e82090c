"""Recipient identities as Meta sends them: phone numbers and business-scoped user ids.

Meta writes numbers without ``+`` (``wa_id``, ``from``, ``recipient_id``) and may rewrite
them (``wa_id`` can differ from what we sent). Everything in the project compares numbers
as E.164 digits without ``+``, so they are normalized once here, at the boundary.
"""

import re

import phonenumbers

# ISO country code, ".", optional "ENT." (parent BSUID), up to 128 alphanumerics.
_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def normalize(raw):
    """Return the E.164 number in ``raw`` as digits (``"4915100000000"``).

    ``raw`` may carry ``+``, spaces, dashes or brackets; a missing ``+`` is assumed, as
    Meta never sends national formats. Raises ``ValueError`` for anything that is not a
    number with a known country code.
    """
    text = str(raw).strip()
    if not text.startswith("+"):
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


def is_bsuid(value):
    """True if ``value`` is a business-scoped user id like ``"DE.1349120865530274191"``."""
    return isinstance(value, str) and _BSUID.fullmatch(value) is not None


def calling_code(identity):
    """The country calling code of E.164 digits ("49"), or of a BSUID's country prefix.

    "" when it cannot be told. Meta prices a message by the recipient's calling code,
    and a country identifies nobody, so this much may be stored with a subscriber.
    """
    if is_bsuid(identity):
        code = phonenumbers.country_code_for_region(identity[:2])
        return str(code) if code else ""
    try:
        number = phonenumbers.parse("+" + str(identity).lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return ""
    return str(number.country_code or "")
