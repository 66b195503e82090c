"""A cap on request bodies, checked on the Content-Length before anything reads the body.

Django's own limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``DATA_UPLOAD_MAX_NUMBER_FIELDS``,
``DATA_UPLOAD_MAX_NUMBER_FILES``) bound the form fields, not uploaded files: a 200 MB
anonymous multipart POST to the login page was read and spooled to disk. Here a request
without a signed-in staff session may send ``ANONYMOUS_REQUEST_BODY_MAX_BYTES`` (the
login form, Meta's webhooks), staff ``REQUEST_BODY_MAX_BYTES`` (a message's PDF of up to
100 MB). A larger one is answered 413 with a German sentence and not read. The reverse
proxy should refuse the same sizes first (README, "Reverse proxy").
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _


def limit_for(request, length: int) -> int:
    """The cap for this request. The session is looked at only for a body above the
    anonymous cap: touching it adds ``Vary: Cookie``, which public pages must not carry."""
    if length <= settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES:
        return settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return settings.REQUEST_BODY_MAX_BYTES
    return settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES


class RequestBodyLimitMiddleware:
    """After the authentication middleware (it tells staff apart), before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = limit_for(request, length)
        if length > limit:
            text = _(
                "The upload is too large: at most %(limit)s MB can be sent here. Please choose "
                "a smaller file."
            ) % {"limit": f"{limit / 1_000_000:g}".replace(".", ",")}
            page = f'<!DOCTYPE html><html lang="de"><title>413</title><p>{escape(text)}</p></html>'
            return HttpResponse(page, status=413, content_type="text/html; charset=utf-8")
        return self.get_response(request)
