"""The WhatsApp message templates announcements are sent with (a mirror of Meta's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Languages of templates as staff read them; other codes are shown as they are.
LANGUAGE_NAMES = {
    "de": _("German"),
    "en": _("English"),
    "en_US": _("English (USA)"),
    "en_GB": _("English (UK)"),
    "tr": _("Turkish"),
    "ar": _("Arabic"),
    "uk": _("Ukrainian"),
    "ru": _("Russian"),
}


class MessageTemplate(models.Model):
    """A message template as registered in the WhatsApp Business Account.

    Meta only delivers business-initiated messages through approved templates, so the
    rows are a local mirror (``manage.py sync_templates``); staff pick from them.
    """

    class HeaderType(models.TextChoices):
        NONE = "", _("None")
        TEXT = "TEXT", _("Text")
        IMAGE = "IMAGE", _("Image")
        DOCUMENT = "DOCUMENT", _("Document")

    class MetaStatus(models.TextChoices):
        """Meta's review states, in German; unknown future states show as Meta names them."""

        APPROVED = "APPROVED", _("approved")
        PENDING = "PENDING", _("under review at WhatsApp")
        REJECTED = "REJECTED", _("rejected")
        PAUSED = "PAUSED", _("paused (recipients blocked or reported it)")
        DISABLED = "DISABLED", _("permanently disabled")
        IN_APPEAL = "IN_APPEAL", _("in appeal")
        FLAGGED = "FLAGGED", _("at risk (poor ratings)")
        LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("limit exceeded")
        DELETED = "DELETED", _("no longer present")

    class Category(models.TextChoices):
        UTILITY = "UTILITY", _("Service")
        MARKETING = "MARKETING", _("Advertising")
        AUTHENTICATION = "AUTHENTICATION", _("Opt-in")

    name = models.CharField(_("Name at WhatsApp"), max_length=512)
    display_name = models.CharField(
        _("Label"),
        max_length=200,
        blank=True,
        help_text=_("Derived from the template's structure when synchronising."),
    )
    language = models.CharField(_("Language"), max_length=15)
    category = models.CharField(_("Category"), max_length=32, blank=True, choices=Category.choices)
    status = models.CharField(
        _("Status at WhatsApp"), max_length=32, blank=True, choices=MetaStatus.choices
    )
    body = models.TextField(_("Text"), blank=True)
    header_type = models.CharField(
        _("Header"), max_length=10, choices=HeaderType.choices, blank=True, default=""
    )
    header_text = models.CharField(_("Header text"), max_length=60, blank=True)
    footer = models.CharField(_("Footer"), max_length=60, blank=True)
    buttons = models.JSONField(_("Buttons"), default=list, blank=True)
    param_count = models.PositiveSmallIntegerField(_("Number of placeholders"), default=0)
    meta_id = models.CharField(_("ID at WhatsApp"), max_length=64, blank=True)
    synced_at = models.DateTimeField(_("synchronised at"), null=True, blank=True)
    # Template health (``announcements.template_health``), from Meta's template webhooks.
    status_reason = models.CharField(_("Meta's reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("Status changed at"), null=True, blank=True)
    quality_score = models.CharField(_("Quality at Meta"), max_length=16, blank=True)
    previous_category = models.CharField(_("Previous category"), max_length=32, blank=True)
    category_changed_at = models.DateTimeField(_("Category changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Message template")
        verbose_name_plural = _("Message templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"], name="messagetemplate_unique_name_language"
            )
        ]
        permissions = [("sync_messagetemplate", "Can sync templates from WhatsApp")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """What staff read: the display name and the language, never ``hello_world (en_US)``."""
        language = LANGUAGE_NAMES.get(self.language, self.language)
        return f"{self.display_name or self.name} · {language}"

    @property
    def is_approved(self):
        return self.status == self.MetaStatus.APPROVED

    @property
    def is_blocked(self):
        """Meta paused or disabled it: nothing may be sent with it (132015 / 132016)."""
        return self.status in BLOCKED_STATUSES

    @property
    def is_marketing(self):
        """Its category after Meta's latest completed change (an impending one never
        reaches ``category``) is marketing: it goes through Meta's Marketing Messages API."""
        return self.category == "MARKETING"

    @property
    def became_marketing(self):
        """Meta re-categorised it to marketing: it now costs more and counts as advertising."""
        return (
            self.category == "MARKETING"
            and bool(self.previous_category)
            and (self.previous_category != "MARKETING")
        )


BLOCKED_STATUSES = frozenset({"PAUSED", "DISABLED"})
