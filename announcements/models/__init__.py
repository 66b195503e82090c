"""The announcements app's models, one module per concern (as wagtail splits its own).

``announcement`` is what staff write, ``template`` the WhatsApp templates it is sent with,
``delivery`` what happened to each message. Import them from here,
``from announcements.models import Delivery``: the modules are a layout, not an API.
"""

from .aggregate import DeliveryAggregate
from .announcement import ARCHIVE_STATUSES, IN_ARCHIVE, Announcement
from .audience import AnnouncementTopic, AnnouncementVersion, audience_topics, recipients
from .delivery import Delivery, UnmatchedStatus
from .template import MessageTemplate

__all__ = [
    "ARCHIVE_STATUSES",
    "IN_ARCHIVE",
    "Announcement",
    "AnnouncementTopic",
    "AnnouncementVersion",
    "Delivery",
    "DeliveryAggregate",
    "MessageTemplate",
    "UnmatchedStatus",
    "audience_topics",
    "recipients",
]
