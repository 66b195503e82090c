"""What several documents print: live setting values, the controller, the header line."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .blocks import Code, Link, Open, Plain


def value(name):
    """A setting as the officer reads it: lists joined, booleans in German."""
    current = getattr(settings, name)
    if isinstance(current, bool):
        return "ja" if current else "nein"
    if isinstance(current, (list, tuple)):
        return ", ".join(str(item) for item in current)
    return str(current)


def setting(name):
    """``NAME = value`` as pieces: where it is configured, and what it is now."""
    return (Code(name), Plain(f" = {value(name)}"))


def filled(name, missing=""):
    """The setting's text, or an open point naming the setting when it is empty."""
    text = str(getattr(settings, name, "")).strip()
    return Plain(text) if text else Open(missing or f"nicht eingetragen ({name})")


def municipality():
    return str(settings.MUNICIPALITY_NAME).strip() or "die Gemeinde"


def subtitle():
    now = timezone.localtime()
    return (
        f"{municipality()} · WhatsApp-Informationsdienst · erzeugt am {now:%d.%m.%Y um %H:%M} Uhr "
        "aus der laufenden Konfiguration"
    )


def admin_link(text, name, *args):
    return Link(text, reverse(name, args=args))


def document_link(text, slug):
    return Link(text, reverse("privacy:document", args=[slug]))
