"""Template and account webhooks: applied in the request, not through the event store.

They carry no resident's data and are idempotent by nature (a template's status or a
limit is set, not added), so they skip the store's exactly-once bookkeeping: each
template change goes to the ``template_update`` receivers at once (a paused template
must stop its broadcasts before the next batch), each account change is recorded by
``limits.apply_update``. ``handle`` returns whether the limits should be read again from
the Graph API (the view has ``tasks`` queue that).
"""

from django.db import transaction

from . import limits
from .models import WebhookEvent
from .signals import template_update


def handle(templates, accounts) -> bool:
    """Apply the ``TemplateUpdate`` and ``AccountUpdate`` events of one POST."""
    if not templates and not accounts:
        return False  # nearly every POST: messages and statuses only, no transaction here
    with transaction.atomic():
        for event in templates:
            template_update.send(sender=WebhookEvent, event=event)
        for event in accounts:
            limits.apply_update(event)
    return bool(accounts)
