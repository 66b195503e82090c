"""A stand-in for the federal NINA warning API: a district dashboard and CAP-shaped details.

Serves ``GET /dashboard/{ARS}.json`` and ``GET /warnings/{id}.json`` in the shapes the
bundesAPI documentation gives (see ``/work/shared/nina-api.md`` in the project notes), from
warnings built here: nothing is copied from real NINA data. The same warnings are served
for any ARS. The control API (``POST /_sim/nina/...``) adds, updates and cancels warnings
and switches the stand-in into a failure mode, so the importer's tests and the E2E journey
can play an authority:

- ``/_sim/nina/warnings`` ``{"provider": "MOWAS", "headline": ..., "severity": ...}``:
  a new warning (``Alert``); answers its ``id``;
- ``/_sim/nina/update`` ``{"id": ..., "headline"?: ..., "description"?: ..., "web"?: ...}``:
  the next version, ``msgType`` ``Update``;
- ``/_sim/nina/cancel`` ``{"id": ...}``: the next version, ``msgType`` ``Cancel``;
- ``/_sim/nina/mode`` ``{"mode": "ok" | "fail" | "slow" | "garbage", "delay_s": 5}``:
  answer normally, with HTTP 503, only after ``delay_s`` seconds, or with broken JSON;
- ``/_sim/nina/reset`` ``{}``: no warnings, mode ok.

``demo=True`` starts with one MoWaS warning for Titz (``make run`` shows it imported).
"""

import copy
import itertools
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

PROVIDERS = {
    "MOWAS": ("mow", "Modulares Warnsystem (MoWaS)"),
    "KATWARN": ("kat", "KATWARN"),
    "BIWAPP": ("biw", "BIWAPP"),
    "DWD": ("dwd", "Deutscher Wetterdienst"),
    "LHP": ("lhp", "Länderübergreifendes Hochwasserportal"),
    "POLICE": ("pol", "Polizei"),
}
SEVERITIES = ("Minor", "Moderate", "Severe", "Extreme")
MODES = ("ok", "fail", "slow", "garbage")
DASHBOARD = re.compile(r"^/dashboard/(\d{12})\.json$")
DETAIL = re.compile(r"^/warnings/([A-Za-z0-9._-]+)\.json$")

DEMO_WARNING = {
    "provider": "MOWAS",
    "headline": "Großbrand in Titz-Rödingen: Fenster und Türen geschlossen halten",
    "severity": "Severe",
    "description": (
        "In einem Gewerbebetrieb in Titz-Rödingen brennt es. Es entsteht starker Rauch,"
        "<br/>der nach Nordosten zieht."
    ),
    "instruction": "Halten Sie Fenster und Türen geschlossen. Schalten Sie Lüftungen ab.",
    "areas": ["Gemeinde Titz"],
    "expires_minutes": 240,
}


