"""Connects the webhook's signals to the subscription services.

The entry point of this app for webhooks: the services decide and return the answers,
``tasks`` queues them. They run inside the webhook's transaction, so the answers leave
only once it has committed.
"""

from django.dispatch import receiver

from whatsapp.signals import inbound_message, status_update, user_preference

from . import services, tasks


@receiver(inbound_message, dispatch_uid="subscribers.inbound_message")
def on_inbound_message(sender, event, **kwargs):
    tasks.send_replies(services.handle_inbound(event))


@receiver(user_preference, dispatch_uid="subscribers.user_preference")
def on_user_preference(sender, event, **kwargs):
    services.handle_preference(event)


@receiver(status_update, dispatch_uid="subscribers.status_update")
def on_status_update(sender, events, **kwargs):
    services.handle_statuses(events)
