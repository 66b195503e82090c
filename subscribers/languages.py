"""The languages residents may choose for their replies and announcements.

The set is the setting ``RESIDENT_LANGUAGES`` (codes with a gettext catalog in
``locale/``); German is the default and the fallback. Each language is offered under its
own name, so a resident who reads no German still finds theirs in the list.
"""

from django.conf import settings

DEFAULT = "de"
# Endonyms: what a speaker looks for in the list.
NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "uk": "Українська",
    "ar": "العربية",
    "ru": "Русский",
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def offered() -> list[str]:
    """The configured codes, German first and once."""
    codes = [code for code in settings.RESIDENT_LANGUAGES if code != DEFAULT]
    return [DEFAULT, *dict.fromkeys(codes)]


def name(code: str) -> str:
    return NAMES.get(code, code)


def is_rtl(code: str) -> bool:
    return code in RIGHT_TO_LEFT


def choose(code: str) -> str:
    """``code`` if it is offered, else German."""
    return code if code in offered() else DEFAULT