def _iso(moment):
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class NinaStandIn:
    """The warnings an authority has issued, and how the API answers (thread-safe)."""

    def __init__(self, demo=False):
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.warnings = {}  # id -> detail (CAP shape)
        self.mode, self.delay_s = "ok", 5.0
        if demo:
            self.add(DEMO_WARNING)

    def reset(self):
        with self._lock:
            self.warnings.clear()
            self.mode, self.delay_s = "ok", 5.0

    # --- the authority ---------------------------------------------------------------

    def add(self, data):
        provider = str(data.get("provider") or "MOWAS").upper()
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        severity = str(data.get("severity") or "Severe")
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        if not data.get("headline"):
            raise ValueError("'headline' is required")
        now = datetime.now(UTC)
        expires = data.get("expires") or _iso(
            now + timedelta(minutes=float(data.get("expires_minutes") or 240))
        )
        prefix, sender_name = PROVIDERS[provider]
        with self._lock:
            identifier = data.get("id") or f"{prefix}.DE-SIM-{now:%Y%m%d}-{next(self._serial):04d}"
            areas = data.get("areas") or ["Gemeinde Titz"]
            self.warnings[identifier] = {
                "identifier": identifier,
                "sender": f"{prefix}@simulator.invalid",
                "sent": _iso(now),
                "status": "Actual",
                "msgType": "Alert",
                "scope": "Public",
                "code": ["SIMULATOR"],
                "version": 1,
                "provider": provider,
                "info": [
                    {
                        "language": "de-DE",
                        "category": ["Safety"],
                        "event": data.get("event") or "Gefahreninformation",
                        "urgency": data.get("urgency") or "Immediate",
                        "severity": severity,
                        "certainty": "Observed",
                        "onset": _iso(now),
                        "expires": expires,
                        "senderName": sender_name,
                        "headline": str(data["headline"]),
                        "description": str(data.get("description") or ""),
                        "instruction": str(data.get("instruction") or ""),
                        "web": data.get("web") or "",
                        "parameter": [
                            {"valueName": "sender_langname", "value": sender_name},
                            {"valueName": "warnVerwaltungsbereiche", "value": ", ".join(areas)},
                        ],
                        "area": [
                            {
                                "areaDesc": name,
                                "geocode": [
                                    {"valueName": "AreaId", "value": str(code)}
                                    for code in data.get("geocodes") or ()
                                ],
                            }
                            for name in areas
                        ],
                    }
                ],
            }
        return identifier

    def update(self, data):
        return self._next_version(data, "Update")

    def cancel(self, data):
        return self._next_version(data, "Cancel")

    def _next_version(self, data, msg_type):
        with self._lock:
            warning = self.warnings.get(str(data.get("id") or ""))
            if warning is None:
                raise ValueError("unknown warning 'id'")
            warning["version"] += 1
            warning["msgType"] = msg_type
            warning["sent"] = _iso(datetime.now(UTC))
            info = warning["info"][0]
            for key in ("headline", "description", "instruction", "severity", "expires", "web"):
                if data.get(key):
                    info[key] = str(data[key])
            return warning["identifier"]

    def set_mode(self, data):
        mode = str(data.get("mode") or "ok")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._lock:
            self.mode = mode
            self.delay_s = float(data.get("delay_s") or self.delay_s)
        return {"mode": self.mode, "delay_s": self.delay_s}

    def control(self, action, data):
        """One control call (``/_sim/nina/<action>``); returns the JSON answer."""
        if action == "warnings":
            return {"id": self.add(data)}
        if action == "update":
            return {"id": self.update(data)}
        if action == "cancel":
            return {"id": self.cancel(data)}
        if action == "mode":
            return self.set_mode(data)
        if action == "reset":
            self.reset()
            return {"ok": True}
        raise ValueError(f"unknown NINA control endpoint {action!r}")

    # --- the API ---------------------------------------------------------------------

    def handles(self, path):
        return bool(DASHBOARD.match(path) or DETAIL.match(path))

    def answer(self, path):
        """``(status, body bytes)`` for a GET of ``path`` (``handles(path)`` is true)."""
        with self._lock:
            mode, delay = self.mode, self.delay_s
            warnings = copy.deepcopy(self.warnings)
        if mode == "slow":
            time.sleep(delay)
        if mode == "fail":
            return 503, b'{"error": "Service Unavailable"}'
        if mode == "garbage":
            return 200, b"<html>Wartungsarbeiten{"
        if DASHBOARD.match(path):
            return 200, _dump([_dashboard_item(w) for w in warnings.values()])
        warning = warnings.get(DETAIL.match(path).group(1))
        if warning is None:
            return 404, b'{"error": "Not Found"}'
        warning.pop("version"), warning.pop("provider")
        return 200, _dump(warning)


def _dashboard_item(warning):
    info = warning["info"][0]
    return {
        "id": warning["identifier"],
        "payload": {
            "version": warning["version"],
            "type": "ALERT",
            "id": warning["identifier"],
            "hash": f"{warning['identifier']}-{warning['version']}",
            "data": {
                "headline": info["headline"],
                "provider": warning["provider"],
                "severity": info["severity"],
                "msgType": warning["msgType"],
                "transKeys": {"event": "BBK-EVC-001"},
                "area": {"type": "ZGEM", "data": "053580000000"},
            },
        },
        "i18nTitle": {"de": info["headline"]},
        "sent": warning["sent"],
        "onset": info["onset"],
        "expires": info["expires"],
    }


def _dump(data):
    return json.dumps(data, ensure_ascii=False).encode()
