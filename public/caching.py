"""Cache headers for every public page, so a reverse proxy can serve them.

``Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`` lets a proxy and the browser
reuse a page unasked for a while; after that, Django's ``conditional_page`` answers a
revalidation with 304 when the ETag (a hash of the page) or ``Last-Modified`` (the newest
message shown, set by the archive's views) still match. A content hash needs no extra
query, and it changes with anything the page shows: a message, a setting, the language.
The pages use no session and set no cookie (the tests check it), so one copy fits all.
"""

from functools import wraps

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.views.decorators.http import conditional_page, require_safe


def public_page(view):
    conditional = conditional_page(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    return require_safe(wrapper)
