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
        QUEUED = "queued", _("wartet")
        SENDING = "sending", _("wird gesendet")
        SENT = "sent", _("gesendet")
        DELIVERED = "delivered", _("zugestellt")
        READ = "read", _("gelesen")
        FAILED = "failed", _("fehlgeschlagen")
        CANCELLED = "cancelled", _("abgebrochen")
        EXPIRED = "expired", _("abgelaufen")

    announcement = models.ForeignKey(
        "announcements.Announcement",
        on_delete=models.CASCADE,
        db_index=False,  # the unique (announcement, subscriber) index serves it
        related_name="deliveries",
        verbose_name=_("Nachricht"),
    )
    subscriber = models.ForeignKey(
        "subscribers.Subscriber",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("Abonnent"),
    )
    subscriber_code = models.CharField(_("Kennziffer"), max_length=16)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # The language version sent ("" = the German text), chosen by the fan-out.
    language = models.CharField(_("Sprache"), max_length=8, blank=True, default="", db_default="")
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("zum Senden übernommen"), null=True, blank=True)
    # The keyed hash of Meta's message id (``whatsapp.ids``): a wamid encodes the number.
    # NULL until Meta answers; unique among the non-NULL ones (a partial index, so the
    # fan-out of a million rows does not maintain a million index entries for nothing).
    wamid_hash = models.CharField(  # noqa: DJ001
        _("Nachrichten-Kennung (Hash)"), max_length=64, null=True, blank=True
    )
    error_code = models.IntegerField(_("Fehlercode"), null=True, blank=True)
    error_title = models.CharField(_("Fehler"), max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("zugestellt am"), null=True, blank=True)
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)
    failed_at = models.DateTimeField(_("fehlgeschlagen am"), null=True, blank=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Zustellung")
        verbose_name_plural = _("Zustellungen")
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
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("nicht zugeordneter Status")
        verbose_name_plural = _("nicht zugeordnete Status")
        constraints = [
            models.UniqueConstraint(fields=["wamid_hash", "status"], name="unmatchedstatus_unique")
        ]

    def __str__(self):
        return f"{self.wamid_hash}: {self.status}"
