"""NINA's answers read into plain values: dashboard items and CAP-shaped details.

Only the fields the importer uses are read; anything missing or of the wrong type makes
the item unusable (``None``), never an exception in the task: one broken warning must not
stop the others.
"""

import html
import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.html import strip_tags

PROVIDER_PREFIXES = {
    "mow": "MOWAS",
    "kat": "KATWARN",
    "biw": "BIWAPP",
    "dwd": "DWD",
    "lhp": "LHP",
    "pol": "POLICE",
}
SEVERITY_ORDER = {"Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}
MSG_TYPES = ("Alert", "Update", "Cancel")
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_DECODE_ROUNDS = 3


@dataclass(frozen=True)
class Summary:
    """One dashboard item: enough to skip a version already imported."""

    identifier: str
    version: int
    provider: str


@dataclass(frozen=True)
class Warning:
    """One warning's detail, as the importer and the draft text need it."""

    identifier: str
    version: int
    provider: str
    msg_type: str
    severity: str
    headline: str
    description: str
    instruction: str
    expires: datetime | None
    sender_name: str
    web: str
    areas: tuple[str, ...]  # areaDesc and warnVerwaltungsbereiche
    geocodes: tuple[str, ...]
    references: tuple[str, ...]  # identifiers this message updates or cancels

    @property
    def severity_rank(self):
        return SEVERITY_ORDER.get(self.severity, 0)


def provider_of(identifier):
    return PROVIDER_PREFIXES.get(identifier.split(".", 1)[0].lower(), "")


def summary(item):
    """A dashboard item as a ``Summary``, or ``None`` if it lacks the id or version."""
    payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
    identifier = item.get("id") or payload.get("id")
    version = payload.get("version")
    if not isinstance(identifier, str) or not identifier or isinstance(version, bool):
        return None
    try:
        version = int(version)
    except (TypeError, ValueError):
        return None
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    provider = str(data.get("provider") or provider_of(identifier)).upper()
    return Summary(identifier, version, provider)


def clean_text(value):
    """Entities decoded, then HTML removed (``<br/>`` becomes a space), whitespace collapsed.

    Decoding comes first: NINA escapes markup as often as it sends it (``&lt;b&gt;``),
    sometimes twice (``&amp;lt;b&amp;gt;``), and stripping before decoding would hand the
    decoded tags to residents. Decoding stops once nothing changes (a few rounds at most).
    """
    if not isinstance(value, str):
        return ""
    text = value
    for _round in range(_DECODE_ROUNDS):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = strip_tags(_BREAK.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


def _parameters(info):
    values = {}
    for parameter in info.get("parameter") or ():
        if isinstance(parameter, dict) and isinstance(parameter.get("valueName"), str):
            values[parameter["valueName"]] = str(parameter.get("value") or "")
    return values


def _expires(value):
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _references(value):
    """CAP ``references``: ``sender,identifier,sent`` triplets separated by spaces."""
    if not isinstance(value, str):
        return ()
    return tuple(part.split(",")[1] for part in value.split() if part.count(",") >= 2)


def warning(detail, version, provider=""):
    """A CAP detail as a ``Warning`` (German ``info`` preferred), or ``None``."""
    infos = [info for info in detail.get("info") or () if isinstance(info, dict)]
    info = next((i for i in infos if str(i.get("language", "")).startswith("de")), None)
    info = info or (infos[0] if infos else None)
    identifier = detail.get("identifier")
    if info is None or not isinstance(identifier, str) or not clean_text(info.get("headline")):
        return None
    msg_type = detail.get("msgType") if detail.get("msgType") in MSG_TYPES else "Alert"
    parameters = _parameters(info)
    areas, geocodes = [], []
    for area in info.get("area") or ():
        if not isinstance(area, dict):
            continue
        if isinstance(area.get("areaDesc"), str):
            areas.append(area["areaDesc"])
        for code in area.get("geocode") or ():
            if isinstance(code, dict) and code.get("value"):
                geocodes.append(str(code["value"]))
    if parameters.get("warnVerwaltungsbereiche"):
        areas.append(parameters["warnVerwaltungsbereiche"])
    return Warning(
        identifier=identifier,
        version=version,
        provider=(provider or provider_of(identifier)).upper(),
        msg_type=msg_type,
        severity=str(info.get("severity") or ""),
        headline=clean_text(info.get("headline")),
        description=clean_text(info.get("description")),
        instruction=clean_text(info.get("instruction") or parameters.get("instructionText")),
        expires=_expires(info.get("expires")),
        sender_name=clean_text(info.get("senderName") or parameters.get("sender_langname")),
        web=info.get("web") if isinstance(info.get("web"), str) else "",
        areas=tuple(areas),
        geocodes=tuple(geocodes),
        references=_references(detail.get("references")),
    )
