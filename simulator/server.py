"""HTTP front of the simulator: Graph API routes, the ``/_sim`` control API and the phone page.

A ``ThreadingHTTPServer`` speaking HTTP/1.1 keep-alive: one thread per connection. Two
measured shortcuts keep it near 3,000 sends/s on two cores: headers are split by hand
instead of through the ``email`` parser (which cost a third of each request), and every
response goes out in a single ``send``.
"""

import contextlib
import json
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from .core import Simulator
from .errors import MetaError
from .media import MAX_UPLOAD
from .nina import NinaStandIn

logger = logging.getLogger(__name__)

PHONE_PAGE = Path(__file__).resolve().parent.parent / "templates" / "simulator" / "phone.html"
PHONE_SCRIPT = PHONE_PAGE.with_name("interactive.js")
MAX_JSON = 1024 * 1024
MAX_HEADERS = 100
_PHRASES = {status.value: status.phrase for status in HTTPStatus}
# Host names the control API answers to, with the server's port: a page on another site
# that resolves its own name to 127.0.0.1 (DNS rebinding) still sends its own Host.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_GRAPH = re.compile(r"^/(v\d+\.\d+)/([^/]+)/(messages|marketing_messages|media|message_templates)$")
_NUMBER = re.compile(r"^/v\d+\.\d+/(\d+)$")  # GET /<PHONE_NUMBER_ID>?fields=... (limits)


