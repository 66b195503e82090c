"""The GDPR Art. 13 information given at sign-up, built from settings in one place.

The sign-up page includes ``public/art13.html`` with ``art13=context()``; the
data-protection documents include the same fragment the same way
(``render_to_string("public/art13.html", {"art13": context()})``), so the two never differ.
Every period is read from the setting or constant the retention code itself uses (never
a copied number): change ``CONSENT_LOG_RETENTION_DAYS`` and the page says so.
"""

from django.conf import settings

from subscribers import replies
from subscribers.retention import PROCESSED_MESSAGE_DAYS


def _hours(delta):
    return round(delta.total_seconds() / 3600)


def retention():
    """The periods, by what is kept; the keys are the fragment's."""
    return {
        "consent_log_days": settings.CONSENT_LOG_RETENTION_DAYS,
        "webhook_event_days": settings.WHATSAPP_EVENT_RETENTION_DAYS,
        "processed_message_days": PROCESSED_MESSAGE_DAYS,
        "unmatched_status_days": settings.UNMATCHED_STATUS_RETENTION_DAYS,
        "delivery_days": settings.DELIVERY_RETENTION_DAYS,
        # The reply throttle keeps a number's hash its longest period, until the purge.
        "reply_throttle_hours": _hours(replies.kept_for()),
    }


def context():
    """Everything ``public/art13.html`` needs."""
    return {
        "controller": settings.PRIVACY_CONTROLLER,
        "dpo_contact": settings.PRIVACY_DPO_CONTACT,
        "supervisory_authority": settings.PRIVACY_SUPERVISORY_AUTHORITY,
        "processor": settings.PRIVACY_PROCESSOR,
        "privacy_url": settings.MUNICIPALITY_PRIVACY_URL,
        "stop_keyword": settings.KEYWORDS_STOP[0],
        "start_keyword": settings.KEYWORDS_START[0],
        **retention(),
    }


def template_context():
    """The context of ``public/art13.html`` wherever it is rendered: the sign-up page and
    the data-protection officer's documents (``privacy.documents``) show the same text."""
    return {"art13": context()}
