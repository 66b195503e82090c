"""Every status change of an announcement, in one place.

The admin, the Celery tasks and the tests call these functions and nothing else, so each
rule (who may, from which state, what is logged) exists once: ``ACTIONS`` is the table of
source states, targets and permissions, ``transition`` the one place that applies a row
of it, and the admin draws its buttons from the same table. A transition is a
conditional ``UPDATE ... WHERE status IN (...)``: two people pressing "Freigeben" and
"Abbrechen" at the same moment cannot both win, and a replayed task changes nothing.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import alerts.services
import audit

from . import audience, media, templating
from .engine import deliveries
from .models import Announcement

logger = logging.getLogger(__name__)
Status = Announcement.Status

EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)
RUNNING = (Status.SENDING, Status.PAUSED)
# Every other state is an end: nothing more will be sent (a "sent" one may still turn
# "partly failed" from a late webhook, which sends nothing either). Derived, not listed,
# so a state added later is an end state for retention unless it is made editable or
# running; ``test_retention`` checks this against ``ACTIONS``.
ENDED = tuple(status for status in Status if status not in (*EDITABLE, *RUNNING))
# Changing only these is not writing the text: the sending time is the approver's call
# anyway (approve with a time, "Zeitpunkt setzen"), so it does not bar them from approving.
NOT_CONTENT = {"scheduled_at"}


@dataclass(frozen=True)
class Action:
    """One row of ``ACTIONS``: what may happen to an announcement, from where, by whom.

    ``targets`` are the statuses the action can end in; more than one when the result is
    only known when it runs (finishing: sent, partly failed or failed), none when it does
    not change the status at all (a test send). ``permission`` is the codename a person
    needs; ``system`` says the engine may do it with no person (``actor=None``, audited as
    the system). ``label`` makes it a button on the change form, ``done`` is the message
    after pressing it; both are German msgids. ``confirm`` says what pressing it does that
    cannot be undone: such an action first shows a confirmation page with that text, and
    ``destructive`` ones stand apart from the other buttons.
    """

    sources: tuple
    targets: tuple
    permission: str | None = None
    system: bool = False
    label: str = ""
    done: str = ""
    confirm: str = ""
    destructive: bool = False

    @property
    def is_button(self):
        return bool(self.label)

    def applies_to(self, announcement):
        return announcement.status in self.sources


# The one table of who may change an announcement from which state to which. Every status
# change goes through ``transition`` with one of these names (late failures of several
# broadcasts at once through ``mark_partly_failed``), the admin builds its buttons from
# the rows with a label (in this order), and the tests walk it.
ACTIONS = {
    "test_send": Action(
        EDITABLE,
        (),
        "test_send_announcement",
        label=gettext_lazy("Send a test to the test numbers"),
    ),
    "submit": Action(
        (Status.DRAFT,),
        (Status.SUBMITTED,),
        "submit_announcement",
        label=gettext_lazy("Submit for approval"),
        done=gettext_lazy("The message has been submitted for approval."),
    ),
    "approve": Action(
        (Status.SUBMITTED,),
        (Status.APPROVED,),
        "approve_announcement",
        label=gettext_lazy("Approve"),
        done=gettext_lazy("The message is approved."),
    ),
    "schedule": Action(
        (Status.APPROVED,),
        (Status.APPROVED,),
        "approve_announcement",
        label=gettext_lazy("Set send time"),
        done=gettext_lazy("The send time has been saved."),
    ),
    "send_now": Action(
        (Status.APPROVED,),
        (Status.APPROVED,),
        "approve_announcement",
        label=gettext_lazy("Send now"),
        done=gettext_lazy("The message is being sent now."),
    ),
    "pause": Action(
        (Status.SENDING,),
        (Status.PAUSED,),
        "cancel_announcement",
        system=True,  # the engine pauses itself on account-wide errors
        label=gettext_lazy("Pause"),
        done=gettext_lazy("Sending is paused."),
        confirm=gettext_lazy(
            "Sending stops. What was sent stays sent; the rest waits until someone presses "
            "“Resume”."
        ),
    ),
    "resume": Action(
        (Status.PAUSED,),
        (Status.SENDING,),
        "cancel_announcement",
        label=gettext_lazy("Resume"),
        done=gettext_lazy("Sending has resumed."),
    ),
    "stop": Action(
        RUNNING,
        (Status.CANCELLED,),
        "cancel_announcement",
        label=gettext_lazy("End sending for good"),
        done=gettext_lazy("Sending has ended; anything not yet sent has been cancelled."),
        confirm=gettext_lazy(
            "Whoever has not received the message yet never will. This cannot be undone."
        ),
        destructive=True,
    ),
    "cancel": Action(
        EDITABLE,
        (Status.CANCELLED,),
        "cancel_announcement",
        label=gettext_lazy("Discard message for good"),
        done=gettext_lazy("The message has been discarded and will not be sent."),
        confirm=gettext_lazy(
            "The message will never be sent and can no longer be edited or approved. This "
            "cannot be undone."
        ),
        destructive=True,
    ),
    # Not buttons: editing does this, or the engine.
    "return_to_draft": Action(
        (Status.SUBMITTED, Status.APPROVED), (Status.DRAFT,), "change_announcement"
    ),
    "start": Action((Status.APPROVED,), (Status.SENDING,), system=True),
    "finish": Action(
        (Status.SENDING,),
        (Status.SENT, Status.PARTLY_FAILED, Status.FAILED, Status.EXPIRED),
        system=True,
    ),
    # "gültig bis" passed before it was sent (a running one finishes as expired instead).
    "expire": Action((*EDITABLE, Status.PAUSED), (Status.EXPIRED,), system=True),
    # The NINA importer (``nina``), audited with no person: it writes and submits official
    # warnings, rewrites them while unsent, withdraws them when the authority does, and
    # approves them itself only where ``NINA_AUTO_SEND_SEVERITIES`` says so. An update of
    # a submitted or approved text first sends it back to draft (the approval is void),
    # and only then is the new text written: what a person approved is never changed.
    "import_submit": Action((Status.DRAFT,), (Status.SUBMITTED,), system=True),
    "import_update": Action((Status.SUBMITTED, Status.APPROVED), (Status.DRAFT,), system=True),
    "import_cancel": Action(EDITABLE, (Status.CANCELLED,), system=True),
    "import_approve": Action((Status.SUBMITTED,), (Status.APPROVED,), system=True),
    # A failure reported after the broadcast finished as sent (webhooks come late).
    "late_failure": Action((Status.SENT,), (Status.PARTLY_FAILED,), system=True),
}


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
        raise PermissionDenied(_("You do not have permission to do that."))


def authorize(actor, action):
    """Raise PermissionDenied unless ``actor`` may do ``action`` (``None``: the system).

    The services call this before their other checks, so someone without the permission
    learns that, not what else is wrong with the message.
    """
    spec = ACTIONS[action]
    if actor is None:
        if not spec.system:
            raise PermissionDenied(_("You do not have permission to do that."))
        return
    if spec.permission is None:  # engine-only steps: no person may force them
        raise PermissionDenied(_("You do not have permission to do that."))
    _require(actor, spec.permission)


def available_actions(announcement, user):
    """``(name, label)`` of the buttons ``user`` may press now (checked again on press)."""
    return [
        (name, spec.label)
        for name, spec in ACTIONS.items()
        if spec.is_button
        and spec.applies_to(announcement)
        and user.has_perm(f"announcements.{spec.permission}")
    ]


def transition(announcement, action, actor=None, *, target=None, details=None, **fields):
    """Do ``action`` of ``ACTIONS`` to ``announcement``, atomically and audited.

    ``actor=None`` is the system (the engine), allowed only for system actions and audited
    without a user. ``target`` picks one of the action's targets when it has several;
    ``fields`` are written in the same conditional UPDATE as the status.
    """
    spec = ACTIONS[action]
    if target is None:
        if len(spec.targets) != 1:
            raise ValueError(f"{action}: pass one of the targets {spec.targets}")
        target = spec.targets[0]
    elif target not in spec.targets:
        raise ValueError(f"{action} cannot end in {target}")
    authorize(actor, action)
    previous = announcement.status
    with transaction.atomic():
        changed = Announcement.objects.filter(pk=announcement.pk, status__in=spec.sources).update(
            status=target, updated_at=timezone.now(), **fields
        )
        if not changed:
            announcement.refresh_from_db()
            raise TransitionError(
                _("The message is in the state “%(status)s”; this is not possible now.")
                % {"status": announcement.get_status_display()}
            )
        audit.record(
            actor,
            f"announcement.{action}",
            announcement,
            announcement_id=announcement.pk,
            status_from=previous,
            status_to=target,
            **(details or {}),
        )
    announcement.refresh_from_db()
    if previous == Status.PAUSED:
        alerts.services.resolve(paused_alert_key(announcement.pk))
    logger.info(
        "announcement %s: %s (%s -> %s) by %s",
        announcement.pk,
        action,
        previous,
        target,
        actor.get_username() if actor is not None else "system",
    )
    return announcement


def check_content(announcement):
    """Raise TransitionError listing everything Meta would reject in this announcement."""
    template = announcement.template
    if template is None:
        raise TransitionError(_("Please choose a template."))
    errors = []
    if not template.is_approved:
        errors.append(
            _("The template “%(name)s” is not approved by WhatsApp.") % {"name": template.label}
        )
    errors.extend(templating.validate_params(template, announcement.template_params))
    if template.header_type in ("IMAGE", "DOCUMENT") and not announcement.media:
        errors.append(_("This template needs an image or a PDF."))
    errors.extend(audience.version_errors(announcement))
    if errors:
        raise TransitionError(" ".join(errors), errors)


def submit(announcement, user):
    """Draft → submitted. Redaktion may submit only what they wrote themselves."""
    authorize(user, "submit")
    if announcement.created_by_id != user.pk and not user.has_perm(
        "announcements.approve_announcement"
    ):
        raise PermissionDenied(_("You can only submit your own drafts."))
    check_content(announcement)
    return transition(
        announcement,
        "submit",
        user,
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


MARKETING_WARNING = gettext_lazy(
    "WhatsApp has classified the template “%(name)s” as marketing: it costs about 2.5 times as "
    "much and counts as advertising."
)


def approve(announcement, user, when=None, *, confirm_marketing=False):
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
    authorize(user, "approve")
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
                _("Four-eyes principle: you edited this message; someone else must approve it.")
            )
        raise PermissionDenied(
            _("Four-eyes principle: someone else must approve your own message.")
        )
    check_content(announcement)
    check_still_valid(announcement)
    marketing = announcement.template.became_marketing
    if marketing and not confirm_marketing:
        raise TransitionError(
            str(MARKETING_WARNING % {"name": announcement.template.name})
            + " "
            + _("Please confirm this explicitly before you approve.")
        )
    fields = {"approved_by": user, "approved_at": timezone.now()}
    details = {"self_approval": True, "involvement": roles} if roles else {}
    if marketing:
        details["confirmed_marketing"] = True
    if when is not None:
        _check_schedule(announcement, when)
        fields["scheduled_at"] = when
        details["scheduled_at"] = when.isoformat()
    if announcement.urgent:
        fields["scheduled_at"] = None
    if details:
        fields["details"] = details
    with transaction.atomic():
        announcement = transition(announcement, "approve", user, **fields)
        # The approved text is reviewed: only changes from here on count against approvers.
        announcement.content_editors.clear()
    return announcement


def check_still_valid(announcement, when=None):
    """Raise TransitionError if the text's "gültig bis" has passed (or passes before ``when``)."""
    valid_until = announcement.valid_until
    if valid_until is not None and valid_until <= (when or timezone.now()):
        until = formats.date_format(timezone.localtime(valid_until), "SHORT_DATETIME_FORMAT")
        raise TransitionError(
            _("The message is only valid until %(until)s; it will not be sent after that.")
            % {"until": until}
        )


