"""Warnings for public pages that would show an empty or broken setting.

Warnings, not errors: a municipality may run the service before its pages are linked
anywhere. But a sign-up page without the number, or an Art. 13 text without the
controller, must not go unnoticed (``manage.py check`` prints these, ``--deploy`` too).
"""

from django.conf import settings
from django.core.checks import Warning, register

from . import site

# Each setting the pages show, and what a visitor would miss without it. The controller's
# data (name, controller, officer, authority) are checked once, by ``privacy.checks``.
SHOWN = {
    "MUNICIPALITY_CONTACT": "the contact of the administration (footer, accessibility statement)",
    "MUNICIPALITY_IMPRINT_URL": "the link to the imprint",
    "MUNICIPALITY_PRIVACY_URL": "the link to the privacy policy",
    "PRIVACY_PROCESSOR": "the processor in the Art. 13 information",
    "ACCESSIBILITY_STATEMENT_DATE": "the date of the accessibility statement",
    "ACCESSIBILITY_ENFORCEMENT_BODY": "the enforcement body in the accessibility statement",
}


@register()
def public_pages_complete(app_configs, **kwargs):
    warnings = [
        Warning(
            f"{name} is empty: the public pages lack {meaning}.",
            hint=f"Set {name} in the environment (see .env.example).",
            id="public.W001",
        )
        for name, meaning in SHOWN.items()
        if not str(getattr(settings, name)).strip()
    ]
    if site.whatsapp_number() is None:
        warnings.append(
            Warning(
                "PUBLIC_WHATSAPP_NUMBER is empty or not a phone number: the sign-up page "
                "shows no number, link or QR code.",
                hint="Set PUBLIC_WHATSAPP_NUMBER to the service's business number, e.g. "
                "+49 2463 123456.",
                id="public.W002",
            )
        )
    if settings.MUNICIPALITY_COLOR and not site.HEX_COLOR.fullmatch(settings.MUNICIPALITY_COLOR):
        warnings.append(
            Warning(
                f"MUNICIPALITY_COLOR {settings.MUNICIPALITY_COLOR!r} is not a #rrggbb colour: "
                f"the pages use {site.DEFAULT_COLOR}.",
                hint="Set MUNICIPALITY_COLOR like #1f4e79.",
                id="public.W003",
            )
        )
    return warnings
