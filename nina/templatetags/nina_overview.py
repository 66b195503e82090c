"""The overview's first block: official warnings waiting for approval, the import's health.

A template tag of this app, so ``announcements`` (which the importer uses) never imports
``nina``: the admin index loads it (``templates/admin/index.html``).
"""

from django import template

from announcements.models import Announcement

from .. import health

register = template.Library()
Status = Announcement.Status
LIMIT = 10


@register.inclusion_tag("nina/overview.html")
def nina_overview():
    imported = Announcement.objects.filter(nina_message__isnull=False).select_related(
        "nina_message__warning"
    )
    waiting = imported.filter(status__in=[Status.DRAFT, Status.SUBMITTED]).order_by(
        "-urgent", "created_at"
    )[:LIMIT]
    automatic = imported.filter(approved_at__isnull=False, approved_by__isnull=True).order_by(
        "-approved_at"
    )[:3]
    return {
        "waiting": list(waiting),
        "automatic": list(automatic),
        "disturbed_since": health.disturbed_since(),
        "health": health.current() if health.disturbed_since() else None,
    }