def _check_schedule(announcement, when):
    if announcement.urgent:
        raise TransitionError(_("Urgent warnings are sent immediately, not scheduled."))
    if when <= timezone.now():
        raise TransitionError(_("The scheduled time is in the past."))
    check_still_valid(announcement, when)


def schedule(announcement, user, when):
    """Set the sending time of an approved announcement (``None`` = as soon as possible)."""
    authorize(user, "schedule")
    if when is not None:
        _check_schedule(announcement, when)
    return transition(
        announcement,
        "schedule",
        user,
        scheduled_at=when,
        details={"scheduled_at": when.isoformat() if when else None},
    )


def send_now(announcement, user):
    """Drop the schedule of an approved announcement, so the next dispatch run takes it."""
    authorize(user, "send_now")
    return transition(announcement, "send_now", user, scheduled_at=None)


def cancel(announcement, user):
    """Stop an announcement that has not started: it will never be sent."""
    authorize(user, "cancel")
    return transition(
        announcement,
        "cancel",
        user,
        cancelled_by=user,
        cancelled_at=timezone.now(),
    )


def pause(announcement, user, reason=""):
    """Sending → paused. ``user=None`` is the engine pausing itself (reason required)."""
    return transition(
        announcement,
        "pause",
        user,
        pause_reason=reason,
        details={"reason": reason},
    )


