"""Cache headers for every public page, so a reverse proxy can serve them.

``Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`` lets a proxy and the browser
reuse a page unasked for a while; after that, Django's ``conditional_page`` answers a
revalidation with 304 when the ETag (a hash of the page) or ``Last-Modified`` (the newest
message shown, set by the archive's views) still match. A content hash needs no extra
query, and it changes with anything the page shows: a message, a setting, the language.

A page a shared cache keeps must depend on nothing but its address and ``Vary``, and must
carry nobody's cookie. So the view sees no cookie at all: the request's cookies, session
and user are replaced by empty ones before it runs. A staff member's session is then
neither read nor refreshed (``SESSION_SAVE_EVERY_REQUEST`` would otherwise send their
session cookie on a ``public`` page, for the proxy to hand to the next visitor), and a
``django_language`` cookie cannot choose the language of a copy others get: the language
comes from ``?sprache=`` or ``Accept-Language`` (``languages``), and the pages vary on
``Accept-Language`` only.
"""

from functools import wraps
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import conditional_page, require_safe

from . import languages


def public_page(view=None, *, offered=languages.staff_languages):
    """Make ``view`` a cookie-free, cacheable public page in one of ``offered()``."""
    if view is None:
        return lambda view: public_page(view, offered=offered)
    conditional = conditional_page(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        _forget_visitor(request)
        codes = offered()
        language = languages.choose(request, codes)
        request.public_languages = languages.switch(request, language, codes)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return require_safe(wrapper)


def _forget_visitor(request):
    """The view gets an anonymous, cookie-less request (module docstring)."""
    request.COOKIES = {}
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
