"""A small ``requests`` client for the two NINA endpoints the importer needs.

Why not ``pynina`` (the library behind Home Assistant's NINA integration): it is built on
``asyncio`` and ``aiohttp``, so each Celery task would have to run an event loop around a
second HTTP stack, and its endpoints are module constants, so pointing it at the
simulator's stand-in (``NINA_API_BASE_URL``) would mean patching the library. It also
fetches and matches label data we do not use. Two GETs with timeouts, bounded retries and
strict shape checks are less code than that adapter.

Every failure (network, timeout, HTTP error, an answer that is not the documented JSON)
is a ``NinaError`` with a German explanation for the overview; nothing else escapes.
"""

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# Retried inside one poll, with backoff (0.5 s, 1 s): a hiccup should not count as an
# outage. Beyond that the next poll tries again (``health`` counts failed polls).
RETRY = Retry(
    total=2,
    backoff_factor=0.5,
    status_forcelist=(429, 500, 502, 503, 504),
    allowed_methods=("GET",),
    raise_on_status=False,
)


class NinaError(Exception):
    """NINA could not be read; ``str(error)`` is German and names no internals."""


def session():
    http = requests.Session()
    http.trust_env = False
    http.mount("https://", HTTPAdapter(max_retries=RETRY))
    http.mount("http://", HTTPAdapter(max_retries=RETRY))
    return http


class NinaClient:
    def __init__(self, base_url=None, http=None):
        self.base_url = (base_url or settings.NINA_API_BASE_URL).rstrip("/")
        self.http = http or session()
        self.timeout = (settings.NINA_CONNECT_TIMEOUT, settings.NINA_READ_TIMEOUT)

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
        try:
            response = self.http.get(self.base_url + path, timeout=self.timeout)
        except requests.Timeout as exc:
            raise NinaError(_("NINA does not answer in time.")) from exc
        except requests.RequestException as exc:
            raise NinaError(_("NINA cannot be reached.")) from exc
        if response.status_code != 200:
            raise NinaError(
                _("NINA answers with error %(status)d.") % {"status": response.status_code}
            )
        try:
            return response.json()
        except ValueError as exc:
            raise NinaError(_("NINA returned unreadable data.")) from exc