def paused_alert_key(announcement_id):
    return f"announcement-paused:{announcement_id}"


def alert_paused(announcement, reason):
    """Tell staff the engine paused ``announcement`` (any reason: the engine's, a template's,
    a limit's); resuming or stopping it resolves the alert (``transition``)."""
    alerts.services.raise_alert(
        paused_alert_key(announcement.pk),
        format_lazy(gettext_lazy("Broadcast paused: {title}"), title=announcement.title),
        reason,
        reverse("admin:announcements_announcement_change", args=[announcement.pk]),
    )


def resume(announcement, user):
    """Paused → sending: the engine continues with the deliveries still queued."""
    authorize(user, "resume")
    template = announcement.template
    if template is not None and not template.is_approved:
        raise TransitionError(
            _(
                "The template “%(name)s” is not approved by WhatsApp; sending can only "
                "continue once WhatsApp approves it again."
            )
            % {"name": template.name}
        )
    return transition(announcement, "resume", user, pause_reason="")


def stop(announcement, user):
    """Sending or paused → cancelled. What was sent stays sent; the queue is cancelled."""
    authorize(user, "stop")
    with transaction.atomic():
        announcement = transition(
            announcement,
            "stop",
            user,
            cancelled_by=user,
            cancelled_at=timezone.now(),
            finished_at=timezone.now(),
        )
        deliveries.cancel_queued(announcement.deliveries.all(), timezone.now())
    return announcement


