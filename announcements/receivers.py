"""Signal receivers of the delivery engine."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from subscribers.models import Subscriber
from whatsapp.signals import status_update, template_update

from . import template_health
from .engine import deliveries, statuses
from .models import Delivery


@receiver(status_update, dispatch_uid="announcements.status_update")
def on_status_update(sender, events, **kwargs):
    """A webhook's statuses, applied together (one SELECT, one UPDATE)."""
    statuses.apply_statuses(events)


@receiver(template_update, dispatch_uid="announcements.template_update")
def on_template_update(sender, event, **kwargs):
    """Meta changed a template's status, category or quality: mirror it, pause if needed."""
    template_health.apply(event)


@receiver(pre_delete, sender=Subscriber, dispatch_uid="announcements.subscriber_erased")
def cancel_queued_deliveries(sender, instance, **kwargs):
    """ "Stop" ends all messages at once: nothing still queued goes out to this resident.

    Deliveries already claimed by a worker cannot be called back; the worker cancels them
    itself when it finds the subscriber gone.
    """
    deliveries.cancel_queued(Delivery.objects.filter(subscriber_id=instance.pk), timezone.now())
