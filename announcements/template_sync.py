"""Mirror the WhatsApp Business Account's message templates into ``MessageTemplate``.

Meta decides which templates exist and whether they are approved; the local rows only
cache that answer so the form can offer and validate them without a request per page.
"""

from django.db import transaction
from django.utils import timezone

from .models import MessageTemplate

GONE = "DELETED"


def _fields(info):
    """Model fields from a ``whatsapp.TemplateInfo``."""
    header_type = info.header_format.upper()
    if header_type not in MessageTemplate.HeaderType.values:
        header_type = ""  # VIDEO, LOCATION: never sent by this service, so never offered
    return {
        "category": info.category,
        "status": info.status,
        "body": info.body,
        "header_type": header_type,
        "param_count": info.parameter_count,
        "meta_id": info.id,
    }


def sync_templates():
    """Fetch the list and upsert it; templates Meta no longer lists become unusable.

    Returns ``(created, updated, gone)`` counts.
    """
    from whatsapp import get_backend

    infos = get_backend().list_templates()
    now = timezone.now()
    created = updated = 0
    seen = set()
    with transaction.atomic():
        for info in infos:
            _, was_created = MessageTemplate.objects.update_or_create(
                name=info.name,
                language=info.language,
                defaults={**_fields(info), "synced_at": now},
            )
            created += was_created
            updated += not was_created
            seen.add((info.name, info.language))
        stale = MessageTemplate.objects.exclude(status=GONE).values_list("pk", "name", "language")
        gone_ids = [pk for pk, name, language in stale if (name, language) not in seen]
        gone = MessageTemplate.objects.filter(pk__in=gone_ids).update(status=GONE, synced_at=now)
    return created, updated, gone
