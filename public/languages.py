"""Which language a public page speaks: the visible switch, else the browser's wish.

The sign-up page, the poster and the accessibility statement come in every
``RESIDENT_LANGUAGES`` language, as residents are answered in WhatsApp; the other pages
(the archive, whose messages staff write in German, and Leichte Sprache, German by
definition) keep the staff languages. The choice comes from the page's own address
(``?sprache=tr``, the switch in the header) or from ``Accept-Language``, never from a
cookie or the session: a shared cache keys on the address and on ``Vary``, so the page
must depend on nothing else. ``caching.public_page`` applies it.
"""

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

from subscribers import languages as resident_languages

PARAMETER = "sprache"
GERMAN = "de"


def staff_languages() -> list[str]:
    """German and English: the pages whose texts staff write (the archive)."""
    return [code for code, _name in settings.LANGUAGES]


def resident_ones() -> list[str]:
    """Every language residents are answered in (the sign-up page, poster, statement)."""
    return resident_languages.offered()


def german_only() -> list[str]:
    """Leichte Sprache is a German standard: the page is German whatever is asked."""
    return [GERMAN]


def choose(request, offered: list[str]) -> str:
    """The address's ``?sprache=``, else the first offered one the browser asks for."""
    asked = request.GET.get(PARAMETER, "")
    if asked in offered:
        return asked
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = tag.split("-")[0].lower()
        if base in offered:
            return base
    return GERMAN if GERMAN in offered else offered[0]


def switch(request, current: str, offered: list[str]) -> list[dict]:
    """The header's links to this page in each offered language, named in that language.

    Empty for a page in one language only: a switch that changes nothing would mislead.
    """
    if len(offered) < 2:
        return []
    return [
        {
            "code": code,
            "name": resident_languages.name(code),
            "url": f"{request.path}?{PARAMETER}={code}",
            "current": code == current,
            "rtl": resident_languages.is_rtl(code),
        }
        for code in offered
    ]
