"""On a message's change form: what NINA's last update changed, old and new side by side.

A template tag of this app, as ``nina_overview``: ``announcements`` never imports
``nina``; the project's change form template loads it.
"""

from django import template

from announcements.models import Announcement

from .. import text
from ..models import WarningMessage

register = template.Library()
Status = Announcement.Status


@register.inclusion_tag("nina/changes.html")
def nina_changes(announcement):
    """Shown while the rewritten text waits for a person (draft or submitted)."""
    message = None
    if announcement is not None and announcement.status in (Status.DRAFT, Status.SUBMITTED):
        message = WarningMessage.objects.filter(announcement=announcement).first()
    if message is None or not message.previous_text:
        return {"changes": None}
    return {
        "changes": {
            "before": message.previous_text,
            "now": text.as_shown(announcement),
            "version_from": message.previous_version,
            "version_to": message.version,
            "was_approved": message.previous_was_approved,
        }
    }
