"""System checks that keep development keys out of production.

The settings have no fallback for these keys; the demo and the tests take theirs from
``dev.env``. These checks make ``manage.py check`` (and ``migrate``, and the start of the
web and worker processes) fail when a key is missing, or when a published development key
reaches a deployment with ``DEBUG`` off: it would let anyone reverse the number hashes or
decrypt the numbers.
"""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from titz_broadcast import devenv

from . import signing


@register()
def keys_are_usable(app_configs, **kwargs):
    errors = []
    if not settings.NUMBER_ENCRYPTION_KEYS:
        errors.append(Error("NUMBER_ENCRYPTION_KEYS is empty.", id="subscribers.E001"))
    for position, key in enumerate(settings.NUMBER_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"NUMBER_ENCRYPTION_KEYS entry {position} is not a Fernet key.",
                    hint="Create one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="subscribers.E002",
                )
            )
    errors += _signing_key_errors()
    if not settings.NUMBER_HASH_KEY:
        errors.append(Error("NUMBER_HASH_KEY is not set.", id="subscribers.E004"))
    elif len(settings.NUMBER_HASH_KEY) < 32 and not settings.DEBUG:
        errors.append(
            Error("NUMBER_HASH_KEY is shorter than 32 characters.", id="subscribers.E003")
        )
    return errors


def _signing_key_errors():
    try:
        signing.trusted_keys()
    except signing.SigningKeyError as error:
        return [
            Error(
                str(error),
                hint="Create a key with: python manage.py new_consent_signing_key",
                id="subscribers.E005",
            )
        ]
    return []


@register()
def no_development_keys_in_production(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    published = devenv.values()
    used = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty one on first use
        return [
            Error(
                "SECRET_KEY is not set.",
                hint="Set SECRET_KEY in the environment (see .env.example).",
                id="subscribers.E011",
            )
        ]
    if published["SECRET_KEY"] == secret_key:
        used.append("SECRET_KEY")
    if published["NUMBER_HASH_KEY"] == settings.NUMBER_HASH_KEY:
        used.append("NUMBER_HASH_KEY")
    if published["CONSENT_SIGNING_KEY"] == settings.CONSENT_SIGNING_KEY:
        used.append("CONSENT_SIGNING_KEY")
    if set(published["NUMBER_ENCRYPTION_KEYS"].split(",")) & set(settings.NUMBER_ENCRYPTION_KEYS):
        used.append("NUMBER_ENCRYPTION_KEYS")
    return [
        Error(
            f"{name} uses the published development default while DEBUG is off.",
            hint=f"Set {name} in the environment (see .env.example).",
            id="subscribers.E010",
        )
        for name in used
    ]


@register()
def keywords_are_configured(app_configs, **kwargs):
    from .keywords import normalize

    errors = []
    for name in ("KEYWORDS_START", "KEYWORDS_STOP"):
        if not [word for word in getattr(settings, name) if normalize(word)]:
            errors.append(Error(f"{name} has no usable keyword.", id="subscribers.E020"))
    return errors
