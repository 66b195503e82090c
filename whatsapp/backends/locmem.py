"""Keeps sent messages in memory, for tests (like Django's locmem e-mail backend).

``outbox`` holds one dict per accepted message: ``wamid`` (Meta-shaped: it encodes the
number, as Meta's do, so privacy tests see any id that leaks), ``to``, ``type``, ``body``
(text messages; the body text of interactive ones), ``template``, ``language``,
``body_params``, ``callback_data`` and the full Cloud API ``payload``. Tests make
sends fail with ``fail_next(error)`` (the next sends, in order) or ``fail_for(to,
error)`` (every send to one recipient), and provide templates by appending
``TemplateInfo`` objects to ``templates``. ``reset()`` clears all.
"""

import base64
import itertools
import secrets
import threading

from ..interactive import body_text
from ..outbound import SendResult
from .base import BaseBackend

outbox = []
media = {}  # media id -> (content, mime_type, filename)
templates = []

_counter = itertools.count(1)
_serial_prefix = secrets.token_hex(6).upper()
_lock = threading.Lock()
_next_failures = []
_recipient_failures = {}


def fail_next(error, times=1):
    """Make the next ``times`` sends raise ``error`` (a ``WhatsAppError``)."""
    with _lock:
        _next_failures.extend([error] * times)


def fail_for(to, error):
    """Make every send to ``to`` raise ``error`` until ``reset()``."""
    with _lock:
        _recipient_failures[to] = error


def reset():
    with _lock:
        outbox.clear()
        media.clear()
        templates.clear()
        _next_failures.clear()
        _recipient_failures.clear()


class LocmemBackend(BaseBackend):
    def deliver(self, to, payload, *, marketing=False):
        with _lock:
            error = _recipient_failures.get(to)
            if error is None and _next_failures:
                error = _next_failures.pop(0)
            if error is not None:
                raise error
            wamid = meta_shaped_wamid(to)
            outbox.append({**_record(wamid, to, payload), "marketing": marketing})
        wa_id = to if to.isdigit() else ""
        return SendResult(wamid, wa_id, "accepted" if payload["type"] == "template" else "")

    def upload_media(self, content, mime_type, filename):
        media_id = f"locmem-media-{next(_counter)}"
        media[media_id] = (content, mime_type, filename)
        return media_id

    def list_templates(self):
        return list(templates)


def meta_shaped_wamid(number):
    """``wamid.`` + base64 of a record holding ``number`` and a serial, like Meta's ids."""
    serial = f"{_serial_prefix}{next(_counter):08X}".encode()
    record = b"\x1c\x18" + bytes([len(number)]) + number.encode()
    record += b"\x15\x02\x00\x12\x18\x14" + serial + b"\x00"
    return "wamid." + base64.b64encode(record).decode()


def _record(wamid, to, payload):
    template = payload.get("template") or {}
    body_params = ()
    for component in template.get("components", ()):
        if component["type"] == "body":
            body_params = tuple(p["text"] for p in component["parameters"])
    return {
        "wamid": wamid,
        "to": to,
        "type": payload["type"],
        "body": payload["text"]["body"]
        if payload["type"] == "text"
        else body_text(payload.get("interactive") or {}),
        "template": template.get("name", ""),
        "language": template.get("language", {}).get("code", ""),
        "body_params": body_params,
        "callback_data": payload.get("biz_opaque_callback_data", ""),
        "payload": payload,
    }
