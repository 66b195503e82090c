"""Every status change of an announcement, in one place.

The admin, the Celery tasks and the tests call these functions and nothing else, so each
rule (who may, from which state, what is logged) exists once. A transition is a
conditional ``UPDATE ... WHERE status IN (...)``: two people pressing "Freigeben" and
"Abbrechen" at the same moment cannot both win, and a replayed task changes nothing.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import audit

from . import media, templating
from .models import Announcement

logger = logging.getLogger(__name__)
Status = Announcement.Status

EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)
RUNNING = (Status.SENDING, Status.PAUSED)
# Changing only these is not writing the text: the sending time is the approver's call
# anyway (approve with a time, "Zeitpunkt setzen"), so it does not bar them from approving.
NOT_CONTENT = {"scheduled_at"}


class TransitionError(Exception):
    """The announcement is not in a state (or shape) that allows this step."""

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class NotEditable(TransitionError):
    """The announcement has left the editable states since its form was opened."""

    def __init__(self, announcement, message):
        super().__init__(message)
        self.announcement = announcement


def _require(user, permission):
    if user is None or not user.has_perm(f"announcements.{permission}"):
        raise PermissionDenied(_("Dazu fehlt Ihnen die Berechtigung."))


def _transition(announcement, user, action, sources, target, details=None, **fields):
    """Move ``announcement`` from one of ``sources`` to ``target``, atomically and audited."""
    previous = announcement.status
    with transaction.atomic():
        changed = Announcement.objects.filter(pk=announcement.pk, status__in=sources).update(
            status=target, updated_at=timezone.now(), **fields
        )
        if not changed:
            announcement.refresh_from_db()
            raise TransitionError(
                _("Die Nachricht ist im Zustand „%(status)s“; das ist jetzt nicht möglich.")
                % {"status": announcement.get_status_display()}
            )
        audit.record(
            user,
            f"announcement.{action}",
            announcement,
            announcement_id=announcement.pk,
            status_from=previous,
            status_to=target,
            **(details or {}),
        )
    announcement.refresh_from_db()
    logger.info(
        "announcement %s: %s (%s -> %s) by %s",
        announcement.pk,
        action,
        previous,
        target,
        user.get_username() if user is not None else "system",
    )
    return announcement


def check_content(announcement):
    """Raise TransitionError listing everything Meta would reject in this announcement."""
    template = announcement.template
    if template is None:
        raise TransitionError(_("Bitte wählen Sie eine Vorlage."))
    errors = []
    if not template.is_approved:
        errors.append(
            _("Die Vorlage „%(name)s“ ist bei WhatsApp nicht freigegeben.")
            % {"name": template.name}
        )
    errors.extend(templating.validate_params(template, announcement.template_params))
    if template.header_type in ("IMAGE", "DOCUMENT") and not announcement.media:
        errors.append(_("Diese Vorlage braucht ein Bild oder ein PDF."))
    if errors:
        raise TransitionError(" ".join(errors), errors)


def submit(announcement, user):
    """Draft → submitted. Redaktion may submit only what they wrote themselves."""
    _require(user, "submit_announcement")
    if announcement.created_by_id != user.pk and not user.has_perm(
        "announcements.approve_announcement"
    ):
        raise PermissionDenied(_("Sie können nur eigene Entwürfe einreichen."))
    check_content(announcement)
    return _transition(
        announcement,
        user,
        "submit",
        [Status.DRAFT],
        Status.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
    )


def involvement(announcement, user):
    """How ``user`` shaped the current text: ``created``, ``submitted``, ``edited`` (or none).

    Anyone who wrote or changed the text since its last approval is already one pair of
    eyes, so cannot also be the second one.
    """
    roles = []
    if user.pk == announcement.created_by_id:
        roles.append("created")
    if user.pk == announcement.submitted_by_id:
        roles.append("submitted")
    if announcement.pk and announcement.content_editors.filter(pk=user.pk).exists():
        roles.append("edited")
    return roles


def approve(announcement, user, when=None):
    """Submitted → approved, by a second person (four-eyes principle), optionally with the
    sending time: approving and scheduling in one step leaves no moment in which an
    approved message without a time could already be picked up for sending.

    Nobody who created, submitted or edited the current text may approve it. With
    ``ALLOW_SELF_APPROVAL`` a one-person office can approve its own text; the audit entry
    says so. Urgent warnings lose any schedule: they go out at once.

    The check needs no lock: every content edit sends a submitted text back to draft in the
    transaction that records the editor, so an edit after the check makes the conditional
    UPDATE below find no submitted row.
    """
    _require(user, "approve_announcement")
    roles = involvement(announcement, user)
    if roles and not settings.ALLOW_SELF_APPROVAL:
        audit.record(
            user,
            "announcement.approve_refused",
            announcement,
            announcement_id=announcement.pk,
            reason="four_eyes",
            involvement=roles,
        )
        if roles == ["edited"]:
            raise PermissionDenied(
                _(
                    "Vier-Augen-Prinzip: Sie haben diese Nachricht bearbeitet; die Freigabe "
                    "muss jemand anderes erteilen."
                )
            )
        raise PermissionDenied(
            _("Vier-Augen-Prinzip: Eine eigene Nachricht muss jemand anderes freigeben.")
        )
    check_content(announcement)
    fields = {"approved_by": user, "approved_at": timezone.now()}
    details = {"self_approval": True, "involvement": roles} if roles else {}
    if when is not None:
        _check_schedule(announcement, when)
        fields["scheduled_at"] = when
        details["scheduled_at"] = when.isoformat()
    if announcement.urgent:
        fields["scheduled_at"] = None
    if details:
        fields["details"] = details
    with transaction.atomic():
        announcement = _transition(
            announcement, user, "approve", [Status.SUBMITTED], Status.APPROVED, **fields
        )
        # The approved text is reviewed: only changes from here on count against approvers.
        announcement.content_editors.clear()
    return announcement


def _check_schedule(announcement, when):
    if announcement.urgent:
        raise TransitionError(_("Dringende Warnungen werden sofort gesendet, nicht geplant."))
    if when <= timezone.now():
        raise TransitionError(_("Der geplante Zeitpunkt liegt in der Vergangenheit."))


def schedule(announcement, user, when):
    """Set the sending time of an approved announcement (``None`` = as soon as possible)."""
    _require(user, "approve_announcement")
    if when is not None:
        _check_schedule(announcement, when)
    return _transition(
        announcement,
        user,
        "schedule",
        [Status.APPROVED],
        Status.APPROVED,
        scheduled_at=when,
        details={"scheduled_at": when.isoformat() if when else None},
    )


def send_now(announcement, user):
    """Drop the schedule of an approved announcement, so the next dispatch run takes it."""
    _require(user, "approve_announcement")
    return _transition(
        announcement, user, "send_now", [Status.APPROVED], Status.APPROVED, scheduled_at=None
    )


def cancel(announcement, user):
    """Stop an announcement that has not started: it will never be sent."""
    _require(user, "cancel_announcement")
    return _transition(
        announcement,
        user,
        "cancel",
        list(EDITABLE),
        Status.CANCELLED,
        cancelled_by=user,
        cancelled_at=timezone.now(),
    )


def pause(announcement, user, reason=""):
    """Sending → paused. ``user=None`` is the engine pausing itself (reason required)."""
    if user is not None:
        _require(user, "cancel_announcement")
    return _transition(
        announcement,
        user,
        "pause",
        [Status.SENDING],
        Status.PAUSED,
        pause_reason=reason,
        details={"reason": reason},
    )


def resume(announcement, user):
    """Paused → sending: the engine continues with the deliveries still queued."""
    _require(user, "cancel_announcement")
    return _transition(
        announcement, user, "resume", [Status.PAUSED], Status.SENDING, pause_reason=""
    )


def stop(announcement, user):
    """Sending or paused → cancelled. What was sent stays sent; the queue is cancelled."""
    _require(user, "cancel_announcement")
    with transaction.atomic():
        announcement = _transition(
            announcement,
            user,
            "stop",
            list(RUNNING),
            Status.CANCELLED,
            cancelled_by=user,
            cancelled_at=timezone.now(),
            finished_at=timezone.now(),
        )
        announcement.deliveries.filter(status="queued").update(
            status="cancelled", updated_at=timezone.now()
        )
    return announcement


def return_to_draft(announcement, user):
    """Editing a submitted or approved text voids its approval: it is a new text now."""
    _require(user, "change_announcement")
    return _transition(
        announcement,
        user,
        "return_to_draft",
        [Status.SUBMITTED, Status.APPROVED],
        Status.DRAFT,
        submitted_by=None,
        submitted_at=None,
        approved_by=None,
        approved_at=None,
    )


def save_edit(announcement, user, fields):
    """Write staff's changes to ``fields`` of ``announcement``; True if it went back to draft.

    ``announcement`` comes from a form and may be stale by now: the dispatcher may have
    started sending in the meantime. So the row is locked and its status read again, and
    only the fields that really differ from the locked row are written, never the status
    or the approval: an edit racing the start of sending cannot put new text into a
    sending announcement, nor turn it back into an approved one. A changed text joins its
    editor to ``content_editors`` (no approving it then), and a submitted or approved one
    goes back to draft: the earlier approval was for another text.
    """
    _require(user, "change_announcement")
    with transaction.atomic():
        current = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if current.status not in EDITABLE:
            raise NotEditable(current, not_editable_message(current))
        changed = sorted(
            name
            for name in set(fields)
            if _field_value(announcement, name) != _field_value(current, name)
        )
        if not changed:
            return False
        announcement.save(update_fields=[*changed, "updated_at"])
        if set(changed) - NOT_CONTENT:
            announcement.content_editors.add(user)
        audit.record(
            user, "announcement.edit", announcement, announcement_id=announcement.pk, fields=changed
        )
        if current.status == Status.DRAFT:
            return False
        announcement.status = current.status  # for the audit entry's status_from
        return_to_draft(announcement, user)
    return True


def not_editable_message(announcement):
    return _(
        "Die Nachricht ist inzwischen im Zustand „%(status)s“ und kann nicht mehr geändert "
        "werden; Ihre Änderungen wurden nicht gespeichert."
    ) % {"status": announcement.get_status_display()}


def _field_value(announcement, name):
    """The stored value of a field, comparable between a form's copy and the locked row."""
    field = Announcement._meta.get_field(name)
    value = getattr(announcement, field.attname)
    if isinstance(field, models.FileField):
        return value.name or ""
    return value


