"""Settings of the ``webhooks`` process: the project's settings without the admin's stack.

Meta's status webhooks are the receiving hot path: at the top tier, 1,000 messages/s per
number bring about 3,000 POSTs/s. Each of them passed sessions, locale, CSRF, auth, OTP,
the OTP gate, messages, clickjacking, CSP and axes, none of which a signed machine POST
uses; in-process that stack took as much CPU as the view itself. This process serves the
webhook (and the health check) with ``SecurityMiddleware`` (HTTPS redirect and HSTS as on
``web``) and ``CommonMiddleware`` (the Content-Length header keep-alive clients rely
on), and the body cap (``bodylimit``: Meta is anonymous here). Everything else is the
same settings object: secrets, database, Redis, checks,
logging.
"""

from .settings import *  # noqa: F403 - the same configuration, two keys replaced

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "titz_broadcast.bodylimit.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "titz_broadcast.webhook_urls"
# The admin is installed (its models and checks are shared) but not served here: its
# demand for the session, auth and messages middleware does not apply to this process.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]
