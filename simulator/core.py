"""The simulated Cloud API's behaviour, independent of HTTP: accept, fail, report back.

``server.py`` only translates requests into calls here, so the rules (which fault, which
error code, which status webhooks follow) live in one place.
"""

import logging
import random
import threading
import time

import requests

from . import catalog, faults, media, validation, webhooks
from .errors import MetaError
from .meta_rules import MetaRules
from .store import Store

logger = logging.getLogger(__name__)


class Simulator:
    def __init__(self, config):
        self.initial_config = config
        self.config = config
        self.store = Store()
        self.faults = faults.FaultInjector(config)
        self._read_random = random.Random(config.seed)
        self._stopped = threading.Event()
        self._poster = webhooks.Poster()
        self.dispatcher = webhooks.StatusDispatcher(self)
        self.rules = MetaRules()
        # number -> BSUID of the residents who wrote with both: Meta names the BSUID in
        # the answer and in every status of a send to that number (since April 2026).
        self.user_ids = {}
        self._identities_lock = threading.Lock()

    def start(self):
        self.dispatcher.start()

    def stop(self):
        self._stopped.set()
        self.dispatcher.stop()

    def configure(self, values):
        """Apply a partial config (raises ValueError); reseeds the fault injector."""
        self.config = self.config.updated(values)
        self.faults.reconfigure(self.config)
        self._read_random = random.Random(self.config.seed)
        return self.config

    def reset(self):
        """Forget messages, media, stats and queued webhooks; restore the startup config."""
        self.dispatcher.clear()
        self.store.reset()
        self.rules.reset()
        with self._identities_lock:
            self.user_ids.clear()
        self.config = self.initial_config
        self.faults.reconfigure(self.config)
        self._read_random = random.Random(self.config.seed)

    # --- Graph API --------------------------------------------------------------------

    def check_token(self, authorization):
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not token:
            raise MetaError(190, "An active access token must be used to query information.")
        if self.config.access_token and token != self.config.access_token:
            raise MetaError(190, "Invalid OAuth access token - Cannot parse access token")

    def check_object(self, object_id, expected, method):
        if object_id != expected:
            raise MetaError(
                100,
                f"Unsupported {method} request. Object with ID '{object_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation.",
            )

    def send(self, body, endpoint="messages"):
        """``POST /messages`` or ``/marketing_messages``: faults first (they do not depend
        on the body), then checks.

        The Marketing Messages API takes templates only (error 100 as in Meta's example);
        a MARKETING template through ``/messages``, which Meta is retiring, is counted
        (``marketing_via_messages``) so tests can see the routing.
        """
        config = self.config
        if body.get("status") == "read" and body.get("message_id"):
            return {"success": True}
        fault = self.faults.draw()
        if config.delay_ms:
            self._stopped.wait(config.delay_ms / 1000)
        if fault == faults.RATE_LIMIT:
            self.store.count("injected_130429")
            raise MetaError(130429)
        if fault == faults.SERVER_ERROR:
            self.store.count(f"injected_{config.server_error_code}")
            raise MetaError(config.server_error_code)
        if fault == faults.TIMEOUT:
            # The client gives up, yet the message is accepted afterwards: the case
            # that produces duplicates when a sender simply retries.
            self.store.count("injected_timeout")
            self._stopped.wait(config.timeout_seconds)
        record = validation.parse_send(body, strict_templates=config.strict_templates)
        record["request"] = body  # as it came, for tests that check it against Meta's schema
        if record["to"] and not record["user_id"]:
            with self._identities_lock:
                record["user_id"] = self.user_ids.get(record["to"])
        self.rules.before_send(record)
        if endpoint == "marketing_messages":
            if record["type"] != "template":
                raise MetaError(100, "Message must be a template message.")
            self.store.count("accepted_marketing_messages")
        elif record.get("category") == "marketing":
            self.store.count("marketing_via_messages")
        record["endpoint"] = endpoint
        recipient = record["to"] or record["user_id"]
        undeliverable = recipient in config.undeliverable
        if undeliverable and config.undeliverable_mode == "sync":
            raise MetaError(131026)
        self.faults.check_pair_limit(recipient)
        delivered = record["type"] != "template" or self.rules.within_limit(config, recipient)
        if not delivered:
            self.store.count("over_messaging_limit")
        now = time.time()
        record.update(
            id=webhooks.new_wamid(recipient),
            accepted_at=now,
            status="accepted",
            statuses=[],
            error=None,
        )
        self.store.add_message(record)
        self.dispatcher.schedule(self._status_plan(record, now, undeliverable, delivered))
        return self._send_response(record)

    def _status_plan(self, record, now, undeliverable, delivered=True):
        config = self.config
        sent_at = now + config.sent_delay_ms / 1000
        if undeliverable:
            return [(sent_at, record["id"], "failed", MetaError(131026).webhook_error())]
        if not delivered:  # beyond the messaging limit: Meta says no more than "sent"
            return [(sent_at, record["id"], "sent", None)]
        plan = [
            (sent_at, record["id"], "sent", None),
            (now + config.delivered_delay_ms / 1000, record["id"], "delivered", None),
        ]
        if self._read_random.random() < config.read_share:
            plan.append((now + config.read_delay_ms / 1000, record["id"], "read", None))
        return plan

    @staticmethod
    def _send_response(record):
        contact = {"input": record["input"]}
        if record["to"]:
            contact["wa_id"] = record["to"]
        if record["user_id"]:
            contact["user_id"] = record["user_id"]
        message = {"id": record["id"]}
        if record["type"] == "template":
            message["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}

    def upload(self, content_type, body):
        if self.config.media_fault == "refused":
            raise MetaError(131053, "Media upload error: the file could not be processed.")
        if self.config.media_fault == "server_error":
            raise MetaError(131000, "Something went wrong.")
        record = media.parse_upload(content_type, body)
        self.store.add_media(record)
        return {"id": record["id"]}

    def templates(self, query, next_url):
        try:
            listing = catalog.page(
                limit=query.get("limit", 25),
                after=query.get("after"),
                before=query.get("before"),
                status=query.get("status"),
                name=query.get("name"),
                next_url=next_url,
            )
            return self.rules.overlay(listing)
        except ValueError as exc:
            raise MetaError(100, f"Invalid paging parameter: {exc}") from exc

    def number(self, query):
        """``GET /<PHONE_NUMBER_ID>?fields=...``: limits, throughput, quality (``meta_rules``)."""
        return self.rules.number_fields(self.config, query.get("fields"))

    # --- webhooks to the app ------------------------------------------------------------

    def template_change(self, data):
        """Change a template as Meta would (``meta_rules``) and post the webhook."""
        entry = catalog.find(str(data.get("name") or ""), str(data.get("language") or "de"))
        if entry is None:
            raise ValueError("unknown template (give 'name' and 'language')")
        return {"status": self._post_change(self.rules.template_change(self.config, entry, data))}

    def account_change(self, data):
        """Change the number's limits or restrictions and post the webhook."""
        return {"status": self._post_change(self.rules.account_change(self.config, data))}

    def _post_change(self, payload):
        config = self.config
        if not config.webhook_url:
            return None
        try:
            return self._poster.post(
                config.webhook_url, payload, config.app_secret, config.webhook_timeout_s
            )
        except requests.RequestException as exc:
            logger.warning("account/template webhook failed: %s", type(exc).__name__)
            return None

    def apply_statuses(self, changes):
        """Called by the dispatcher: advance each message, return the webhook entries."""
        now = time.time()
        return [
            webhooks.status_object(message, status, now, self.config, error)
            for message, status, error in self.store.advance(changes)
        ]

    def inbound(self, sender, text, *, user_id=None, kind="text", name="Testnutzer", reply=None):
        """A resident writes (or taps a row or button, ``reply``): post it signed, return
        the app's answer."""
        config = self.config
        if sender and user_id:
            with self._identities_lock:
                self.user_ids[sender] = user_id
        payload = webhooks.inbound_payload(
            config, sender=sender, text=text, user_id=user_id, name=name, kind=kind, reply=reply
        )
        message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        try:
            status = self._poster.post(
                config.webhook_url, payload, config.app_secret, config.webhook_timeout_s
            )
        except requests.RequestException as exc:
            logger.warning("inbound webhook failed: %s", type(exc).__name__)
            status = None
        self.store.add_inbound(
            sender or user_id, {"at": time.time(), "text": text, "app_status": status}
        )
        return {"status": status, "message_id": message_id}

    def identity_change(self, data):
        """A resident changes number or BSUID: post Meta's system message, return the
        app's answer.

        ``user_changed_number``: ``from`` the old number, ``new_number`` and ``new_user_id``
        the new identity. ``user_changed_user_id``: only ``user_id`` (the old BSUID) and
        ``new_user_id``; no number at all, as Meta sends it when the new number may not be
        shared (system messages webhook reference, 11 Aug 2026).
        """
        kind = data.get("type")
        old_number = str(data.get("from") or "").lstrip("+")
        new_number = str(data.get("new_number") or "").lstrip("+")
        old_user_id, new_user_id = data.get("user_id") or "", data.get("new_user_id") or ""
        if kind == "user_changed_number" and not (old_number and new_number):
            raise ValueError("user_changed_number needs 'from' and 'new_number'")
        if kind == "user_changed_user_id" and not (old_user_id and new_user_id):
            raise ValueError("user_changed_user_id needs 'user_id' and 'new_user_id'")
        if kind not in ("user_changed_number", "user_changed_user_id"):
            raise ValueError("type must be user_changed_number or user_changed_user_id")
        payload = webhooks.system_payload(
            self.config,
            kind,
            old_number=old_number if kind == "user_changed_number" else "",
            new_number=new_number if kind == "user_changed_number" else "",
            old_user_id=old_user_id,
            new_user_id=new_user_id,
        )
        with self._identities_lock:
            self.user_ids.pop(old_number, None)
            if new_number and new_user_id:
                self.user_ids[new_number] = new_user_id
        return {"status": self._post_change(payload)}
