"""A small ``requests`` client for the two NINA endpoints the importer needs.

Why not ``pynina`` (the library behind Home Assistant's NINA integration): it is built on
``asyncio`` and ``aiohttp``, so each Celery task would have to run an event loop around a
second HTTP stack, and its endpoints are module constants, so pointing it at the
simulator's stand-in (``NINA_API_BASE_URL``) would mean patching the library. It also
fetches and matches label data we do not use. Two GETs with a deadline, a size cap,
bounded retries and strict shape checks are less code than that adapter.

Every failure (network, timeout, HTTP error, an answer that is not the documented JSON)
is a ``NinaError`` with a German explanation for the overview; nothing else escapes.
"""

import json
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

# Retried inside one poll, with backoff (0.5 s, 1 s): a hiccup should not count as an
# outage. Beyond that the next poll tries again (``health`` counts failed polls). A read
# timeout is never retried (``read=False`` re-raises it as itself): a hanging NINA is
# "antwortet nicht rechtzeitig", and retrying would only hold the worker longer. Redirects
# are followed by ``NinaClient`` itself, on NINA's own host only.
RETRY = Retry(
    total=2,
    read=False,
    redirect=False,
    backoff_factor=0.5,
    status_forcelist=(429, 500, 502, 503, 504),
    allowed_methods=("GET",),
    raise_on_status=False,
)
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class NinaError(Exception):
    """NINA could not be read; ``str(error)`` is German and names no internals."""


def session():
    http = requests.Session()
    http.trust_env = False
    http.mount("https://", HTTPAdapter(max_retries=RETRY))
    http.mount("http://", HTTPAdapter(max_retries=RETRY))
    return http


class NinaClient:
    """Reads NINA within ``NINA_TOTAL_TIMEOUT`` and ``NINA_MAX_BYTES`` per request.

    Per-read timeouts alone let a NINA that sends one byte every few seconds hold a
    worker for hours, and an answer read whole into memory could be any size. So the
    answer is streamed: refused unread when its ``Content-Length`` is too large, given
    up as soon as it grows past the cap or the deadline passes.
    """

    def __init__(self, base_url=None, http=None):
        self.base_url = (base_url or settings.NINA_API_BASE_URL).rstrip("/")
        self.http = http or session()

    def dashboard(self, ars):
        """The district's current warnings (a list of dashboard items)."""
        data = self._get(f"/dashboard/{ars}.json")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise NinaError(_("NINA returned an unexpected list of warnings."))
        return data

    def warning(self, identifier):
        """The CAP-shaped detail of one warning."""
        data = self._get(f"/warnings/{identifier}.json")
        if not isinstance(data, dict) or not isinstance(data.get("info"), list):
            raise NinaError(_("NINA returned an unexpected warning."))
        return data

    def _get(self, path):
        deadline = time.monotonic() + settings.NINA_TOTAL_TIMEOUT
        url = self.base_url + path
        for _redirect in range(MAX_REDIRECTS + 1):
            response = self._open(url, deadline)
            with response:
                if not response.is_redirect:
                    return _parse(_read(response, deadline))
                url = urljoin(url, response.headers.get("Location", ""))
            if urlsplit(url).netloc != urlsplit(self.base_url).netloc:
                raise NinaError(_("NINA redirects to another address; it is not followed."))
        raise NinaError(_("NINA redirects too often."))

    def _open(self, url, deadline):
        read_timeout = min(settings.NINA_READ_TIMEOUT, _left(deadline))
        try:
            response = self.http.get(
                url,
                timeout=(settings.NINA_CONNECT_TIMEOUT, read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise NinaError(_("NINA does not answer in time.")) from exc
        except requests.RequestException as exc:
            raise NinaError(_("NINA cannot be reached.")) from exc
        if response.status_code != 200 and not response.is_redirect:
            response.close()
            raise NinaError(
                _("NINA answers with error %(status)d.") % {"status": response.status_code}
            )
        return response


def _left(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise NinaError(_("NINA does not answer in time."))
    return left


def _read(response, deadline):
    """The body, read in pieces within the deadline and the size cap."""
    limit = settings.NINA_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise NinaError(_("NINA's answer is too large; it was not read."))
    body = bytearray()
    try:
        while True:
            _left(deadline)
            piece = response.raw.read1(_CHUNK, decode_content=True)
            if not piece:
                return bytes(body)
            body += piece
            if len(body) > limit:
                raise NinaError(_("NINA's answer is too large; it was not read."))
    except ReadTimeoutError as exc:
        raise NinaError(_("NINA does not answer in time.")) from exc
    except (Urllib3Error, requests.RequestException, OSError) as exc:
        raise NinaError(_("NINA cannot be reached.")) from exc


def _parse(body):
    """JSON, or a ``NinaError``: a deeply nested answer is unreadable data, not a crash."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise NinaError(_("NINA returned unreadable data.")) from exc
