"""Signals the webhook sends after it has stored an event (django-anymail's pattern).

Receivers must be idempotent: an event may be dispatched again after a failure.

- ``inbound_message(sender, event: InboundMessage)``: one resident message.
- ``status_update(sender, events: list[StatusUpdate])``: a batch of statuses, so that
  receivers can apply them with set-based SQL.
- ``user_preference(sender, event: UserPreference)``: WhatsApp's own stop/resume.
- ``template_update(sender, event: TemplateUpdate)``: a template's status, category or
  quality changed at Meta.
"""

from django.dispatch import Signal

inbound_message = Signal()
status_update = Signal()
user_preference = Signal()
template_update = Signal()
