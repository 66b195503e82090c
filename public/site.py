"""What every public page shows of the municipality: name, colour, contact, links, number.

Read from settings on each call (tests override them); nothing here touches the database,
so "/" answers even while the database is down.
"""

import re
from functools import lru_cache
from urllib.parse import quote

import phonenumbers
from django.conf import settings

# The accent colour when none (or no valid one) is set: a dark blue that carries white text.
DEFAULT_COLOR = "#1f4e79"
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def whatsapp_number():
    """The business number parsed, or None when unset or not a number."""
    raw = settings.PUBLIC_WHATSAPP_NUMBER.strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def wa_me_link():
    """``https://wa.me/<digits>?text=Start``: opens a chat with "Start" typed in."""
    number = whatsapp_number()
    if number is None:
        return ""
    digits = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return f"https://wa.me/{digits}?text={quote(settings.KEYWORDS_START[0])}"


def _luminance(color):
    """WCAG relative luminance of ``#rrggbb``."""
    channels = []
    for i in (1, 3, 5):
        value = int(color[i : i + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@lru_cache(maxsize=16)
def colors(color):
    """The accent and the text colour on it (black or white, whichever contrasts more)."""
    accent = color if HEX_COLOR.fullmatch(color or "") else DEFAULT_COLOR
    light = _luminance(accent)
    on_white = 1.05 / (light + 0.05)
    on_black = (light + 0.05) / 0.05
    return accent, "#ffffff" if on_white >= on_black else "#000000"


def context():
    """Template context shared by every public page."""
    number = whatsapp_number()
    accent, on_accent = colors(settings.MUNICIPALITY_COLOR)
    return {
        "municipality": settings.MUNICIPALITY_NAME,
        "contact": settings.MUNICIPALITY_CONTACT,
        "accent": accent,
        "on_accent": on_accent,
        "website_url": settings.MUNICIPALITY_WEBSITE_URL,
        "imprint_url": settings.MUNICIPALITY_IMPRINT_URL,
        "privacy_url": settings.MUNICIPALITY_PRIVACY_URL,
        "number_display": phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        if number
        else "",
        "wa_me": wa_me_link(),
        "start_keyword": settings.KEYWORDS_START[0],
        "stop_keyword": settings.KEYWORDS_STOP[0],
        "help_keyword": settings.KEYWORDS_HELP[0],
        "topics_keyword": settings.KEYWORDS_TOPICS[0],
        "language_keyword": settings.KEYWORDS_LANGUAGE[0],
        "access_keyword": settings.KEYWORDS_ACCESS[0],
        "start_keywords": settings.KEYWORDS_START,
        "stop_keywords": settings.KEYWORDS_STOP,
    }
