"""Helpers for tests and benchmarks of the engine: subscribers and broadcasts in bulk.

Test phone numbers are generated in the reserved German mobile range ``49151000xxxxx``; the
subscriber rows are encrypted and hashed like real ones, so the engine decrypts them as in
production.
"""

from django.utils import timezone

from subscribers.crypto import encrypt_identity, hash_identity


def phone_number(index):
    return f"4915100{index:06d}"


def make_subscribers(count, *, start=0):
    """``count`` subscribers with numbers ``phone_number(start), ...``; returns them."""
    from subscribers.models import Subscriber

    now = timezone.now()
    rows = []
    for index in range(start, start + count):
        number = phone_number(index)
        rows.append(
            Subscriber(
                code=f"T-{index:06d}",
                number_hash=hash_identity(number),
                number_encrypted=encrypt_identity(number),
                consented_at=now,
            )
        )
    return Subscriber.objects.bulk_create(rows, batch_size=1000)


def approved_announcement(*, urgent=False, scheduled_at=None, title="Wasserrohrbruch"):
    """An approved announcement with an approved one-parameter template."""
    from ..models import Announcement, MessageTemplate

    template, _ = MessageTemplate.objects.get_or_create(
        name="titz_info",
        language="de",
        defaults={
            "category": "UTILITY",
            "status": "APPROVED",
            "body": "Gemeinde Titz informiert: {{1}}",
            "param_count": 1,
        },
    )
    return Announcement.objects.create(
        title=title,
        body="Die Hauptstraße ist morgen gesperrt.",
        category=Announcement.Category.WARNING if urgent else Announcement.Category.NEWS,
        urgent=urgent,
        template=template,
        template_params=["Die Hauptstraße ist morgen gesperrt."],
        status=Announcement.Status.APPROVED,
        scheduled_at=scheduled_at,
        approved_at=timezone.now(),
    )
