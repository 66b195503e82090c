"""Classify Cloud API errors into the ``exceptions`` hierarchy, and explain them to staff.

Meta says to decide on ``code`` (and ``details``), not on HTTP status, subcodes or titles,
so the mapping below is by code. HTTP status only matters when there is no code at all
(a proxy's 502, a timeout). Codes we do not know are treated as transient but marked
``unknown``: the caller retries them at most ``MAX_UNKNOWN_RETRIES`` times, because an
unknown permanent error retried forever would block a broadcast.
"""

import logging

from django.utils.translation import gettext_lazy as _

from .exceptions import (
    AccountError,
    PairRateLimitError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)

logger = logging.getLogger(__name__)

MAX_UNKNOWN_RETRIES = 3

TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 131000, 131016, 131057})
ACCOUNT_CODES = frozenset(
    {190, 368, 131005, 131031, 131037, 131042, 131045, 131048, 131063, 131064, 133010}
    | set(range(200, 300))
)
RECIPIENT_CODES = frozenset(
    {130403, 130472, 130497, 131021, 131026, 131047, 131049, 131050, 131062}
)
REQUEST_CODES = frozenset(
    {
        100,
        131008,
        131009,
        131051,
        131053,
        132000,
        132001,
        132005,
        132007,
        132012,
        132015,
        132016,
        135000,
    }
)
THROUGHPUT_CODE = 130429
PAIR_RATE_LIMIT_CODE = 131056

# Suggested seconds until a retry may succeed. 130429: the per-number bucket refills within
# a second or two. 131056: one message per 6 s per recipient. 131057: maintenance "≤1 min".
# 80007: the management-endpoint budget is per hour.
RETRY_AFTER = {
    1: 30,
    2: 30,
    4: 60,
    80007: 600,
    130429: 2,
    131000: 10,
    131016: 30,
    131056: 6,
    131057: 60,
}
DEFAULT_RETRY_AFTER = 10  # network errors, timeouts, 5xx without a code
UNKNOWN_RETRY_AFTER = 60

EXPLANATIONS = {
    None: _(
        "Keine Antwort von WhatsApp (Netzwerkfehler, Zeitüberschreitung oder Serverfehler). "
        "Die Nachricht wird später erneut versucht."
    ),
    1: _("Ungültige Anfrage oder möglicher Serverfehler bei WhatsApp. Wird begrenzt wiederholt."),
    2: _("WhatsApp ist vorübergehend nicht erreichbar oder überlastet. Wird später wiederholt."),
    4: _("Die App hat ihr Limit für API-Aufrufe erreicht. Wird später wiederholt."),
    100: _(
        "Ungültiger oder falsch geschriebener Parameter bzw. zu langer Text. "
        "Die Nachricht muss korrigiert werden."
    ),
    190: _(
        "Das Zugriffstoken (WHATSAPP_ACCESS_TOKEN) ist abgelaufen oder ungültig. "
        "Bitte ein neues System-User-Token hinterlegen."
    ),
    200: _(
        "Es fehlt eine Berechtigung für das WhatsApp-Konto oder die Telefonnummer. "
        "Bitte die Berechtigungen des Tokens prüfen."
    ),
    368: _(
        "Das WhatsApp-Business-Konto wurde wegen eines Richtlinienverstoßes eingeschränkt. "
        "Alle Versände sind gestoppt; bitte im Meta Business Manager prüfen."
    ),
    80007: _("Das WhatsApp-Business-Konto hat sein Anfragelimit erreicht. Wird später wiederholt."),
    130403: _(
        "Diese Person wurde von der Gemeinde auf WhatsApp blockiert. "
        "Erst nach dem Aufheben der Blockierung ist ein Versand möglich."
    ),
    130429: _(
        "Das Versandlimit pro Sekunde wurde erreicht. Der Versand wird verlangsamt und "
        "automatisch fortgesetzt."
    ),
    130472: _(
        "Die Nummer nimmt an einem Experiment von Meta teil; die Nachricht wurde nicht gesendet."
    ),
    130497: _("Das Konto darf Personen in diesem Land keine Nachrichten senden."),
    131000: _("Unbekannter Fehler bei WhatsApp. Wird einige Male wiederholt."),
    131005: _(
        "Eine Berechtigung wurde nicht erteilt oder entzogen. Bitte die App-Berechtigungen prüfen."
    ),
    131008: _("Ein Pflichtparameter fehlt. Die Nachricht muss korrigiert werden."),
    131009: _("Ein Parameterwert ist ungültig. Die Nachricht muss korrigiert werden."),
    131016: _("Der WhatsApp-Dienst ist vorübergehend nicht verfügbar. Wird später wiederholt."),
    131021: _("Absender und Empfänger sind dieselbe Nummer."),
    131026: _(
        "Die Nachricht ist nicht zustellbar: keine WhatsApp-Nummer, Nutzungsbedingungen nicht "
        "akzeptiert oder veraltete App-Version. Bitte über einen anderen Weg Kontakt aufnehmen."
    ),
    131031: _(
        "Das WhatsApp-Business-Konto ist gesperrt (Richtlinienverstoß oder falsche "
        "Zwei-Schritt-PIN). Alle Versände sind gestoppt."
    ),
    131037: _(
        "Für die Telefonnummer ist noch kein genehmigter Anzeigename hinterlegt. "
        "Bitte im Meta Business Manager einrichten."
    ),
    131042: _(
        "Problem mit der Zahlungsmethode des WhatsApp-Kontos. Versände ruhen, bis die "
        "Abrechnung im Meta Business Manager geklärt ist."
    ),
    131045: _("Die Telefonnummer ist nicht korrekt registriert. Bitte die Registrierung prüfen."),
    131047: _(
        "Mehr als 24 Stunden seit der letzten Nachricht dieser Person: Freitext ist nicht "
        "erlaubt, es muss eine genehmigte Vorlage verwendet werden."
    ),
    131048: _(
        "Versand wegen Spam-Beschränkung eingeschränkt (zu viele Blockierungen oder Meldungen). "
        "Versand pausieren, Qualität prüfen und später fortsetzen."
    ),
    131049: _(
        "Meta hat die Nachricht zum Schutz der Nutzer nicht zugestellt (Limit für "
        "Werbenachrichten). Frühestens nach 24 Stunden erneut versuchen."
    ),
    131050: _("Die Person hat Werbenachrichten der Gemeinde in WhatsApp abbestellt."),
    131051: _("Dieser Nachrichtentyp wird nicht unterstützt."),
    131052: _("Die von der Person gesendete Datei konnte nicht heruntergeladen werden."),
    131053: _(
        "Die Mediendatei konnte nicht hochgeladen werden (z. B. falscher Dateityp). "
        "Bitte Datei prüfen."
    ),
    131056: _(
        "Zu viele Nachrichten in kurzer Zeit an dieselbe Person. Wird für diese Person "
        "später wiederholt."
    ),
    131057: _(
        "Das Konto befindet sich kurz im Wartungsmodus. Wird in etwa einer Minute wiederholt."
    ),
    131060: _("Dieser Nachrichtentyp wird nicht unterstützt."),
    131062: _(
        "Diese Nachricht kann nicht an eine WhatsApp-Nutzer-ID (BSUID) gesendet werden; "
        "eine Telefonnummer ist nötig."
    ),
    131063: _("Werbevorlagen sind für dieses WhatsApp-Konto deaktiviert."),
    131064: _(
        "Das Versandlimit wurde wegen falsch eingestufter Vorlagen gesenkt. Versände ruhen, "
        "bis die Beschränkung aufgehoben ist."
    ),
    132000: _(
        "Die Anzahl der Vorlagen-Parameter stimmt nicht mit der genehmigten Vorlage überein."
    ),
    132001: _("Die Vorlage existiert in dieser Sprache nicht oder ist noch nicht genehmigt."),
    132005: _("Der Text der Vorlage ist mit den eingesetzten Werten zu lang."),
    132007: _("Der Inhalt der Vorlage verstößt gegen die Richtlinien von WhatsApp."),
    132012: _("Ein Vorlagen-Parameter hat das falsche Format."),
    132015: _(
        "Die Vorlage wurde wegen geringer Qualität pausiert. Versand erst nach "
        "Reaktivierung möglich."
    ),
    132016: _("Die Vorlage wurde dauerhaft deaktiviert. Bitte eine neue Vorlage anlegen."),
    133010: _(
        "Die Telefonnummer ist nicht auf der WhatsApp-Plattform registriert. Bitte registrieren."
    ),
    135000: _("Unbekannter Fehler in den Anfrageparametern. Die Nachricht muss geprüft werden."),
}


