"""Refuse to start a web or worker process whose configuration the system checks reject.

``manage.py`` commands run the checks themselves, but gunicorn and Celery do not: without
this, a deployment that skipped ``migrate`` would serve with a missing secret. Called
from ``wsgi.py`` and from Celery's ``worker_init`` / ``beat_init`` signals.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def refuse_misconfiguration() -> None:
    errors = [
        message
        for message in checks.run_checks(databases=["default"])
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        raise ImproperlyConfigured(
            "System checks failed, refusing to start:\n" + "\n".join(str(e) for e in errors)
        )
