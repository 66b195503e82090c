from django.db import models
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """One cause that stopped something, open until resolved; one row per cause (``key``).

    The row stays after it is resolved, so that ``mailed_at`` still holds when the same
    cause comes back: one mail per cause and hour, however often it flaps.
    """

    key = models.CharField(_("Cause"), max_length=200, unique=True)
    subject = models.CharField(_("What stopped"), max_length=300)
    message = models.TextField(_("Why"))
    link = models.CharField(_("Link"), max_length=500, blank=True)
    raised_at = models.DateTimeField(_("Raised at"))
    mailed_at = models.DateTimeField(_("Last e-mail at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Alert")
        verbose_name_plural = _("Alerts")
        indexes = [models.Index(fields=["resolved_at"], name="alerts_open_idx")]

    def __str__(self):
        return self.subject
