"""The WhatsApp message templates announcements are sent with (a mirror of Meta's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageTemplate(models.Model):
    """A message template as registered in the WhatsApp Business Account.

    Meta only delivers business-initiated messages through approved templates, so the
    rows are a local mirror (``manage.py sync_templates``); staff pick from them.
    """

    class HeaderType(models.TextChoices):
        NONE = "", _("Keine")
        TEXT = "TEXT", _("Text")
        IMAGE = "IMAGE", _("Bild")
        DOCUMENT = "DOCUMENT", _("Dokument")

    name = models.CharField(_("Name"), max_length=512)
    language = models.CharField(_("Sprache"), max_length=15)
    category = models.CharField(_("Kategorie"), max_length=32, blank=True)
    status = models.CharField(_("Status bei Meta"), max_length=32, blank=True)
    body = models.TextField(_("Text"), blank=True)
    header_type = models.CharField(
        _("Kopfzeile"), max_length=10, choices=HeaderType.choices, blank=True, default=""
    )
    param_count = models.PositiveSmallIntegerField(_("Anzahl Parameter"), default=0)
    meta_id = models.CharField(_("Meta-ID"), max_length=64, blank=True)
    synced_at = models.DateTimeField(_("abgeglichen am"), null=True, blank=True)
    # Template health (``announcements.template_health``), from Meta's template webhooks.
    status_reason = models.CharField(_("Begründung von Meta"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("Status geändert am"), null=True, blank=True)
    quality_score = models.CharField(_("Qualität bei Meta"), max_length=16, blank=True)
    previous_category = models.CharField(_("frühere Kategorie"), max_length=32, blank=True)
    category_changed_at = models.DateTimeField(_("Kategorie geändert am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Nachrichtenvorlage")
        verbose_name_plural = _("Nachrichtenvorlagen")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"], name="messagetemplate_unique_name_language"
            )
        ]
        permissions = [("sync_messagetemplate", "Can sync templates from WhatsApp")]

    def __str__(self):
        return f"{self.name} ({self.language})"

    @property
    def is_approved(self):
        return self.status == "APPROVED"

    @property
    def is_blocked(self):
        """Meta paused or disabled it: nothing may be sent with it (132015 / 132016)."""
        return self.status in BLOCKED_STATUSES

    @property
    def became_marketing(self):
        """Meta re-categorised it to marketing: it now costs more and counts as advertising."""
        return (
            self.category == "MARKETING"
            and bool(self.previous_category)
            and (self.previous_category != "MARKETING")
        )


BLOCKED_STATUSES = frozenset({"PAUSED", "DISABLED"})
