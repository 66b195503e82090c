"""Append-only log of staff actions (login, transitions, exports, erasures)."""


def record(user, action, target="", **details):
    """Append one entry; ``details`` must be JSON-serialisable and hold no phone number."""
    from .models import AuditEntry

    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AuditEntry.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        target=str(target)[:200],
        details=details,
    )
