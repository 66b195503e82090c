"""Raise and resolve alerts: the one API every app calls when something stops.

``raise_alert(key, subject, message, link)`` opens the alert ``key`` (or keeps it open,
with the newest texts) and mails it to ``ALERT_EMAILS``, or by default to everyone who
may approve (``staff.approvers``), unless this key was mailed less than ``MAIL_EVERY``
ago: one mail per cause and hour, however often it is raised meanwhile. ``resolve(key)``
takes it off the overview's banner. The texts are rendered in the site's language
(German) whatever language the caller runs in: pass ``gettext_lazy``/``format_lazy``
texts or strings already in German.

Keys name the cause, e.g. ``announcement-paused:42`` or ``nina-import``; callers build
them in one place of their own. A mail that cannot be sent is logged as an error and the
alert stays on the banner: raising never breaks the caller (a pause must still happen).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from staff.approvers import approvers

from .models import Alert

logger = logging.getLogger(__name__)

MAIL_EVERY = timedelta(hours=1)


def raise_alert(key, subject, message, link="", *, now=None):
    """Open alert ``key``; mail it unless mailed within ``MAIL_EVERY``. True if mailed.

    ``link`` is a path of this site (``reverse(...)``), made absolute with ``SITE_URL``
    for the mail.
    """
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        subject, message = str(subject)[:300], str(message)
        with transaction.atomic():
            alert, created = Alert.objects.select_for_update().get_or_create(
                key=key,
                defaults={"subject": subject, "message": message, "link": link, "raised_at": now},
            )
            if not created:
                if alert.resolved_at is not None:
                    alert.raised_at, alert.resolved_at = now, None
                alert.subject, alert.message, alert.link = subject, message, link
            mail = alert.mailed_at is None or now - alert.mailed_at >= MAIL_EVERY
            if mail:
                alert.mailed_at = now
            alert.save()
        logger.warning("alert %s: %s: %s", key, subject, message)
        if not mail:
            return False
        if _mail(alert):
            return True
        # Not sent: the next raise of this cause tries again instead of waiting an hour.
        Alert.objects.filter(pk=alert.pk, mailed_at=now).update(mailed_at=None)
        return False


def resolve(key, *, now=None):
    """Take alert ``key`` off the banner; True if it was open."""
    resolved = Alert.objects.filter(key=key, resolved_at__isnull=True).update(
        resolved_at=now or timezone.now()
    )
    if resolved:
        logger.info("alert %s resolved", key)
    return bool(resolved)


def open_alerts():
    """The alerts the overview shows, newest first."""
    return Alert.objects.filter(resolved_at__isnull=True).order_by("-raised_at")


def recipients():
    """``ALERT_EMAILS``, or when it is empty everyone who may approve."""
    return sorted(set(settings.ALERT_EMAILS) or {user.email for user in approvers()})


def _mail(alert):
    to = recipients()
    if not to:
        logger.error("alert %s: nobody to mail (set ALERT_EMAILS)", alert.key)
        return False
    link = settings.SITE_URL.rstrip("/") + alert.link if alert.link else ""
    body = _(
        "%(subject)s\n\nWhy: %(message)s\n\n%(link)sThis message stays on the overview "
        "until the cause is resolved. About the same cause you get at most one e-mail "
        "per hour.\n"
    ) % {
        "subject": alert.subject,
        "message": alert.message,
        "link": _("Details: %(link)s\n\n") % {"link": link} if link else "",
    }
    try:
        send_mail(_("Titz Broadcast: %(subject)s") % {"subject": alert.subject}, body, None, to)
    except OSError as exc:  # smtplib's errors and refused connections alike
        logger.error("alert %s: e-mail not sent: %s", alert.key, exc)
        return False
    return True
