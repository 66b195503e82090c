"""Which warnings concern the municipality: provider, minimum severity and area.

The district dashboard holds every warning of the Kreis, so, as Home Assistant's NINA
integration does, a warning is kept only when one of its areas names the municipality:
a geocode starting with one of ``NINA_GEOCODES`` (the municipality's 12-digit ARS, or its
first 9 digits), or a match of ``NINA_AREA_PATTERN`` (a regular expression,
case-insensitive) in an ``areaDesc`` or the ``warnVerwaltungsbereiche`` parameter. With
neither set, the whole district's warnings are kept.
"""

import re

from django.conf import settings
from django.utils import timezone

from .cap import SEVERITY_ORDER


def wanted_provider(provider):
    return provider in {p.upper() for p in settings.NINA_PROVIDERS}


def severe_enough(warning):
    """A Cancel always passes: the all-clear for something we warned about."""
    if warning.msg_type == "Cancel":
        return True
    return warning.severity_rank >= SEVERITY_ORDER.get(settings.NINA_MIN_SEVERITY, 0)


def concerns_us(warning):
    geocodes = [g for g in settings.NINA_GEOCODES if g]
    pattern = settings.NINA_AREA_PATTERN
    if not geocodes and not pattern:
        return True
    if any(code.startswith(prefix) for code in warning.geocodes for prefix in geocodes):
        return True
    if pattern:
        compiled = re.compile(pattern, re.IGNORECASE)
        return any(compiled.search(area) for area in warning.areas)
    return False


def still_valid(warning):
    """Expired before we saw it: nothing to tell anyone (a Cancel still counts)."""
    if warning.msg_type == "Cancel" or warning.expires is None:
        return True
    return warning.expires > timezone.now()


def keep(warning):
    return (
        wanted_provider(warning.provider)
        and severe_enough(warning)
        and concerns_us(warning)
        and still_valid(warning)
    )
