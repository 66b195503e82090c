"""Which warnings concern the municipality: provider, minimum severity and area.

The district dashboard holds every warning of the Kreis, so, as Home Assistant's NINA
integration does, a warning is kept only when one of its areas names the municipality
or the whole district, by code or by name:

- a geocode starting with one of ``NINA_GEOCODES`` (the municipality's 12-digit ARS, or
  its first 9 digits), or equal to the district's ARS (``NINA_ARS``): a district-wide
  warning covers the municipality;
- a DWD warn-cell id (``WARNCELLID``): DWD names no municipality, only cells. The cells
  are derived: ``8`` + the municipality's 8-digit AGS for each 12-digit ARS in
  ``NINA_GEOCODES`` (Titz, 053580056056: 805358056), and ``1`` + the district's AGS for
  district-wide weather (Kreis Düren: 105358000); more cells may be listed in
  ``NINA_GEOCODES`` directly (the README says where an operator finds them);
- a match of ``NINA_AREA_PATTERN`` (a regular expression, case-insensitive) in an
  ``areaDesc`` or the ``warnVerwaltungsbereiche`` parameter.

With neither ``NINA_GEOCODES`` nor a pattern set, the whole district's warnings are kept.
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


def _ags(ars):
    """The 8-digit municipality key (AGS) inside a 12-digit ARS: Land, Kreis, Gemeinde."""
    return ars[:5] + ars[9:] if len(ars) == 12 and ars.isdigit() else ""


def warn_cells():
    """DWD warn-cell ids that cover the municipality (module docstring)."""
    cells = {f"8{ags}" for ags in map(_ags, settings.NINA_GEOCODES) if ags}
    district = _ags(settings.NINA_ARS)
    if district:
        cells.add(f"1{district}")
    return cells


def concerns_us(warning):
    geocodes = [g for g in settings.NINA_GEOCODES if g]
    pattern = settings.NINA_AREA_PATTERN
    if not geocodes and not pattern:
        return True
    cells, district = warn_cells(), settings.NINA_ARS
    for code in warning.geocodes:
        if code in cells or (district and code == district):
            return True
        if any(code.startswith(prefix) for prefix in geocodes):
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
