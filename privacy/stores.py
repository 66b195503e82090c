"""Every store of personal data, what it holds, how long it is kept and what purges it.

The one table the retention purges (``tasks.purge_store``, one beat entry per store) and
the documents for the data-protection officer (``documents``) both read: the Löschkonzept
and the Art. 30 record list exactly these rows with the live setting values.

A model is recognised by name: every model Django has installed, ours and the libraries',
is either in a store here or in ``NO_PERSONAL_DATA`` with the reason
(``privacy/tests/test_stores.py`` fails on a model in neither, so a new table with
personal data cannot slip past the paper).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

RESIDENTS = "Einwohnerinnen und Einwohner, die den Dienst abonniert haben"
STAFF = "Beschäftigte der Verwaltung mit Zugang zum Verwaltungsbereich"


@dataclass(frozen=True)
class Store:
    key: str
    name: str
    models: tuple[str, ...]
    persons: str
    holds: str
    # The rule as the officer reads it; ``%(value)s`` is the setting's live value.
    rule: str
    trigger: str
    # ``setting`` holds the retention period (None: the rule is an event, e.g. "Stop");
    # ``zero_rule`` replaces ``rule`` while its value is 0.
    setting: str | None = None
    zero_rule: str = ""
    # A dotted ``purge(now) -> int`` (rows removed), run by beat; None: deleted by an event.
    purge: str | None = None
    # Where an event deletes instead (when ``purge`` is None).
    deleted_by: str = ""

    @property
    def value(self):
        return getattr(settings, self.setting) if self.setting else None

    def rule_text(self) -> str:
        """The rule with the live value filled in."""
        if self.setting and not self.value and self.zero_rule:
            return str(self.zero_rule)
        return str(self.rule) % {"value": self.value}

    def run_purge(self, now) -> int:
        return import_string(self.purge)(now)


STORES = [
    Store(
        key="subscribers",
        name="Abonnentinnen und Abonnenten",
        models=(
            "subscribers.Subscriber",
            "subscribers.SubscriberTopic",
            "subscribers.PendingTopicChoice",
        ),
        persons=RESIDENTS,
        holds=(
            "Kennziffer, Zeitpunkt der Einwilligung, Schlüssel-Hash der Telefonnummer und "
            "verschlüsselte Telefonnummer (bzw. WhatsApp-Nutzerkennung), Ländervorwahl, "
            "gewählte Sprache und Themen, Zahl unzustellbarer Nachrichten"
        ),
        rule="bis zur Abmeldung, dann sofort gelöscht",
        trigger="„Stop“, Sperre in WhatsApp (Fehler 131050), Löschung durch die Verwaltung",
        deleted_by="subscribers.services.erase",
    ),
    Store(
        key="deliveries",
        name="Zustellungen je Empfänger",
        models=("announcements.Delivery",),
        persons=RESIDENTS,
        holds=(
            "Kennziffer, Status, Zeitpunkte (gesendet, zugestellt, gelesen, fehlgeschlagen), "
            "Fehlercode, Schlüssel-Hash der WhatsApp-Nachrichtenkennung"
        ),
        rule=(
            "%(value)s Tage nach Ende des Versands; danach bleiben nur Summen je Nachricht "
            "(je Status, je Fehlerursache)"
        ),
        trigger="Ende des Versands der Nachricht",
        setting="DELIVERY_RETENTION_DAYS",
        purge="announcements.retention.purge_deliveries",
    ),
    Store(
        key="consent_log",
        name="Einwilligungsprotokoll",
        models=("subscribers.ConsentEvent",),
        persons=RESIDENTS,
        holds=(
            "An- und Abmeldungen mit Zeitpunkt, Kennziffer, Schlüssel-Hash der Nummer, "
            "Stichwort, Quelle, Schlüssel-Hash der Nachrichtenkennung; bei Löschung durch "
            "die Verwaltung der Benutzername; hash-verkettet"
        ),
        rule=(
            "%(value)s Tage nach der Abmeldung (Nachweis der Einwilligung, Verjährungsfrist); "
            "ein Prüfpunkt hält die Kette prüfbar"
        ),
        trigger="Abmeldung",
        setting="CONSENT_LOG_RETENTION_DAYS",
        purge="subscribers.retention.purge_consent_log",
    ),
    Store(
        key="bookkeeping",
        name="Verarbeitungsnachweise und Antwortbegrenzung",
        models=("subscribers.ProcessedMessage", "subscribers.SentReply", "subscribers.AutoReply"),
        persons=RESIDENTS,
        holds=(
            "Schlüssel-Hashes bearbeiteter Nachrichtenkennungen; Schlüssel-Hashes der "
            "Kennungen gesendeter automatischer Antworten mit Art, Ländervorwahl und "
            "Sendezeit (für die Abrechnung); Schlüssel-Hash der Nummer "
            "mit Zeitpunkt und Zahl der letzten automatischen Antworten"
        ),
        rule=(
            "Nachweise und gesendete Antworten 8 Tage (Meta wiederholt Webhooks 7 Tage); "
            "Antwortbegrenzung nach "
            "ihrem längsten Zeitraum (automatische Antwort %(value)s Stunden, "
            "Tageshöchstzahl 24 Stunden)"
        ),
        trigger="Eingang der Nachricht bzw. letzte Antwort",
        setting="AUTO_REPLY_INTERVAL_HOURS",
        purge="subscribers.retention.purge_bookkeeping",
    ),
    Store(
        key="webhook_events",
        name="Webhook-Ereignisse von WhatsApp",
        models=("whatsapp.WebhookEvent",),
        persons=RESIDENTS,
        holds=(
            "bis zur Verarbeitung das Ereignis, verschlüsselt, wenn es Personen nennt "
            "(Absender, Text, Empfänger einer gescheiterten Nachricht); "
            "danach nur Schlüssel-Hash, Art und Zeitpunkte"
        ),
        rule="Inhalt sofort nach der Verarbeitung; der Rest nach %(value)s Tagen",
        trigger="Eingang bei uns",
        setting="WHATSAPP_EVENT_RETENTION_DAYS",
        purge="whatsapp.inbox.purge",
    ),
    Store(
        key="unmatched_statuses",
        name="Nicht zugeordnete Zustellmeldungen",
        models=("announcements.UnmatchedStatus",),
        persons=RESIDENTS,
        holds="Schlüssel-Hash der Nachrichtenkennung, Status, Zeitpunkt, Fehlercode",
        rule="%(value)s Tage",
        trigger="Eingang bei uns",
        setting="UNMATCHED_STATUS_RETENTION_DAYS",
        purge="announcements.retention.purge_unmatched_statuses",
    ),
    Store(
        key="audit_log",
        name="Protokoll der Verwaltungsaktionen",
        models=("audit.AuditEntry", "admin.LogEntry"),
        persons=STAFF,
        holds=(
            "Benutzername, Aktion, Zeitpunkt, betroffenes Objekt (Nachricht, Kennziffer bei "
            "Löschungen, Export, Abfrage nach Nummer ohne die Nummer)"
        ),
        rule="%(value)s Tage",
        trigger="Zeitpunkt der Aktion",
        setting="AUDIT_LOG_RETENTION_DAYS",
        purge="audit.retention.purge_audit_log",
    ),
    Store(
        key="sessions",
        name="Anmeldesitzungen",
        models=("sessions.Session",),
        persons=STAFF,
        holds="Sitzungsschlüssel, Benutzerkennung, Ablaufzeit",
        rule="nach %(value)s Sekunden ohne Aktivität abgelaufen, dann gelöscht",
        trigger="letzte Aktivität",
        setting="SESSION_COOKIE_AGE",
        purge="privacy.purges.purge_sessions",
    ),
    Store(
        key="login_attempts",
        name="Anmeldeversuche (Sperre nach Fehlversuchen)",
        models=(
            "axes.AccessAttempt",
            "axes.AccessAttemptExpiration",
            "axes.AccessFailureLog",
            "axes.AccessLog",
        ),
        persons="Beschäftigte und alle, die eine Anmeldung versuchen",
        holds="Benutzername, IP-Adresse, Browserkennung, Zeitpunkt, Zahl der Fehlversuche",
        rule="%(value)s Tage",
        trigger="Zeitpunkt des Versuchs",
        setting="LOGIN_ATTEMPT_RETENTION_DAYS",
        purge="privacy.purges.purge_login_attempts",
    ),
    Store(
        key="announcement_media",
        name="Nachrichten und ihre Bilder und PDFs",
        models=("announcements.Announcement",),
        persons="auf Bildern gezeigte Personen; Beschäftigte als Verfasser und Freigebende",
        holds=(
            "Text der Nachricht, hochgeladene Datei, wer sie verfasst, freigegeben oder "
            "abgebrochen hat und wann"
        ),
        rule="Dateien %(value)s Tage nach Ende des Versands; Text und Ablauf bleiben",
        zero_rule="Dateien werden aufbewahrt (Archiv; Einstellung 0); Text und Ablauf bleiben",
        trigger="Ende des Versands der Nachricht",
        setting="ANNOUNCEMENT_MEDIA_RETENTION_DAYS",
        purge="announcements.retention.purge_media",
    ),
    Store(
        key="staff_accounts",
        name="Benutzerkonten der Beschäftigten",
        models=("auth.User", "otp_totp.TOTPDevice", "staff.EnrolmentCode"),
        persons=STAFF,
        holds=(
            "Name, Benutzername, E-Mail, Passwort-Hash, Geheimnis der Zwei-Faktor-App, "
            "Hash des Einrichtungscodes, letzte Anmeldung"
        ),
        rule="bis zum Ausscheiden; das Konto wird dann im Verwaltungsbereich gelöscht",
        trigger="Ausscheiden oder Wechsel der Aufgabe",
        deleted_by="django.contrib.auth (Verwaltungsbereich: Benutzer)",
    ),
]

BY_KEY = {store.key: store for store in STORES}

# Installed models without personal data, and why not.
NO_PERSONAL_DATA = {
    "announcements.MessageTemplate": "Vorlagen aus dem WhatsApp-Konto, ohne Personenbezug",
    "announcements.DeliveryAggregate": "Summen je Nachricht, ohne Kennziffer",
    "announcements.AnnouncementVersion": "Sprachfassungen einer Nachricht (Texte der Verwaltung)",
    "announcements.AnnouncementTopic": "Themen einer Nachricht",
    "subscribers.Topic": "Themen, die die Verwaltung anbietet",
    "pricing.Price": "Preistabelle von Meta je Land und Kategorie",
    "pricing.BilledCount": (
        "abgerechnete Nachrichten je Nachricht, Tag, Kategorie und Ländervorwahl"
    ),
    "pricing.BilledReplyCount": (
        "abgerechnete automatische Antworten je Tag, Art, Kategorie und Ländervorwahl"
    ),
    "whatsapp.AccountHealth": "Limits und Qualität der eigenen WhatsApp-Nummer",
    "subscribers.ReplyText": "Antworttexte der Verwaltung",
    "subscribers.ChainHead": "Nummer und Hash des letzten Protokolleintrags",
    "subscribers.SignedCheckpoint": "Signierte Prüfpunkte: Nummer, Hash und Signatur",
    "privacy.PurgeRun": "Datum und Anzahl je Löschlauf",
    "nina.ImportedWarning": "Amtliche Warnungen aus NINA (öffentlich), ohne Personenbezug",
    "nina.WarningMessage": "Zuordnung amtlicher Warnungen zu Nachrichten",
    "nina.ImportHealth": "Zustand des Warnungsimports (Fehlerzahl, seit wann)",
    "auth.Group": "Rollen (Redaktion, Freigabe, Prüfung)",
    "auth.Permission": "Berechtigungen",
    "contenttypes.ContentType": "Verzeichnis der Tabellen",
    "alerts.Alert": "Störungsmeldungen an die Verwaltung (was steht, warum), ohne Personenbezug",
}


def purged():
    """The stores a beat entry purges."""
    return [store for store in STORES if store.purge]
