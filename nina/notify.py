"""The e-mail to everyone who may approve: an official warning waits for them.

Sent through Django's mail settings (``EMAIL_URL``; the console in development). The mail
names the warning and links to the message in the admin; it holds no resident's data.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from staff.approvers import approvers


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
        sent += send_mail(subject, body, None, recipients)
    return sent
