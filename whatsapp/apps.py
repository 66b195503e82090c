from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsAppConfig(AppConfig):
    name = "whatsapp"
    verbose_name = _("WhatsApp")

    def ready(self):
        from . import checks, versions  # noqa: F401