class _Headers(dict):
    """Request headers with lower-case keys; ``get`` takes any case."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "WhatsAppCloudSimulator/1.0"
    disable_nagle_algorithm = True
    # Idle keep-alive connections end after this, so stopped servers free their threads.
    timeout = 60

    @property
    def sim(self):
        return self.server.simulator

    def log_message(self, format, *args):
        logger.debug("%s " + format, self.address_string(), *args)

    # --- plumbing ---------------------------------------------------------------------

    def parse_request(self):
        """Request line and headers, without the stdlib's ``email``-based parser."""
        self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")
        parts = self.requestline.split()
        self.close_connection = True
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._respond(400, {"error": "malformed request line"})
            return False
        self.command, self.path, self.request_version = parts
        headers = _Headers()
        for _ in range(MAX_HEADERS):
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            self._respond(431, {"error": "too many headers"})
            return False
        self.headers = headers
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if headers.get("transfer-encoding"):
            self.close_connection = True
            self._respond(411, {"error": "send a Content-Length, chunked bodies are not supported"})
            return False
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _respond(self, status, body=b"", content_type="application/json"):
        if isinstance(body, dict | list):
            body = json.dumps(body, ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {status} {_PHRASES[status]}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'close' if self.close_connection else 'keep-alive'}\r\n\r\n"
        )
        self.wfile.write(head.encode() + body)

    def _error(self, error):
        self._respond(error.http_status, error.response_body())

    def _body(self, limit):
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self.close_connection = True
            raise MetaError(100, f"Request body larger than {limit} bytes.")
        return self.rfile.read(length) if length else b""

    def _json(self, raw=None):
        raw = self._body(MAX_JSON) if raw is None else raw
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise MetaError(100, "Request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise MetaError(100, "Request body must be a JSON object.")
        return data

    def _split(self):
        path, _, query = self.path.partition("?")
        return path, dict(parse_qsl(query)) if query else {}

    # --- dispatch ---------------------------------------------------------------------

    def _local_request(self):
        """True if the Host header names this server on a loopback name and its port.

        The control API drives the app (fake inbound messages, faults) and shows every
        message; only the developer's own browser and tools may use it.
        """
        host, port = self.server.server_address[:2]
        names = set(LOCAL_HOSTS)
        if host not in ("0.0.0.0", "::"):  # noqa: S104 - a comparison; bound to one address
            names.add(f"[{host}]" if ":" in host else host)
        allowed = {f"{name}:{port}" for name in names}
        if port == 80:
            allowed |= names
        return self.headers.get("Host", "").lower() in allowed

    def _refuse_foreign(self):
        """Answer 403 unless ``_local_request``; True if refused."""
        if self._local_request():
            return False
        self.close_connection = True
        self._respond(403, {"error": "the control API answers to 127.0.0.1/localhost only"})
        return True

    def do_GET(self):
        path, query = self._split()
        if path.startswith("/_sim/") and self._refuse_foreign():
            return
        try:
            match = _GRAPH.match(path)
            number = _NUMBER.match(path)
            if match and match.group(3) == "message_templates":
                self._templates(match, query)
            elif self.server.nina.handles(path):  # the NINA stand-in (simulator/nina.py)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # fault modes
                    self.server.nina.serve(self, path)
            elif number:
                self.sim.check_token(self.headers.get("Authorization", ""))
                self.sim.check_object(number.group(1), self.sim.config.phone_number_id, "get")
                self._respond(200, self.sim.number(query))
            elif path == "/":
                self._respond(200, PHONE_PAGE.read_bytes(), "text/html; charset=utf-8")
            elif path == "/interactive.js":  # list messages and reply buttons on the phone
                self._respond(200, PHONE_SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
            elif path == "/_sim/messages":
                limit = int(query["limit"]) if query.get("limit") else None
                self._respond(200, self.sim.store.find_messages(query.get("to"), limit))
            elif path == "/_sim/conversation":
                self._respond(200, self.sim.store.conversation(query.get("number", "")))
            elif path == "/_sim/stats":
                stats = self.sim.store.stats()
                stats["pending_statuses"] = self.sim.dispatcher.pending()
                self._respond(200, stats)
            elif path == "/_sim/config":
                self._respond(200, self.sim.config.public_dict())
            else:
                raise MetaError(100, f"Unsupported get request: {path}")
        except MetaError as error:
            self._error(error)
        except ValueError as exc:
            self._respond(400, {"error": str(exc)})
        except Exception:
            self._crash()

    def do_POST(self):
        path, _query = self._split()
        try:
            match = _GRAPH.match(path)
            if match and match.group(3) in ("messages", "marketing_messages"):
                self._send_message(match)
            elif match and match.group(3) == "media":
                self._upload(match)
            elif path.startswith("/_sim/"):
                self._control(path)
            else:
                self._body(MAX_UPLOAD)
                raise MetaError(100, f"Unsupported post request: {path}")
        except MetaError as error:
            self._error(error)
        except Exception:
            self._crash()

    def _crash(self):
        """A simulator bug answers like Meta's own hiccup (code 1), and is logged loudly."""
        logger.exception("simulator error on %s %s", self.command, self.path)
        self.close_connection = True
        self._error(MetaError(1, "An unknown error occurred in the simulator."))

    # --- Graph API --------------------------------------------------------------------

    def _send_message(self, match):
        raw = self._body(MAX_JSON)
        self.sim.check_token(self.headers.get("Authorization", ""))
        self.sim.check_object(match.group(2), self.sim.config.phone_number_id, "post")
        self._respond(200, self.sim.send(self._json(raw), endpoint=match.group(3)))

    def _upload(self, match):
        body = self._body(MAX_UPLOAD)
        self.sim.check_token(self.headers.get("Authorization", ""))
        self.sim.check_object(match.group(2), self.sim.config.phone_number_id, "post")
        self._respond(200, self.sim.upload(self.headers.get("Content-Type", ""), body))

    def _templates(self, match, query):
        self.sim.check_token(self.headers.get("Authorization", ""))
        self.sim.check_object(match.group(2), self.sim.config.waba_id, "get")
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])

        def next_url(**cursor):
            params = {k: v for k, v in query.items() if k not in ("after", "before")}
            return f"http://{host}{match.group(0)}?{urlencode({**params, **cursor})}"

        self._respond(200, self.sim.templates(query, next_url))

    # --- control API ------------------------------------------------------------------

    def _control(self, path):
        """``POST /_sim/...``: local Host and a JSON body only.

        A cross-site form or ``fetch`` may send ``text/plain`` without a CORS preflight;
        requiring ``application/json`` forces the preflight, which this server refuses.
        """
        if self._refuse_foreign():
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            self.close_connection = True
            self._respond(415, {"error": "send the control API JSON (application/json)"})
            return
        try:
            data = self._json()
        except MetaError as error:
            self._respond(400, {"error": error.details})
            return
        try:
            if path == "/_sim/reset":
                self.sim.reset()
                self.server.nina.reset()
                self._respond(200, {"ok": True})
            elif path.startswith("/_sim/nina/"):
                self._respond(200, self.server.nina.control(path.rsplit("/", 1)[1], data))
            elif path == "/_sim/config":
                self._respond(200, self.sim.configure(data).public_dict())
            elif path == "/_sim/template":  # Meta's template webhooks (meta_rules.py)
                self._respond(200, self.sim.template_change(data))
            elif path == "/_sim/account":  # limits, throughput, restrictions
                self._respond(200, self.sim.account_change(data))
            elif path == "/_sim/identity":  # a number or BSUID change (system message)
                self._respond(200, self.sim.identity_change(data))
            elif path == "/_sim/inbound":
                sender = str(data.get("from") or "").lstrip("+")
                if not (sender or data.get("user_id")) or not data.get("text"):
                    raise ValueError("'from' (or 'user_id') and 'text' are required")
                result = self.sim.inbound(
                    sender,
                    str(data["text"]),
                    user_id=data.get("user_id"),
                    kind=data.get("type", "text"),
                    name=data.get("name", "Testnutzer"),
                    reply=data.get("reply"),
                )
                self._respond(200, result)
            else:
                self._respond(404, {"error": f"unknown control endpoint {path}"})
        except ValueError as exc:
            self._respond(400, {"error": str(exc)})


class SimulatorServer(ThreadingHTTPServer):
    """Keeps the open connections so ``stop`` can end idle keep-alive clients at once."""

    daemon_threads = True

    def __init__(self, address, simulator):
        self.simulator = simulator
        self.nina = NinaStandIn(demo=simulator.config.nina_demo)
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def get_request(self):
        conn, address = super().get_request()
        with self._connections_lock:
            self._connections.add(conn)
        return conn, address

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def stop(self):
        self.nina.reset()  # releases a hanging or trickling NINA answer
        self.shutdown()
        self.simulator.stop()
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()


def make_server(config, host="127.0.0.1", port=0):
    """A bound, not yet serving server; call ``serve_forever`` and later ``stop``."""
    simulator = Simulator(config)
    server = SimulatorServer((host, port), simulator)
    simulator.start()
    return server
