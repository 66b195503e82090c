"""System checks that keep a deployment from running on missing or published secrets.

With DEBUG off every ``WHATSAPP_*`` credential must be set and must differ from the
development values of ``dev.env``: with the published app secret anyone could sign a
"Start" or "Stop" for any number, and with the published verify token anyone could
point Meta's webhook of their own app at us. ``migrate``, ``check --deploy`` and the
start of every web and worker process run these checks (``titz_broadcast.startup``).
"""

from django.conf import settings
from django.core.checks import Error, register

from titz_broadcast import devenv

REQUIRED = (
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_BUSINESS_ACCOUNT_ID",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_INTAKE_KEY",
)
# Ids are public; only the secrets must not be the published ones.
SECRETS = (
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_INTAKE_KEY",
)


@register()
def credentials_are_set(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    published = devenv.values()
    errors = []
    for name in REQUIRED:
        value = getattr(settings, name)
        if not value:
            errors.append(
                Error(
                    f"{name} is not set.",
                    hint=f"Set {name} in the environment (see .env.example).",
                    id="whatsapp.E001",
                )
            )
        elif name in SECRETS and value == published.get(name):
            errors.append(
                Error(
                    f"{name} uses the published development value while DEBUG is off.",
                    hint=f"Set {name} to the value from Meta's App Dashboard (.env.example).",
                    id="whatsapp.E002",
                )
            )
    return errors
