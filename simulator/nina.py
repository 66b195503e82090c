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
- ``/_sim/nina/mode`` ``{"mode": ..., "delay_s": 5, "size_mb": 20, "declare_length": true,
  "location": ...}``: how the API answers, for the fault tests:

  - ``ok``: normally; ``fail``: HTTP 503; ``garbage``: broken JSON;
  - ``slow``: normally, but only after ``delay_s`` seconds;
  - ``trickle``: the right answer, one byte every ``delay_s`` seconds;
  - ``hang``: the request is read, and then nothing is ever sent (until a reset);
  - ``huge``: ``size_mb`` megabytes of JSON-looking whitespace, announced in
    ``Content-Length`` unless ``declare_length`` is false;
  - ``redirect``: ``302`` to ``location`` (by default the same path on ``localhost``,
    another host name for the same server);
  - ``deep``: a JSON list nested 100,000 levels deep;

  ``requests_seen`` in the answer counts the API requests served so far;
- ``/_sim/nina/reset`` ``{}``: no warnings, mode ok (a hanging answer is released).

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
MODES = ("ok", "fail", "slow", "garbage", "trickle", "hang", "huge", "redirect", "deep")
HANG_LIMIT_S = 300  # a hanging answer is given up after this, so no thread lives forever
DEEP_LEVELS = 100_000
_CHUNK = 64 * 1024
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
        self.options = {}
        self.requests_seen = 0
        self._released = threading.Event()  # set: hanging and trickling answers stop
        if demo:
            self.add(DEMO_WARNING)

    def reset(self):
        with self._lock:
            self.warnings.clear()
            self.mode, self.delay_s, self.options = "ok", 5.0, {}
            self.requests_seen = 0
            self._release()

    def _release(self):
        """End every answer that hangs or trickles now (called with the lock held)."""
        self._released.set()
        self._released = threading.Event()

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
            self.options = {
                "size_mb": float(data.get("size_mb") or 20),
                "declare_length": data.get("declare_length", True) is not False,
                "location": str(data.get("location") or ""),
            }
            self._release()
            seen = self.requests_seen
        return {"mode": self.mode, "delay_s": self.delay_s, "requests_seen": seen}

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

    def serve(self, handler, path):
        """Answer a GET of ``path`` on ``handler`` (``handles(path)`` is true) in the mode."""
        with self._lock:
            mode, delay, options = self.mode, self.delay_s, dict(self.options)
            released = self._released
            self.requests_seen += 1
        if mode == "hang":
            released.wait(HANG_LIMIT_S)
            handler.close_connection = True
            return
        if mode == "redirect":
            port = handler.server.server_address[1]
            location = options["location"] or f"http://localhost:{port}{path}"
            handler.wfile.write(
                f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
            )
            return
        if mode == "huge":
            self._huge(handler, int(options["size_mb"] * 1024 * 1024), options["declare_length"])
            return
        status, body = self.answer(path, mode, delay)
        if mode == "trickle":
            self._trickle(handler, status, body, delay, released)
            return
        handler._respond(status, body)

    def answer(self, path, mode="ok", delay=0.0):
        """``(status, body bytes)`` for a GET of ``path`` in one of the plain modes."""
        with self._lock:
            warnings = copy.deepcopy(self.warnings)
        if mode == "slow":
            time.sleep(delay)
        if mode == "fail":
            return 503, b'{"error": "Service Unavailable"}'
        if mode == "garbage":
            return 200, b"<html>Wartungsarbeiten{"
        if mode == "deep":
            return 200, b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS
        if DASHBOARD.match(path):
            return 200, _dump([_dashboard_item(w) for w in warnings.values()])
        warning = warnings.get(DETAIL.match(path).group(1))
        if warning is None:
            return 404, b'{"error": "Not Found"}'
        warning.pop("version"), warning.pop("provider")
        return 200, _dump(warning)

    @staticmethod
    def _trickle(handler, status, body, delay, released):
        handler.wfile.write(
            f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        handler.wfile.flush()
        for index in range(len(body)):
            if released.wait(delay):
                break
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
        handler.close_connection = True

    @staticmethod
    def _huge(handler, size, declare_length):
        length = f"Content-Length: {size}\r\n" if declare_length else "Connection: close\r\n"
        handler.wfile.write(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}\r\n".encode()
        )
        handler.close_connection = True
        chunk = b" " * _CHUNK
        for _sent in range(0, size, _CHUNK):
            handler.wfile.write(chunk)


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