def return_to_draft(announcement, user):
    """Editing a submitted or approved text voids its approval: it is a new text now."""
    authorize(user, "return_to_draft")
    return transition(
        announcement,
        "return_to_draft",
        user,
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


def save_related_edit(announcement, user, what):
    """Topics or language versions changed (``admin_audience``): like a text edit, the
    editor joins ``content_editors`` and a submitted or approved one returns to draft.
    True if it went back to draft."""
    _require(user, "change_announcement")
    with transaction.atomic():
        current = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if current.status not in EDITABLE:
            raise NotEditable(current, not_editable_message(current))
        current.content_editors.add(user)
        audit.record(user, "announcement.edit", current, announcement_id=current.pk, fields=what)
        if current.status == Status.DRAFT:
            return False
        return_to_draft(current, user)
    return True


def not_editable_message(announcement):
    return _(
        "The message is now in the state “%(status)s” and can no longer be changed; your "
        "changes were not saved."
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
    return transition(announcement, "start", started_at=timezone.now())


def finish_sending(announcement):
    """Sending → sent / partly failed / failed, from the delivery rows (one query)."""
    counts = announcement.deliveries.aggregate(
        total=Count("pk"),
        failed=Count("pk", filter=Q(status="failed")),
        expired=Count("pk", filter=Q(status="expired")),
    )
    if counts["expired"]:
        target = Status.EXPIRED
    elif counts["failed"] == 0:
        target = Status.SENT
    elif counts["failed"] == counts["total"]:
        target = Status.FAILED
    else:
        target = Status.PARTLY_FAILED
    return transition(
        announcement,
        "finish",
        target=target,
        finished_at=timezone.now(),
        details=counts,
    )


def expire(announcement):
    """Not sent (or paused) when its "gültig bis" passed: it ends as "abgelaufen"."""
    return transition(
        announcement,
        "expire",
        finished_at=timezone.now(),
        details={"valid_until": announcement.valid_until.isoformat()},
    )


def mark_partly_failed(announcement_ids):
    """Sent → partly failed for those of ``announcement_ids`` that had finished as sent.

    For the engine, when webhooks report failures after a broadcast was finished: the
    ``late_failure`` row of ``ACTIONS``, done by the system and audited per announcement.
    Many ids at once because one webhook POST may fail deliveries of several broadcasts;
    the common case (none of them is "sent" any more) costs one query. The rows are locked
    in id order, so a concurrent webhook waits and then finds them changed, and two never
    deadlock. No savepoint of its own, like the webhook's code around it.

    Returns the ids that changed.
    """
    spec = ACTIONS["late_failure"]
    (target,) = spec.targets
    with transaction.atomic(savepoint=False):
        changed = list(
            Announcement.objects.select_for_update()
            .filter(pk__in=set(announcement_ids), status__in=spec.sources)
            .order_by("pk")
            .values_list("pk", "status", "title")
        )
        if not changed:
            return []
        Announcement.objects.filter(pk__in=[pk for pk, _status, _title in changed]).update(
            status=target, updated_at=timezone.now()
        )
        for pk, previous, title in changed:
            audit.record(
                None,
                "announcement.late_failure",
                title,  # what str(announcement) is, as in the other entries
                announcement_id=pk,
                status_from=previous,
                status_to=target,
            )
    for pk, previous, _title in changed:
        logger.info("announcement %s: late_failure (%s -> %s) by system", pk, previous, target)
    return [pk for pk, _status, _title in changed]


def send_test_message(announcement, user):
    """Send the announcement to the office's own test phones, never to subscribers.

    (Not ``test_send``: pytest would collect a function of that name as a test.)

    Returns ``(sent, failed)``: a list of error explanations for the numbers that failed,
    without the numbers themselves.
    """
    from whatsapp import get_backend
    from whatsapp.exceptions import WhatsAppError
    from whatsapp.numbers import normalize

    authorize(user, "test_send")
    if not ACTIONS["test_send"].applies_to(announcement):
        raise TransitionError(_("Test messages can only be sent before the broadcast starts."))
    if not settings.TEST_RECIPIENTS:
        raise TransitionError(_("No test numbers are set up for your office (TEST_RECIPIENTS)."))
    check_content(announcement)
    media.ensure_uploaded(announcement)
    backend = get_backend()
    kwargs = announcement.send_kwargs()
    sent, failed = 0, []
    for number in settings.TEST_RECIPIENTS:
        try:
            to = normalize(number)
        except ValueError:
            failed.append(_("A test number in TEST_RECIPIENTS is not a valid number."))
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
