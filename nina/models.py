"""What the importer remembers: each warning seen, the messages made of it, its own health."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedWarning(models.Model):
    """One NINA warning (by its identifier) as last imported.

    ``version`` makes a second import of the same version a no-op. ``duplicate_of`` marks
    the same event reported by another provider (same headline and expiry, as Home
    Assistant's integration judges it): it gets no message of its own.
    """

    identifier = models.CharField(_("Identifier"), max_length=200, unique=True)
    provider = models.CharField(_("Source"), max_length=16)
    version = models.IntegerField(_("Version"), default=0)
    msg_type = models.CharField(_("Message type"), max_length=10)

    class Severity(models.TextChoices):  # CAP's values; the order is ``cap.SEVERITY_ORDER``
        MINOR = "Minor", _("minor")
        MODERATE = "Moderate", _("moderate")
        SEVERE = "Severe", _("severe")
        EXTREME = "Extreme", _("extreme")

    severity = models.CharField(_("Severity"), max_length=16, blank=True, choices=Severity.choices)
    headline = models.CharField(_("Headline"), max_length=500)
    expires = models.DateTimeField(_("valid until"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("same warning as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("imported warning")
        verbose_name_plural = _("imported warnings")
        ordering = ["-imported_at"]
        indexes = [models.Index(fields=["headline", "expires"], name="nina_same_event_idx")]

    def __str__(self):
        return f"{self.identifier} v{self.version}"


class WarningMessage(models.Model):
    """An announcement made of a warning: the first, an update, or the all-clear."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Warning")
        UPDATE = "update", _("Update")
        ALL_CLEAR = "all_clear", _("All-clear")

    warning = models.ForeignKey(ImportedWarning, on_delete=models.CASCADE, related_name="messages")
    announcement = models.OneToOneField(
        "announcements.Announcement", on_delete=models.CASCADE, related_name="nina_message"
    )
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    version = models.IntegerField(_("Version of the warning"))
    # The text as it stood before NINA's last update rewrote it (heading, then the body),
    # so whoever approves the new text sees what changed; empty until an update came.
    previous_text = models.TextField(_("Text before the update"), blank=True, default="")
    previous_version = models.IntegerField(_("Version before the update"), null=True, blank=True)
    # True when that earlier text had been approved (the update voided the approval).
    previous_was_approved = models.BooleanField(_("earlier text was approved"), default=False)

    class Meta:
        verbose_name = _("Message for a warning")
        verbose_name_plural = _("Messages for warnings")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.warning.identifier}: {self.kind}"


class ImportHealth(models.Model):
    """One row: how the last polls went, for the overview ("Import gestört seit ...")."""

    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("State of the warning import")
        verbose_name_plural = _("State of the warning import")

    def __str__(self):
        return f"failures={self.consecutive_failures}"
