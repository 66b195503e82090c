"""When Meta retires the Graph API version we call, and the system check that says so.

Meta supports each Graph API version for about two years and then answers calls to it
with errors. The dates below are Meta's own ("available until", Graph API changelog,
developers.facebook.com/docs/graph-api/changelog, as read in the research notes
``whatsapp-cloud-api.md`` sections 1.1 and 12, November 2026). Add a row when Meta
publishes a new version. A version newer than the table is not checked (a simulator's,
or one Meta published since); one older than its oldest row was retired before it and is
refused like it.

The check warns ``WARN_DAYS`` before the date, so that there is a quarter to test a newer
version, and is an error from the date on: the service would stop sending.
"""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils import timezone

RETIRES = {
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
}
WARN_DAYS = 90


def _major(version):
    return int(version[1:].split(".")[0])


OLDEST = min(RETIRES, key=_major)


def retirement(version):
    """The retirement date of ``version`` ("v23.0", "v23" or "23.0"), or None when newer
    than the table (or not a version); older than the table: the oldest row's date."""
    match = re.fullmatch(r"v?(\d+)(?:\.0)?", (version or "").strip())
    if not match:
        return None
    if int(match.group(1)) < _major(OLDEST):
        return RETIRES[OLDEST]
    return RETIRES.get(f"v{match.group(1)}.0")


def version_messages(version, today):
    retires = retirement(version)
    if retires is None:
        return []
    if today >= retires:
        return [
            Error(
                f"WHATSAPP_API_VERSION {version} was retired by Meta "
                f"(on {retires:%Y-%m-%d} or before).",
                hint="Set WHATSAPP_API_VERSION to a supported version (see whatsapp/versions.py).",
                id="whatsapp.E003",
            )
        ]
    if today >= retires - timedelta(days=WARN_DAYS):
        return [
            Warning(
                f"WHATSAPP_API_VERSION {version} will be retired by Meta on {retires:%Y-%m-%d}.",
                hint="Test and switch to a newer version before then (see whatsapp/versions.py).",
                id="whatsapp.W001",
            )
        ]
    return []


@register()
def api_version_supported(app_configs, **kwargs):
    return version_messages(settings.WHATSAPP_API_VERSION, timezone.localdate())
