"""The real backend: Meta's WhatsApp Cloud API over HTTPS (or the simulator in dev).

One pooled ``requests.Session`` per process keeps TCP/TLS connections open between sends;
the send path is a hot path (more than 1,000 sends per second per process must stay
possible), so a send is one JSON dump, one POST and a few dict look-ups. The session is
recreated after a fork, because Celery's prefork children must not share sockets.

``trust_env`` is off because requests otherwise re-reads proxy variables and ``~/.netrc``
on every request (about half of the client's time per send, measured against the
simulator); the proxy settings are read once per backend instead.
"""

import json
import os
import threading

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from ..errors import classify, network_error
from ..exceptions import ConfigurationError, TransientError
from ..outbound import AccountLimits, SendResult
from .base import BaseBackend, template_info

POOL_SIZE = 32
MAX_TEMPLATE_PAGES = 50  # 250 templates per account at most; 100 per page

_sessions = {}
_sessions_lock = threading.Lock()


def _session():
    pid = os.getpid()
    session = _sessions.get(pid)
    if session is None:
        with _sessions_lock:
            session = _sessions.get(pid)
            if session is None:
                _sessions.clear()  # a forked child drops its parent's session
                session = requests.Session()
                session.trust_env = False
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                _sessions[pid] = session
    return session


class CloudAPIBackend(BaseBackend):
    def __init__(self):
        token = settings.WHATSAPP_ACCESS_TOKEN
        if not token:
            raise ConfigurationError("WHATSAPP_ACCESS_TOKEN is empty")
        base = f"{settings.WHATSAPP_API_BASE_URL.rstrip('/')}/{settings.WHATSAPP_API_VERSION}"
        self.messages_url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        # Meta's Marketing Messages API: the endpoint for MARKETING templates since 2026.
        self.marketing_url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}/marketing_messages"
        self.media_url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}/media"
        self.templates_url = f"{base}/{settings.WHATSAPP_BUSINESS_ACCOUNT_ID}/message_templates"
        self.number_url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}"
        self.timeout = (settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT)
        self.proxies = requests.utils.get_environ_proxies(base)
        self.auth_headers = {"Authorization": f"Bearer {token}"}
        self.json_headers = {**self.auth_headers, "Content-Type": "application/json"}

    def deliver(self, to, payload, *, marketing=False):
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        url = self.marketing_url if marketing else self.messages_url
        data = self._request("POST", url, prepared=self._prepared_message(body, url))
        try:
            message = data["messages"][0]
            contacts = data.get("contacts") or ({},)
            return SendResult(
                message["id"], contacts[0].get("wa_id", ""), message.get("message_status", "")
            )
        except (KeyError, IndexError, TypeError, AttributeError):
            raise _unexpected_response() from None

    def upload_media(self, content, mime_type, filename):
        data = self._request(
            "POST",
            self.media_url,
            files={"file": (filename, content, mime_type)},
            data={"messaging_product": "whatsapp", "type": mime_type},
            headers=self.auth_headers,
        )
        try:
            return str(data["id"])
        except (KeyError, TypeError):
            raise _unexpected_response() from None

    def list_templates(self):
        # Follow the "after" cursor against our own base URL rather than Meta's absolute
        # "next" link, so the bearer token never goes to a host we did not configure.
        params = {"limit": 100, "fields": "id,name,language,category,status,components"}
        templates = []
        for _page in range(MAX_TEMPLATE_PAGES):
            data = self._request(
                "GET", self.templates_url, params=params, headers=self.auth_headers
            )
            templates.extend(template_info(item) for item in data.get("data") or ())
            paging = data.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params = {**params, "after": after}
        return templates

    def account_limits(self):
        # whatsapp_business_manager_messaging_limit replaces the deprecated
        # messaging_limit_tier (Meta's messaging-limits page); it is the portfolio's limit.
        fields = "whatsapp_business_manager_messaging_limit,throughput,quality_rating"
        data = self._request(
            "GET", self.number_url, params={"fields": fields}, headers=self.auth_headers
        )
        throughput = data.get("throughput")
        return AccountLimits(
            messaging_limit=str(data.get("whatsapp_business_manager_messaging_limit") or ""),
            throughput_level=str(throughput.get("level") or "")
            if isinstance(throughput, dict)
            else "",
            quality_rating=str(data.get("quality_rating") or ""),
        )

    def _prepared_message(self, body, url):
        """The messages POST from a template prepared once per backend and endpoint.

        ``Session.request`` prepares every request anew (merging headers, cookies, hooks and
        environment settings): about a third of the client's time per send. The template
        holds the same merged headers; each send only copies it and sets the body.
        """
        templates = self.__dict__.setdefault("_message_templates", {})
        template = templates.get(url)
        if template is None:
            request = requests.Request("POST", url, headers=self.json_headers)
            template = templates[url] = _session().prepare_request(request)
        prepared = template.copy()
        prepared.body = body
        prepared.headers["Content-Length"] = str(len(body))
        return prepared

    def _request(self, method, url, prepared=None, **kwargs):
        try:
            if prepared is not None:
                response = _session().send(
                    prepared, timeout=self.timeout, proxies=self.proxies, allow_redirects=False
                )
            else:
                response = _session().request(
                    method, url, timeout=self.timeout, proxies=self.proxies, **kwargs
                )
        except requests.RequestException as exc:
            raise network_error(exc) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            error_obj = data.get("error") if isinstance(data, dict) else None
            raise classify(error_obj, response.status_code)
        if not isinstance(data, dict):
            raise _unexpected_response()
        return data


def _unexpected_response():
    error = TransientError("unexpected response from the Cloud API")
    error.unknown = True
    return error
