"""What stays of a broadcast's deliveries once the per-recipient rows are purged.

``Delivery`` rows name a resident (the Kennziffer, status times, read receipts), so they are
kept ``DELIVERY_RETENTION_DAYS`` only (``announcements.retention``). Before they go, the
purge counts them here, one row per (announcement, dimension, key): ``status``/``read``,
``failure``/``131026``. New dimensions (per topic, per language, cost) are new rows of the
same table, not new columns: the purge adds one ``GROUP BY`` for each, and
``announcements.stats`` reads them back.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryAggregate(models.Model):
    class Dimension(models.TextChoices):
        STATUS = "status", _("Status")
        FAILURE = "failure", _("Error")

    announcement = models.ForeignKey(
        "announcements.Announcement",
        on_delete=models.CASCADE,
        db_index=False,  # the unique (announcement, dimension, key) index serves it
        related_name="delivery_aggregates",
        verbose_name=_("Message"),
    )
    dimension = models.CharField(_("Dimension"), max_length=32)
    key = models.CharField(_("Value"), max_length=64)
    # What staff read for ``key`` (a failure's German explanation); empty when the key is it.
    label = models.CharField(_("Label"), max_length=500, blank=True, default="")
    count = models.BigIntegerField(_("Count"))

    class Meta:
        verbose_name = _("Deliveries (aggregated)")
        verbose_name_plural = _("Deliveries (aggregated)")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "dimension", "key"], name="deliveryaggregate_unique"
            )
        ]

    def __str__(self):
        return f"{self.announcement_id} {self.dimension}={self.key}: {self.count}"
