"""One row per (announcement, subscriber): what happened to each message.

The delivery engine (``announcements.engine``) is the only writer, always with set-based
SQL; staff read these rows in the admin. No phone number is stored here: the row points at
the subscriber and copies the subscriber's short code, which survives the subscriber's
deletion on "Stop".
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        READ = "read", _("read")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    announcement = models.ForeignKey(
        "announcements.Announcement",
        on_delete=models.CASCADE,
        db_index=False,  # the unique (announcement, subscriber) index serves it
        related_name="deliveries",
        verbose_name=_("Message"),
    )
    subscriber = models.ForeignKey(
        "subscribers.Subscriber",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("Subscriber"),
    )
    subscriber_code = models.CharField(_("Reference code"), max_length=16)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # The language version sent ("" = the German text), chosen by the fan-out.
    language = models.CharField(_("Language"), max_length=8, blank=True, default="", db_default="")
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    # The keyed hash of Meta's message id (``whatsapp.ids``): a wamid encodes the number.
    # NULL until Meta answers; unique among the non-NULL ones (a partial index, so the
    # fan-out of a million rows does not maintain a million index entries for nothing).
    wamid_hash = models.CharField(  # noqa: DJ001
        _("Message ID (hash)"), max_length=64, null=True, blank=True
    )
    error_code = models.IntegerField(_("Error code"), null=True, blank=True)
    error_title = models.CharField(_("Error"), max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # Meta's pricing for this message is counted (``pricing.billing``): exactly once,
    # whichever status brought it and in whatever order (``engine.statuses``).
    billed = models.BooleanField(_("billed"), default=False, db_default=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("Delivery")
        verbose_name_plural = _("Deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "subscriber"], name="delivery_unique_per_subscriber"
            ),
            models.UniqueConstraint(
                fields=["wamid_hash"],
                condition=Q(wamid_hash__isnull=False),
                name="delivery_unique_wamid",
            ),
        ]
        indexes = [
            # The claim walks one announcement's queued rows by id; counts go by status.
            models.Index(fields=["announcement", "status", "id"], name="delivery_claim_idx"),
            # The sweeper looks for stale claims, the messaging-limit planner for recent
            # sends; partial, so that queued rows (the fan-out) cost nothing here.
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="delivery_stale_idx",
            ),
            models.Index(
                fields=["sent_at"], condition=Q(sent_at__isnull=False), name="delivery_sent_at_idx"
            ),
        ]

    def __str__(self):
        return f"{self.announcement_id}/{self.subscriber_code}: {self.status}"


class UnmatchedStatus(models.Model):
    """A status webhook for a message id we do not know (yet), by its keyed hash.

    Meta can report "sent" before our worker has stored the send response; the status is
    kept here and applied when the hash appears (or dropped after a week, when it never
    belonged to a broadcast, e.g. the automatic replies to residents).
    """

    wamid_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10)
    occurred_at = models.DateTimeField()
    error_code = models.IntegerField(null=True, blank=True)
    # The status's ``pricing`` (``billing.pricing_of``), so it is billed once matched.
    pricing = models.JSONField(default=dict, db_default={}, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("unmatched status")
        verbose_name_plural = _("unmatched statuses")
        constraints = [
            models.UniqueConstraint(fields=["wamid_hash", "status"], name="unmatchedstatus_unique")
        ]

    def __str__(self):
        return f"{self.wamid_hash}: {self.status}"
