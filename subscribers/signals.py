"""Signals other apps may receive without importing our services.

- ``subscriber_erased(sender=Subscriber, code: str, source: str)``: sent inside the
  transaction that deleted the subscriber (after ``pre_delete``), with why it happened:
  ``keyword``, ``user_preferences``, ``meta_131050``, ``admin`` or ``user_changed_number``.
"""

from django.dispatch import Signal

subscriber_erased = Signal()
