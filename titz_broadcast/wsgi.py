"""WSGI entry point (gunicorn in production, runserver in the embedded demo)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "titz_broadcast.settings")

application = get_wsgi_application()

from .startup import refuse_misconfiguration  # noqa: E402 - needs the apps loaded above

refuse_misconfiguration()
