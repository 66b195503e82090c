"""What WhatsApp messages cost: Meta's rates, and what Meta reported billing.

``Price`` is Meta's rate card as the office keeps it (``manage.py load_prices`` from a
CSV; rates change quarterly). ``BilledCount`` counts the delivered messages Meta reported
as billed, from the ``pricing`` object of their status webhooks; it outlives the delivery
rows (they are purged after their retention period), so the yearly figures stay.
Neither holds anything about a resident but the country calling code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Meta's pricing categories (a template's category; replies are ``service``)."""

    MARKETING = "marketing", _("Advertising (Marketing)")
    UTILITY = "utility", _("Service message (Utility)")
    AUTHENTICATION = "authentication", _("Login code (Authentication)")
    SERVICE = "service", _("Reply to residents (service)")


class Price(models.Model):
    """Euros per delivered message of ``category`` to ``calling_code``, from ``valid_from``.

    ``calling_code`` "" is the rate for every country without a row of its own.
    """

    category = models.CharField(_("Category"), max_length=16, choices=Category.choices)
    calling_code = models.CharField(
        _("Country calling code"),
        max_length=4,
        blank=True,
        help_text=_("Empty: every other country."),
    )
    valid_from = models.DateField(_("valid from"))
    amount = models.DecimalField(_("Euros per message"), max_digits=8, decimal_places=4)
    source = models.CharField(_("Source"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("Price")
        verbose_name_plural = _("Price table")
        ordering = ["calling_code", "category", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "calling_code", "valid_from"], name="price_unique_per_day"
            )
        ]

    def __str__(self):
        return f"{self.category} +{self.calling_code or '*'} {self.valid_from}: {self.amount} €"


class _BilledCounter(models.Model):
    """What Meta billed, counted by category, pricing model and country calling code."""

    day = models.DateField(_("Day"))
    category = models.CharField(_("Category"), max_length=32)
    pricing_model = models.CharField(_("Pricing model"), max_length=16, blank=True)
    calling_code = models.CharField(_("Country calling code"), max_length=4, blank=True)
    messages = models.PositiveIntegerField(_("billed messages"), default=0)

    class Meta:
        abstract = True


class BilledCount(_BilledCounter):
    """How many messages of one broadcast Meta billed on one day, by category and country.

    Counters, not a row per message: the status webhooks' batch adds to them with one
    upsert (``billing.record``), which keeps reading ``pricing`` nearly free on the hot
    path. Meta may repeat a status or bring ``pricing`` with "delivered" and "read" in any
    order; the engine counts a delivery only when it claims its ``Delivery.billed`` flag,
    so no message is counted twice and none is lost.
    """

    announcement_id = models.BigIntegerField(_("Message"))

    class Meta:
        verbose_name = _("billed messages")
        verbose_name_plural = _("billed messages")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement_id", "day", "category", "pricing_model", "calling_code"],
                name="billedcount_unique_key",
            )
        ]

    def __str__(self):
        code = self.calling_code or "*"
        return f"{self.announcement_id} {self.day} {self.category} +{code}: {self.messages}"


class ReplyKind(models.TextChoices):
    """What an automatic answer to a resident was, as the cost report counts it."""

    WELCOME = "welcome", _("Welcome")
    GOODBYE = "goodbye", _("Goodbye")
    HELP = "help", _("Help")
    TOPICS = "topics", _("Topics")
    LANGUAGE = "language", _("Language")
    OTHER = "other", _("Other replies")


class BilledReplyCount(_BilledCounter):
    """How many automatic replies Meta billed on one day, by kind, category and country.

    The replies' counterpart of ``BilledCount`` (replies belong to no broadcast): Meta
    bills service messages since 1 October 2026. Added to by ``billing.record_replies``,
    once per reply (``subscribers.SentReply.billed``); outlives the reply records.
    """

    kind = models.CharField(_("Kind"), max_length=16, choices=ReplyKind.choices)

    class Meta:
        verbose_name = _("billed replies")
        verbose_name_plural = _("billed replies")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "category", "pricing_model", "calling_code"],
                name="billedreplycount_unique_key",
            )
        ]

    def __str__(self):
        code = self.calling_code or "*"
        return f"{self.day} {self.kind} {self.category} +{code}: {self.messages}"