def start_sending(announcement):
    """Approved → sending; called by the dispatcher when the time has come."""
    return _transition(
        announcement, None, "start", [Status.APPROVED], Status.SENDING, started_at=timezone.now()
    )


def finish_sending(announcement):
    """Sending → sent / partly failed / failed, from the delivery rows (one query)."""
    counts = announcement.deliveries.aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(status="failed"))
    )
    if counts["failed"] == 0:
        target = Status.SENT
    elif counts["failed"] == counts["total"]:
        target = Status.FAILED
    else:
        target = Status.PARTLY_FAILED
    return _transition(
        announcement,
        None,
        "finish",
        [Status.SENDING],
        target,
        finished_at=timezone.now(),
        details={"total": counts["total"], "failed": counts["failed"]},
    )


def test_send(announcement, user):
    """Send the announcement to the office's own test phones, never to subscribers.

    Returns ``(sent, failed)``: a list of error explanations for the numbers that failed,
    without the numbers themselves.
    """
    from whatsapp import get_backend
    from whatsapp.exceptions import WhatsAppError
    from whatsapp.numbers import normalize

    _require(user, "test_send_announcement")
    if announcement.status not in EDITABLE:
        raise TransitionError(_("Testsendungen sind nur vor dem Versand möglich."))
    if not settings.TEST_RECIPIENTS:
        raise TransitionError(
            _("Für Ihre Dienststelle sind keine Testnummern eingerichtet (TEST_RECIPIENTS).")
        )
    check_content(announcement)
    media.ensure_uploaded(announcement)
    backend = get_backend()
    kwargs = announcement.send_kwargs()
    sent, failed = 0, []
    for number in settings.TEST_RECIPIENTS:
        try:
            to = normalize(number)
        except ValueError:
            failed.append(_("Eine Testnummer in TEST_RECIPIENTS ist keine gültige Nummer."))
            continue
        try:
            backend.send_template(to, **kwargs, callback_data=f"test:{announcement.pk}")
            sent += 1
        except WhatsAppError as error:
            failed.append(error.explanation or str(error.code))
    audit.record(
        user,
        "announcement.test_send",
        announcement,
        announcement_id=announcement.pk,
        sent=sent,
        failed=len(failed),
    )
    return sent, failed
