"""What the retention purges did: one row per run of a store's purge (``runs.record``).

The Löschkonzept shows each store's last run from here, so the officer sees that the
deletion actually happens, not only that it is configured. The rows hold counts only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PurgeRun(models.Model):
    store = models.CharField(_("Data store"), max_length=32, db_index=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    removed = models.BigIntegerField(_("entries deleted"), default=0)
    # The exception's class name only: a message might quote data.
    error = models.CharField(_("Error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Purge run")
        verbose_name_plural = _("Purge runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["store", "-started_at"], name="purgerun_last_idx")]
        permissions = [("view_documents", "Can view the data-protection documents")]

    def __str__(self):
        return f"{self.store} {self.started_at:%Y-%m-%d %H:%M}: {self.removed}"
