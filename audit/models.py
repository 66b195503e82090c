"""The staff audit log: who did what, when. Written by code, never edited by staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import label


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the entry still names the person after the account is deleted.
    username = models.CharField(_("Username"), max_length=150, blank=True)
    action = models.CharField(_("Action"), max_length=64, db_index=True)
    target = models.CharField(_("Object"), max_length=200, blank=True)
    details = models.JSONField(_("Details"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("Audit log entry")
        verbose_name_plural = _("Audit log")
        ordering = ["-at", "-id"]

    def __str__(self):
        moment = timezone.localtime(self.at)
        return f"{moment:%d.%m.%Y %H:%M} {self.username} {label(self.action)} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
