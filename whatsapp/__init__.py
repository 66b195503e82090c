"""The WhatsApp provider boundary: backends, webhook, normalized events, signals.

Other apps send through ``get_backend()`` and listen to ``whatsapp.signals``; they never
see Meta's JSON or HTTP.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .outbound import SendResult, TemplateHeader, TemplateInfo

__all__ = ["SendResult", "TemplateHeader", "TemplateInfo", "get_backend"]

_SETTINGS = (
    "WHATSAPP_BACKEND",
    "WHATSAPP_API_BASE_URL",
    "WHATSAPP_API_VERSION",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_BUSINESS_ACCOUNT_ID",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_CONNECT_TIMEOUT",
    "WHATSAPP_READ_TIMEOUT",
)
_backends = {}


def get_backend():
    """The configured backend, one instance per distinct configuration.

    Keyed on the settings it reads, so ``override_settings`` in a test gets a backend
    built from the overridden values while production reuses one instance.
    """
    key = tuple(getattr(settings, name) for name in _SETTINGS)
    backend = _backends.get(key)
    if backend is None:
        backend = import_string(settings.WHATSAPP_BACKEND)()
        if len(_backends) > 16:
            _backends.clear()
        _backends[key] = backend
    return backend
