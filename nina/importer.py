"""What becomes of each NINA warning: ``plan`` decides, ``apply`` carries a decision out.

Per poll the district dashboard is read; a warning whose identifier and version were
imported before is skipped without fetching its detail. For the others:

- new, and no other provider reported the same event (same headline and expiry, as Home
  Assistant de-duplicates; DWD warnings appear several times): ``create`` a warning draft,
  submitted for approval by the importer (approved by it too where
  ``NINA_AUTO_SEND_SEVERITIES`` says so); the same event again: ``duplicate``, no draft;
- ``Update`` (a new version, or a new identifier whose CAP ``references`` name a known
  one): ``update_draft`` while the last message is still unsent, else ``follow_up``, a
  new draft "Aktualisierung: ...";
- ``Cancel``: ``cancel_unsent`` for each message not sent yet, and ``offer_all_clear``
  (a draft "Entwarnung: ...") if one went out.

Every status change goes through ``announcements.services`` as the system (``actor
None``), so the audit log shows that no person did it. The loop is bounded:
``MAX_WARNINGS_PER_POLL`` details per poll at most.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from announcements import services
from announcements.models import Announcement, MessageTemplate

from . import cap, filters, text
from .client import NinaError
from .models import ImportedWarning, WarningMessage

logger = logging.getLogger(__name__)
Status = Announcement.Status
Kind = WarningMessage.Kind
MAX_WARNINGS_PER_POLL = 50


@dataclass(frozen=True)
class Decision:
    action: str  # create, duplicate, update_draft, follow_up, cancel_unsent, offer_all_clear, seen
    warning: cap.Warning
    record: ImportedWarning | None = None  # the warning as imported before
    announcement: Announcement | None = None  # the message to change (update, cancel)
    duplicate_of: str = ""  # the identifier of the first report of the same event


@dataclass
class Plan:
    decisions: list[Decision] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # German, for the import's health


@dataclass(frozen=True)
class Applied:
    decision: Decision
    announcement: Announcement | None = None  # the message made or changed
    waiting: bool = False  # submitted, an approver should look at it
    auto_approved: bool = False


def went_out(announcement):
    """Residents got (some of) it: its sending started and did not fail outright."""
    return announcement.started_at is not None and announcement.status != Status.FAILED


def decide(warning, record, messages, same_event):
    """The decisions for one warning (pure: the state is passed in).

    ``record`` is the ``ImportedWarning`` it updates or cancels (or ``None``),
    ``messages`` that record's announcements, oldest first, and ``same_event`` another
    record's identifier with the same headline and expiry (another provider's report).
    """
    if not filters.keep(warning):
        return [Decision("seen", warning, record)]
    if record is None or (not messages and record.duplicate_of_id is None):
        if warning.msg_type == "Cancel":
            return [Decision("seen", warning)]
        if same_event is not None:
            return [Decision("duplicate", warning, duplicate_of=same_event)]
        return [Decision("create", warning)]
    if record.duplicate_of_id is not None:
        return [Decision("seen", warning, record)]
    unsent = [a for a in messages if a.status in services.EDITABLE]
    if warning.msg_type == "Cancel":
        decisions = [Decision("cancel_unsent", warning, record, a) for a in unsent]
        if any(went_out(a) for a in messages):
            decisions.append(Decision("offer_all_clear", warning, record))
        return decisions or [Decision("seen", warning, record)]
    if messages and messages[-1].status in services.EDITABLE:
        return [Decision("update_draft", warning, record, messages[-1])]
    return [Decision("follow_up", warning, record)]


def plan(client, ars):
    """Read the dashboard and the details it needs; the decisions and any errors.

    A failing dashboard raises ``NinaError`` (nothing to decide); a failing or unreadable
    detail is an error of this poll, and the other warnings are still decided.
    """
    result = Plan()
    summaries = [s for s in map(cap.summary, client.dashboard(ars)) if s is not None]
    summaries = [s for s in summaries if filters.wanted_provider(s.provider)]
    known = ImportedWarning.objects.in_bulk(
        [s.identifier for s in summaries], field_name="identifier"
    )
    fresh = [
        s for s in summaries if s.identifier not in known or known[s.identifier].version < s.version
    ]
    events = {}  # (headline, expires) -> record or warning decided in this poll
    for summary in fresh[:MAX_WARNINGS_PER_POLL]:
        try:
            warning = cap.warning(
                client.warning(summary.identifier), summary.version, summary.provider
            )
        except NinaError as error:
            result.errors.append(str(error))
            continue
        if warning is None:
            result.errors.append(f"{summary.identifier}: unreadable")
            continue
        record = known.get(warning.identifier) or _referenced(warning)
        messages = _messages(record)
        key = (warning.headline, warning.expires)
        same_event = events.get(key) or _same_event(warning) if warning.expires else None
        decisions = decide(warning, record, messages, same_event)
        if record is None and decisions[0].action == "create":
            events[key] = warning.identifier
        result.decisions.extend(decisions)
    return result


def _referenced(warning):
    if not warning.references:
        return None
    return ImportedWarning.objects.filter(identifier__in=warning.references).order_by("pk").first()


def _messages(record):
    if record is None:
        return []
    return [m.announcement for m in record.messages.select_related("announcement")]


def _same_event(warning):
    if warning.expires is None:
        return None
    return (
        ImportedWarning.objects.filter(
            headline=warning.headline, expires=warning.expires, duplicate_of__isnull=True
        )
        .exclude(identifier=warning.identifier)
        .values_list("identifier", flat=True)
        .first()
    )


# --- carrying out ------------------------------------------------------------------------


def apply(decision):
    """Carry out one decision in one transaction; an ``Applied``."""
    with transaction.atomic():
        return _APPLY[decision.action](decision)


def _remember(warning, duplicate_of=None):
    record, _created = ImportedWarning.objects.update_or_create(
        identifier=warning.identifier,
        defaults={
            "provider": warning.provider,
            "version": warning.version,
            "msg_type": warning.msg_type,
            "severity": warning.severity,
            "headline": warning.headline[:500],
            "expires": warning.expires,
            **({"duplicate_of": duplicate_of} if duplicate_of is not None else {}),
        },
    )
    return record


def _template():
    return MessageTemplate.objects.filter(name=settings.NINA_TEMPLATE, status="APPROVED").first()


def _submit(announcement, warning):
    """Submit as the importer; approve too where the severity says so. (waiting, auto)."""
    try:
        services.check_content(announcement)
    except services.TransitionError as error:
        logger.warning("nina: draft %s stays a draft: %s", announcement.pk, error.message)
        return True, False
    now = timezone.now()
    announcement = services.transition(
        announcement,
        "import_submit",
        None,
        submitted_at=now,
        submitted_by=None,
        approved_by=None,
        approved_at=None,
        details={"importer": "nina", "identifier": warning.identifier},
    )
    auto = warning.severity in settings.NINA_AUTO_SEND_SEVERITIES and warning.msg_type != "Cancel"
    if not auto or (announcement.valid_until and announcement.valid_until <= now):
        return True, False
    services.transition(
        announcement,
        "import_approve",
        None,
        approved_at=now,
        scheduled_at=None,
        details={
            "importer": "nina",
            "approved_by_person": False,
            "rule": "NINA_AUTO_SEND_SEVERITIES",
            "severity": warning.severity,
        },
    )
    return False, True


def _new_message(decision, kind, record=None):
    warning = decision.warning
    template = _template()
    all_clear = kind == Kind.ALL_CLEAR
    announcement = Announcement.objects.create(
        category=Announcement.Category.WARNING,
        urgent=not all_clear and warning.severity in settings.NINA_URGENT_SEVERITIES,
        template=template,
        valid_until=None if all_clear else warning.expires,
        created_by=None,
        **text.fields(warning, kind, template),
    )
    record = record or _remember(warning)
    WarningMessage.objects.create(
        warning=record, announcement=announcement, kind=kind, version=warning.version
    )
    audit.record(
        None,
        "nina.import",
        announcement,
        announcement_id=announcement.pk,
        identifier=warning.identifier,
        version=warning.version,
        kind=kind,
    )
    if all_clear:  # offered, never sent by itself
        return Applied(decision, announcement, waiting=_submit_only(announcement, warning))
    waiting, auto = _submit(announcement, warning)
    return Applied(decision, announcement, waiting=waiting, auto_approved=auto)


def _submit_only(announcement, warning):
    try:
        services.check_content(announcement)
    except services.TransitionError:
        return True
    services.transition(
        announcement,
        "import_submit",
        None,
        submitted_at=timezone.now(),
        details={"importer": "nina", "identifier": warning.identifier},
    )
    return True


def _create(decision):
    return _new_message(decision, Kind.ORIGINAL)


def _follow_up(decision):
    record = _remember(decision.warning)
    return _new_message(decision, Kind.UPDATE, record)


def _offer_all_clear(decision):
    record = _remember(decision.warning)
    return _new_message(decision, Kind.ALL_CLEAR, record)


def _update_draft(decision):
    """Rewrite the unsent message with the new version, never behind an approval's back.

    The row is locked first, so the dispatcher cannot start it meanwhile. A submitted or
    approved one goes back to draft (``import_update``: approval void, audited) before
    the new text is written, all in ``apply``'s one transaction; then it is submitted
    again like a new warning, and the approvers are mailed. The text it had before is
    kept on the ``WarningMessage`` so the approver sees old and new side by side.
    ``NINA_AUTO_SEND_SEVERITIES`` (in ``_submit``) stays the one exception.
    """
    warning = decision.warning
    announcement = (
        Announcement.objects.select_for_update()
        .filter(pk=decision.announcement.pk, status__in=services.EDITABLE)
        .first()
    )
    if announcement is None:  # sending started meanwhile: it is news for those who got it
        return _follow_up(decision)
    message = WarningMessage.objects.get(announcement=announcement)
    was_approved = announcement.status == Status.APPROVED
    previous = {"text": text.as_shown(announcement), "version": message.version}
    if announcement.status != Status.DRAFT:
        announcement = services.transition(
            announcement,
            "import_update",
            None,
            submitted_at=None,
            submitted_by=None,
            approved_at=None,
            approved_by=None,
            details={
                "importer": "nina",
                "identifier": warning.identifier,
                "version_from": message.version,
                "version_to": warning.version,
                "approval_voided": was_approved,
            },
        )
    Announcement.objects.filter(pk=announcement.pk).update(
        valid_until=warning.expires,
        urgent=warning.severity in settings.NINA_URGENT_SEVERITIES,
        updated_at=timezone.now(),
        **text.fields(warning, message.kind, announcement.template),
    )
    WarningMessage.objects.filter(pk=message.pk).update(
        version=warning.version,
        previous_text=previous["text"],
        previous_version=previous["version"],
        previous_was_approved=was_approved,
    )
    _remember(warning)
    announcement.refresh_from_db()
    audit.record(
        None,
        "nina.update",
        announcement,
        announcement_id=announcement.pk,
        identifier=warning.identifier,
        version=warning.version,
    )
    waiting, auto = _submit(announcement, warning)
    return Applied(decision, announcement, waiting=waiting, auto_approved=auto)


def _cancel_unsent(decision):
    _remember(decision.warning)
    try:
        announcement = services.transition(
            decision.announcement,
            "import_cancel",
            None,
            cancelled_at=timezone.now(),
            details={"importer": "nina", "identifier": decision.warning.identifier},
        )
    except services.TransitionError:
        return Applied(decision)  # started meanwhile; the Cancel's all-clear follows
    return Applied(decision, announcement)


def _duplicate(decision):
    first = ImportedWarning.objects.get(identifier=decision.duplicate_of)
    _remember(decision.warning, duplicate_of=first)
    return Applied(decision)


def _seen(decision):
    _remember(decision.warning)  # not fetched again until its next version
    return Applied(decision)


_APPLY = {
    "create": _create,
    "duplicate": _duplicate,
    "update_draft": _update_draft,
    "follow_up": _follow_up,
    "cancel_unsent": _cancel_unsent,
    "offer_all_clear": _offer_all_clear,
    "seen": _seen,
}
