"""Meta's rules of 2026 in the simulator: template health, the number's limits, on command.

A simulator's own state, kept apart from the shared catalog (several simulators run in one
test process): what Meta changed about a template (its status, category, quality) and
about the number (messaging limit, throughput, quality rating). The control API changes
them (``POST /_sim/template``, ``POST /_sim/account``) and posts the webhook Meta would
send, in the shapes of Meta's reference pages; the Graph API answers with them: the
template list, ``GET /<PHONE_NUMBER_ID>?fields=...`` and sends (a paused template fails
with 132015, a disabled one with 132016, a re-categorised one is priced as its new
category in the status webhooks).
"""

import threading
import time

from .errors import MetaError

TEMPLATE_FIELDS = {
    "status": "message_template_status_update",
    "category": "template_category_update",
    "quality": "message_template_quality_update",
}
BLOCKED = {"PAUSED": 132015, "DISABLED": 132016}
# Meta's messaging-limit tiers since October 2025 (no 1K tier any more); 0 = unlimited.
TIERS = {"TIER_250": 250, "TIER_2K": 2_000, "TIER_10K": 10_000, "TIER_100K": 100_000}
TIERS["TIER_UNLIMITED"] = 0
DAY = 24 * 3600
THROUGHPUT = {80: "STANDARD", 1000: "HIGH"}


class MetaRules:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.templates = {}  # (name, language) -> {"status": ..., "category": ...}
            self.reached = {}  # recipient -> when a template last reached them (limit clock)
            self.account = {
                "messaging_limit": "TIER_2K",
                "throughput": "STANDARD",
                "quality_rating": "GREEN",
            }

    # --- Graph API ------------------------------------------------------------------------

    def number_fields(self, config, fields):
        """``GET /<PHONE_NUMBER_ID>?fields=...``: the requested fields Meta documents."""
        with self._lock:
            known = {
                "id": config.phone_number_id,
                "display_phone_number": config.display_phone_number,
                "whatsapp_business_manager_messaging_limit": self.account["messaging_limit"],
                "throughput": {"level": self.account["throughput"]},
                "quality_rating": self.account["quality_rating"],
            }
        wanted = [f.strip() for f in (fields or "id").split(",") if f.strip()]
        return {name: known[name] for name in ["id", *wanted] if name in known}

    def overlay(self, listing):
        """The template list with this simulator's changes applied (copies, not the catalog)."""
        with self._lock:
            changes = dict(self.templates)
        data = []
        for template in listing.get("data", []):
            change = changes.get((template["name"], template["language"]))
            data.append({**template, **change} if change else template)
        return {**listing, "data": data}

    def before_send(self, record):
        """Refuse a send with a paused or disabled template; price it as its category now."""
        template = record.get("template")
        if not template:
            return
        with self._lock:
            change = self.templates.get((template["name"], template["language"]), {})
        status = change.get("status", "")
        if status in BLOCKED:
            raise MetaError(BLOCKED[status], f"template {template['name']} is {status.lower()}")
        if change.get("category"):
            record["category"] = change["category"].lower()

    def within_limit(self, config, recipient):
        """Count a template to ``recipient``; False when it exceeds the messaging limit.

        Unique recipients in a moving 24 h: a recipient reached within the window does not
        count again. The limit is the account's tier, or a plain number set for a test.
        """
        if not config.enforce_messaging_limit:
            return True
        now = time.time() + config.clock_offset_s
        with self._lock:
            tier = self.account["messaging_limit"]
            limit = TIERS.get(tier, int(tier) if tier.isdigit() else 0)
            recent = {r for r, at in self.reached.items() if at > now - DAY}
            if limit and recipient not in recent and len(recent) >= limit:
                return False
            self.reached[recipient] = now
            return True

    # --- control API: change, and tell the app ---------------------------------------------

    def template_change(self, config, catalog_entry, data):
        """Apply ``{"name", "language", "status" | "category" | "quality"}``; the webhook body."""
        kinds = [kind for kind in TEMPLATE_FIELDS if data.get(kind)]
        if len(kinds) != 1:
            raise ValueError("give exactly one of 'status', 'category', 'quality'")
        kind, value = kinds[0], str(data[kinds[0]]).upper()
        key = (catalog_entry["name"], catalog_entry["language"])
        with self._lock:
            change = self.templates.setdefault(key, {})
            current = {**catalog_entry, **change}
            common = {
                "message_template_id": int(catalog_entry["id"]),
                "message_template_name": key[0],
                "message_template_language": key[1],
            }
            if kind == "status":
                change["status"] = value
                body = {**common, "event": value, "reason": data.get("reason") or "NONE"}
                body["message_template_category"] = current["category"]
            elif kind == "category":
                change["category"] = value
                body = {**common, "previous_category": current["category"], "new_category": value}
            else:
                previous = current.get("quality_score", {}).get("score", "UNKNOWN")
                change["quality_score"] = {"score": value}
                body = {**common, "previous_quality_score": previous, "new_quality_score": value}
        return envelope(config, TEMPLATE_FIELDS[kind], body)

    def account_change(self, config, data):
        """Apply ``{"messaging_limit", "throughput", "quality_rating", "restriction"}``.

        Returns the webhook body: ``business_capability_update`` for a limit change,
        ``phone_number_quality_update`` for throughput, else ``account_update`` (a
        restriction).
        """
        with self._lock:
            for name in ("messaging_limit", "quality_rating"):
                if data.get(name):
                    self.account[name] = str(data[name]).upper()
            if data.get("throughput"):
                rate = int(data["throughput"])
                self.account["throughput"] = THROUGHPUT.get(rate, "STANDARD")
            account = dict(self.account)
        if data.get("restriction"):
            body = {
                "event": "ACCOUNT_RESTRICTION",
                "restriction_info": [
                    {
                        "restriction_type": str(data["restriction"]),
                        "expiration": int(time.time()) + 7 * 24 * 3600,
                    }
                ],
            }
            return envelope(config, "account_update", body)
        if data.get("messaging_limit"):  # Meta's webhook for limit changes since 2025
            limit = TIERS.get(account["messaging_limit"], account["messaging_limit"])
            body = {"max_daily_conversations_per_business": int(limit) if limit else -1}
            return envelope(config, "business_capability_update", body)
        event = "THROUGHPUT_UPGRADE"
        body = {
            "display_phone_number": config.display_phone_number,
            "event": event,
            "current_limit": account["messaging_limit"],
        }
        return envelope(config, "phone_number_quality_update", body)


def envelope(config, field, value):
    """Meta's wrapper around one change of a WhatsApp Business Account field."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": config.waba_id,
                "time": int(time.time()),
                "changes": [{"value": value, "field": field}],
            }
        ],
    }
