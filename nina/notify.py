"""The e-mail to everyone who may approve: an official warning waits for them.

Sent through Django's mail settings (``EMAIL_URL``; the console in development). The mail
names the warning and links to the message in the admin; it holds no resident's data.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from staff.approvers import approvers

from . import text
from .models import WarningMessage


def notify_waiting(announcements):
    """One mail per imported message waiting for approval; returns the mails sent."""
    recipients = sorted({user.email for user in approvers()})
    if not recipients:
        return 0
    sent = 0
    for announcement in announcements:
        link = settings.SITE_URL.rstrip("/") + reverse(
            "admin:announcements_announcement_change", args=[announcement.pk]
        )
        subject = _("Official warning awaiting approval: %(title)s") % {"title": announcement.title}
        body = _(
            "An official warning was imported from NINA and awaits your "
            "approval:\n\n%(title)s\n\nReview and approve: %(link)s\n"
        ) % {"title": announcement.title, "link": link}
        body += _changes(announcement)
        sent += send_mail(subject, body, None, recipients)
    return sent


def _changes(announcement):
    """Old and new text of a message an update rewrote (empty for a first import)."""
    message = WarningMessage.objects.filter(announcement=announcement).first()
    if message is None or not message.previous_text:
        return ""
    note = (
        _("NINA updated this warning after it had been approved; the approval is void.")
        if message.previous_was_approved
        else _("NINA updated this warning.")
    )
    return "\n%s\n\n%s\n%s\n\n%s\n%s\n" % (  # noqa: UP031
        note,
        _("Before:"),
        message.previous_text,
        _("Now:"),
        text.as_shown(announcement),
    )
