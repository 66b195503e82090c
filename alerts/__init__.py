"""Staff are told when something stops: an e-mail and a banner on the overview.

A broadcast the engine paused, a disturbed NINA import, a failed nightly consent-log
check: each calls ``alerts.services.raise_alert`` with a key naming the cause, and
``resolve`` with the same key once it is over. Its own app because every other app raises
alerts and this one must depend on none of them (it knows keys and texts, not broadcasts).
"""
