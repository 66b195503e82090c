"""The webhook event store: what Meta told us, until our receivers have handled it.

Meta offers no API to fetch past webhooks and retries a POST only while we fail to answer
200; once we answered, the event lives only here. So every event is stored before it is
dispatched, and a failed dispatch is retried from this table (``tasks.py``).

Privacy: an event names a resident's number. ``data`` therefore holds the normalized
event encrypted (``sealing.py``, keys from ``NUMBER_ENCRYPTION_KEYS``), and it is blanked
as soon as the event was processed; ``key`` holds only keyed hashes (``ids.py``), never
Meta's message ids, which encode the number.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Incoming message")
        STATUS = "status", _("Delivery status")
        USER_PREFERENCE = "user_preference", _("WhatsApp setting")

    # inbound: "in:<id hash>"; status: "st:<id hash>:<status>"; preference: "up:<hash>"
    key = models.CharField(_("Key"), max_length=255, unique=True)
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    data = models.TextField(_("Data (encrypted if personal)"), blank=True)
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the retry task may dispatch it again; NULL once processed or given up.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook event")
        verbose_name_plural = _("Webhook events")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(processed_at__isnull=True),
                name="whatsapp_event_due",
            ),
            models.Index(fields=["received_at"], name="whatsapp_event_received"),
        ]

    def __str__(self):
        return self.key

    @property
    def given_up(self):
        return self.processed_at is None and self.next_attempt_at is None


class AccountHealth(models.Model):
    """What Meta last said about our number and its portfolio: one row (``limits.py``).

    Read from the Graph API at start-up and whenever an ``account_update`` or
    ``phone_number_quality_update`` webhook arrives; the planner and the rate limiter
    take the lower of these and the settings.
    """

    # Unique recipients outside a service window per 24 h; 0 = unlimited, NULL = unknown.
    messaging_limit = models.PositiveIntegerField(_("Daily limit"), null=True, blank=True)
    limit_tier = models.CharField(_("Tier at Meta"), max_length=32, blank=True)
    # Messages per second Meta allows the number; NULL = unknown.
    throughput = models.PositiveIntegerField(_("Messages per second"), null=True, blank=True)
    quality_rating = models.CharField(_("Quality"), max_length=16, blank=True)
    restrictions = models.JSONField(_("Restrictions"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("Account state at WhatsApp")
        verbose_name_plural = _("Account state at WhatsApp")

    def __str__(self):
        return f"{self.limit_tier or '?'} / {self.throughput or '?'} mps / {self.quality_rating}"
