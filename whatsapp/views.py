"""Meta's webhook endpoint: verification handshake (GET) and signed event POSTs.

Thin on purpose: check the signature, parse, hand the events to ``inbox.receive``, have
``tasks`` queue what it asks for, answer. Every body gets a 2xx/4xx answer, never a 500:
a 500 makes Meta retry the same body for seven days. Only a database outage answers 503,
so that Meta does retry.
"""

import hmac
import json
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from . import errors, inbox, notices, signature, tasks
from .parsing import MalformedPayload, parse
from .redaction import describe

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Meta's limit is 3 MB per POST


@csrf_exempt
def webhook(request):
    if request.method == "POST":
        return _receive(request)
    if request.method == "GET":
        return _verify(request)
    return HttpResponseNotAllowed(["GET", "POST"])


def _verify(request):
    params = request.GET
    token = settings.WHATSAPP_VERIFY_TOKEN
    if (
        params.get("hub.mode") == "subscribe"
        and token
        and hmac.compare_digest(params.get("hub.verify_token", "").encode(), token.encode())
    ):
        return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")
    logger.warning("webhook verification refused")
    return HttpResponseForbidden(
        "verification failed (check hub.mode and WHATSAPP_VERIFY_TOKEN)", content_type="text/plain"
    )


def _receive(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _text(400, "invalid Content-Length")
    if length > MAX_BODY_BYTES:
        return _text(413, "body too large")
    # Read the stream directly: Meta's 3 MB bodies exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(length)
    if not signature.is_valid(
        body, request.META.get("HTTP_X_HUB_SIGNATURE_256", ""), settings.WHATSAPP_APP_SECRET
    ):
        logger.warning("webhook signature mismatch")
        return _text(403, "signature mismatch (check WHATSAPP_APP_SECRET)")
    try:
        parsed = parse(
            json.loads(body),
            settings.WHATSAPP_PHONE_NUMBER_ID,
            settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError too
        reason = str(exc) if isinstance(exc, MalformedPayload) else "body is not JSON"
        logger.warning("webhook body rejected: %s", reason)
        return _text(400, f"malformed webhook payload: {reason}")
    for error in parsed.errors:
        logger.warning("webhook reports error %s: %s", error.code, errors.explain(error.code))
    try:
        received = inbox.receive([*parsed.messages, *parsed.preferences, *parsed.statuses])
        if notices.handle(parsed.templates, parsed.accounts):
            tasks.refresh_limits_soon()
    except DatabaseError as exc:
        logger.error("webhook events not stored, Meta will retry: %s", describe(exc))
        return _text(503, "temporarily unavailable")
    # Only once all of it was stored: a request that fails after keeping its statuses
    # leaves them to beat's next run (and to Meta's retry of the POST).
    if received.statuses_waiting:
        tasks.catch_up_soon()
    return _text(200, "OK")


def _text(status, message):
    return HttpResponse(message, status=status, content_type="text/plain")
