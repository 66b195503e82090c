"""WSGI entry point of the ``webhooks`` process (``gunicorn titz_broadcast.webhook_wsgi``).

The settings module is set, not defaulted: docker-compose's shared environment may name
the project's own, and this process exists to run without the admin's middleware.
"""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "titz_broadcast.webhook_settings"

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from .startup import refuse_misconfiguration  # noqa: E402 - needs the apps loaded above

refuse_misconfiguration()
