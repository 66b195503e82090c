from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NinaConfig(AppConfig):
    name = "nina"
    verbose_name = _("Official warnings (NINA)")