def explain(code):
    """German explanation of ``code`` for staff, in the active language."""
    if code is not None and 200 <= code < 300:
        code = 200
    text = EXPLANATIONS.get(code)
    if text is None:
        return str(_("Unbekannter WhatsApp-Fehler (Code %(code)s).") % {"code": code})
    return str(text)


def _error_class(code, http_status):
    if code is None:
        if http_status == 429:
            return ThroughputError
        return TransientError
    if code == THROUGHPUT_CODE:
        return ThroughputError
    if code == PAIR_RATE_LIMIT_CODE:
        return PairRateLimitError
    if code in TRANSIENT_CODES:
        return TransientError
    if code in ACCOUNT_CODES:
        return AccountError
    if code in RECIPIENT_CODES:
        return RecipientError
    if code in REQUEST_CODES:
        return RequestError
    return None


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def classify(error_obj, http_status):
    """Turn Meta's ``error`` object (or ``None``) and the HTTP status into an exception.

    ``error_obj`` is the inner object of ``{"error": {...}}`` or one entry of a webhook
    ``errors`` array. The exception is returned, not raised.
    """
    error_obj = error_obj if isinstance(error_obj, dict) else {}
    code = _as_int(error_obj.get("code"))
    error_data = error_obj.get("error_data")
    details = error_data.get("details", "") if isinstance(error_data, dict) else ""
    cls = _error_class(code, http_status)
    unknown = cls is None
    if unknown:
        cls = TransientError
        retry_after = UNKNOWN_RETRY_AFTER
        logger.warning("unknown WhatsApp error code %s (HTTP %s)", code, http_status)
    else:
        retry_after = RETRY_AFTER.get(code, DEFAULT_RETRY_AFTER)
    if code is None and http_status is not None and 400 <= http_status < 500 and http_status != 429:
        # A 4xx without Meta's error object: a wrong URL or a proxy; bounded like unknowns.
        unknown = True
    if not issubclass(cls, TransientError):
        retry_after = None
    message = str(error_obj.get("message") or error_obj.get("title") or "")
    error = cls(
        message or f"WhatsApp error {code} (HTTP {http_status})",
        code=code,
        details=str(details or ""),
        explanation=explain(code),
        http_status=http_status,
        retry_after=retry_after,
        fbtrace_id=str(error_obj.get("fbtrace_id") or ""),
    )
    error.unknown = unknown
    return error


def network_error(exc):
    """A ``TransientError`` for a failure without any answer from Meta (connect, timeout)."""
    error = TransientError(
        f"network error: {type(exc).__name__}",
        explanation=explain(None),
        retry_after=DEFAULT_RETRY_AFTER,
    )
    error.unknown = False
    return error
