"""One-time set-up codes: enrolling an authenticator app needs one, issued by an admin.

A password alone must not be enough to bind a second factor to an account (first come,
first served), so the set-up page asks for a code an administrator issued for exactly
this account: in the user list ("Einrichtungscode ausstellen") or with ``manage.py
issue_enrolment_code USER`` for the first administrator. Codes are random (50 bits),
kept only as a SHA-256 hash, expire after ``OTP_ENROLMENT_CODE_HOURS`` and work once.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import EnrolmentCode

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a screen or paper
LENGTH = 10


def _hash(code: str) -> str:
    normalized = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalized.encode()).hexdigest()


def issue(user, issued_by: str) -> str:
    """A new code for ``user`` (earlier unused ones stop working); shown once, never stored."""
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).delete()
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    EnrolmentCode.objects.create(
        user=user,
        code_hash=_hash(code),
        issued_by=issued_by,
        expires_at=timezone.now() + timedelta(hours=settings.OTP_ENROLMENT_CODE_HOURS),
    )
    return f"{code[:5]}-{code[5:]}"


def redeem(user, code: str) -> bool:
    """Use up ``code`` if it was issued for ``user`` and is still valid."""
    return bool(
        EnrolmentCode.objects.filter(
            user=user,
            code_hash=_hash(code),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(used_at=timezone.now())
    )
