"""Webhooks the simulator posts to the app: Meta's envelope, signature and delivery habits.

Status updates are delivered the way Meta delivers them: later than the send response
(so the app sees a status for a wamid it may not have stored yet), many per POST, and
again after a failed POST (so the app sees duplicates).
"""

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import secrets
import threading
import time

import requests

from . import interactive

logger = logging.getLogger(__name__)


def sign(body, secret):
    """``X-Hub-Signature-256`` value: HMAC-SHA256 of the raw body with the app secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def envelope(config, value):
    """Meta's ``whatsapp_business_account`` wrapper around one ``messages`` change."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": config.display_phone_number,
            "phone_number_id": config.phone_number_id,
        },
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": config.waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


_WAMID_SERIAL_PREFIX = secrets.token_hex(6).upper()
_wamid_counter = itertools.count(1)


def new_wamid(recipient):
    """A unique message id shaped like Meta's: ``wamid.`` + base64 of a small record that
    holds the ``recipient``'s number (or user id) and a serial, as Meta's ids do.

    So the app under test meets the real hazard: an id stored as it is keeps the number.
    A per-process random prefix plus a counter: unique across restarts, and no
    ``urandom`` call on the hot path.
    """
    serial = f"{_WAMID_SERIAL_PREFIX}{next(_wamid_counter):08X}".encode()
    record = b"\x1c\x18" + bytes([len(recipient)]) + recipient.encode()
    record += b"\x15\x02\x00\x12\x18\x14" + serial + b"\x00"
    return "wamid." + base64.b64encode(record).decode()


def inbound_payload(
    config, *, sender, text, user_id=None, name="Testnutzer", kind="text", reply=None
):
    """A resident's message as Meta posts it: contacts + messages, a fresh wamid."""
    contact = {"profile": {"name": name}}
    message = {"id": new_wamid(sender or user_id), "timestamp": str(int(time.time())), "type": kind}
    if sender:
        contact["wa_id"] = sender
        message["from"] = sender
    if user_id:
        contact["user_id"] = user_id
        message["from_user_id"] = user_id
    if kind == "button":
        message["button"] = {"payload": text, "text": text}
    elif kind == "interactive":
        message["interactive"] = interactive.reply(reply, text)
    else:
        message["text"] = {"body": text}
    return envelope(config, {"contacts": [contact], "messages": [message]})


def system_payload(config, kind, *, old_number, new_number, old_user_id, new_user_id):
    """A ``system`` message (``user_changed_number`` / ``user_changed_user_id``).

    No ``contacts[]``, as Meta sends it; ``from`` only when the old number may be named.
    """
    message = {
        "id": new_wamid(old_number or old_user_id),
        "timestamp": str(int(time.time())),
        "type": "system",
    }
    system = {"type": kind}
    if old_number:
        message["from"] = old_number
        system["body"] = f"User Testnutzer changed from {old_number} to {new_number}"
        system["wa_id"] = new_number
    if new_user_id:
        system["user_id"] = new_user_id
    if old_user_id:
        system["previous_user_id"] = old_user_id
    message["system"] = system
    return envelope(config, {"messages": [message]})


# 1 October 2026 00:00 UTC: from then on Meta bills service messages (the replies inside
# the 24-hour window) per message, like templates.
SERVICE_BILLED_FROM = 1790812800


def status_object(message, status, when, config, error=None):
    """One ``statuses[]`` entry for a recorded outbound message."""
    item = {"id": message["id"], "status": status, "timestamp": str(int(when))}
    if message["to"]:
        item["recipient_id"] = message["to"]
    if message["user_id"]:
        item["recipient_user_id"] = message["user_id"]
    echo = status != "failed" or config.callback_data_on_failed
    if message["callback_data"] and echo:
        item["biz_opaque_callback_data"] = message["callback_data"]
    if status in ("sent", "delivered"):
        category = message.get("category", "service")
        # Free-form replies inside the service window are billed since 1 October 2026.
        free = category == "service" and when < SERVICE_BILLED_FROM
        item["pricing"] = {
            "billable": not free,
            "pricing_model": "PMP",
            "type": "free_customer_service" if free else "regular",
            "category": category,
        }
    if error is not None:
        item["errors"] = [error]
    return item


class Poster:
    """Posts signed JSON to the app; one keep-alive session per thread that uses it."""

    def __init__(self):
        self._local = threading.local()

    def post(self, url, payload, secret, timeout):
        body = json.dumps(payload, separators=(",", ":")).encode()
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        response = session.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)},
            timeout=timeout,
        )
        return response.status_code


class StatusDispatcher:
    """A background thread that turns scheduled status changes into batched webhooks.

    ``schedule`` is called on the request path and only pushes onto a heap; the thread
    applies each due status to the store (so ``/_sim/messages`` shows it even when no
    app listens) and posts up to ``webhook_batch_size`` of them in one signed POST,
    retried with backoff up to ``webhook_max_attempts`` times.
    """

    def __init__(self, simulator):
        self._sim = simulator
        self._heap = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self._poster = Poster()
        self._thread = threading.Thread(target=self._run, name="sim-status", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stopped.set()
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def schedule(self, events):
        """``events``: iterable of (due_time, wamid, status, error_or_None)."""
        with self._cond:
            earliest = self._heap[0][0] if self._heap else None
            for due, wamid, status, error in events:
                heapq.heappush(self._heap, (due, next(self._seq), wamid, status, error))
            # Waking the thread for every send costs more than the send itself; it only
            # needs to know when the next due time moved earlier.
            if earliest is None or self._heap[0][0] < earliest:
                self._cond.notify()

    def clear(self):
        with self._cond:
            self._heap.clear()

    def pending(self):
        with self._cond:
            return len(self._heap)

    def _take_batch(self):
        """Wait for the first due event, linger briefly for more, return up to a batch."""
        config = self._sim.config
        with self._cond:
            while not self._stopped.is_set():
                now = time.time()
                if self._heap and self._heap[0][0] <= now:
                    break
                wait = self._heap[0][0] - now if self._heap else 1.0
                self._cond.wait(timeout=min(wait, 1.0))
            else:
                return []
            linger_until = time.time() + config.webhook_linger_ms / 1000
            batch = []
            while len(batch) < config.webhook_batch_size and not self._stopped.is_set():
                if self._heap and self._heap[0][0] <= time.time():
                    batch.append(heapq.heappop(self._heap))
                    continue
                remaining = linger_until - time.time()
                if remaining <= 0:
                    break
                self._cond.wait(timeout=remaining)
            return batch

    def _run(self):
        while not self._stopped.is_set():
            batch = self._take_batch()
            if not batch:
                continue
            statuses = self._sim.apply_statuses(
                [(wamid, status, error) for _, _, wamid, status, error in batch]
            )
            config = self._sim.config
            if statuses and config.webhook_url:
                self._deliver(config, envelope(config, {"statuses": statuses}))

    def _deliver(self, config, payload):
        stats = self._sim.store
        for attempt in range(config.webhook_max_attempts):
            if self._stopped.is_set():
                return
            try:
                code = self._poster.post(
                    config.webhook_url, payload, config.app_secret, config.webhook_timeout_s
                )
            except requests.RequestException as exc:
                code = type(exc).__name__
            if code == 200:
                stats.count("webhook_posts_ok")
                return
            stats.count("webhook_posts_failed")
            logger.warning("status webhook attempt %d failed: %s", attempt + 1, code)
            self._stopped.wait(min(0.1 * 2**attempt, 2.0))
        stats.count("webhook_batches_dropped")
