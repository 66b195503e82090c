"""The audit log's actions in words: "Nachricht freigegeben", not ``announcement.approve``.

Code records short, stable codes (they are searched and counted, e.g. the look-up limit);
this is the one table that says what each means to the people who read the log.
``audit/tests/test_action_labels.py`` fails when code records an action missing here.
"""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "login_failed": _("Login failed"),
    "otp.enrol": _("Two-factor login set up"),
    "otp.verify": _("Two-factor code confirmed"),
    "otp.failed": _("Wrong two-factor code"),
    "otp.enrolment_code_issued": _("Set-up code for two-factor login issued"),
    "otp.enrolment_code": _("Set-up code for two-factor login used"),
    "otp.enrolment_code_refused": _("Invalid set-up code for two-factor login"),
    "announcement.create": _("Message created"),
    "announcement.edit": _("Message changed"),
    "announcement.edit_refused": _("Change refused (message no longer editable)"),
    "announcement.export": _("Statistics of a message exported"),
    "announcement.test_send": _("Test message sent"),
    "announcement.submit": _("Submitted for approval"),
    "announcement.approve": _("Message approved"),
    "announcement.approve_refused": _("Approval refused (four-eyes principle)"),
    "announcement.schedule": _("Sending time set"),
    "announcement.send_now": _("Send now triggered"),
    "announcement.pause": _("Sending paused"),
    "announcement.resume": _("Sending resumed"),
    "announcement.stop": _("Sending ended"),
    "announcement.cancel": _("Message discarded"),
    "announcement.return_to_draft": _("Back to draft"),
    "announcement.start": _("Sending started"),
    "announcement.finish": _("Sending completed"),
    "announcement.late_failure": _("Deliveries that failed later"),
    "announcement.expire": _("Message expired (valid-until reached)"),
    "announcement.import_submit": _("Official warning submitted for approval"),
    "announcement.import_update": _("Official warning updated"),
    "announcement.import_cancel": _("Official warning cancelled, draft discarded"),
    "announcement.import_approve": _("Official warning approved automatically (by no person)"),
    "nina.import": _("Official warning imported from NINA"),
    "nina.update": _("Draft of an official warning updated"),
    "templates.sync": _("Templates synced with WhatsApp"),
    "prices.load": _("Price table loaded"),
    "costs.export": _("Cost report exported"),
    "subscriber_erased": _("Subscriber erased"),
    "subscriber_erased_on_request": _("Subscriber erased on request (reason)"),
    "consent_log_exported": _("Consent log exported"),
    "consent_log_verified": _("Consent log verified"),
    "consent_log_export_refused": _("Consent log export refused (signatures do not match)"),
    "consent_log_nightly_check": _("Consent log checked overnight"),
    "consent_lookup": _("Consents looked up by number"),
    "consent_lookup_refused": _("Number look-up refused (limit reached)"),
}

# Keys of ``details`` as they read in the log's detail view.
DETAIL_LABELS = {
    "announcement_id": _("Message no."),
    "status_from": _("Status before"),
    "status_to": _("Status after"),
    "fields": _("Changed fields"),
    "reason": _("Reason"),
    "involvement": _("Involvement"),
    "sent": _("Sent"),
    "failed": _("Failed"),
    "status": _("Status"),
    "format": _("Format"),
    "start": _("From"),
    "end": _("To"),
    "checked": _("Checked"),
    "ok": _("In order"),
    "broken_seq": _("First broken entry"),
    "rows": _("Entries"),
    "identifier": _("Identifier of the official warning"),
    "version": _("Version of the warning"),
    "kind": _("Kind"),
    "number_hash": _("Number hash"),
    "found": _("Found"),
    "limit": _("Limit"),
    "source": _("Channel"),
    "created": _("New"),
    "updated": _("Updated"),
    "gone": _("Gone"),
}


def label(action: str) -> str:
    """The words for ``action``; an unforeseen code is shown as it is, never hidden."""
    return str(LABELS.get(action, action))


def details_text(details: dict) -> list[tuple[str, str]]:
    """``details`` as (German label, value) pairs, for reading rather than parsing."""
    pairs = []
    for key, value in details.items():
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        pairs.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return pairs
