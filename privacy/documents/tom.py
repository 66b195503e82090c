"""Technical and organisational measures (Art. 32 GDPR): what the software does, what the
operator must do, each with where it is enforced or configured and its live value."""

from django.conf import settings

from subscribers import signing

from . import common
from .blocks import Code, Document, Open, Section, paragraph, table


def _software():
    keys = len(settings.NUMBER_ENCRYPTION_KEYS)
    self_approval = (
        Open("Selbstfreigabe ist erlaubt (ALLOW_SELF_APPROVAL): nur für sehr kleine Ämter")
        if settings.ALLOW_SELF_APPROVAL
        else "Selbstfreigabe ausgeschlossen"
    )
    otp = (
        "für alle Beschäftigten"
        if settings.OTP_REQUIRED and not settings.OTP_REQUIRED_GROUPS
        else Open("nicht für alle Beschäftigten verlangt (OTP_REQUIRED, OTP_REQUIRED_GROUPS)")
    )
    https = (
        "Weiterleitung auf HTTPS, HSTS, sichere Cookies"
        if settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS
        else Open("HTTPS-Weiterleitung oder HSTS ist ausgeschaltet")
    )
    stop = settings.KEYWORDS_STOP[0]
    return [
        [
            "Verschlüsselung der Telefonnummern",
            f"Fernet (AES-128-CBC mit HMAC); {keys} Schlüssel eingetragen, der erste "
            "verschlüsselt, alle entschlüsseln: Schlüsselwechsel ohne Ausfall",
            (
                Code("subscribers/crypto.py"),
                ", ",
                Code("NUMBER_ENCRYPTION_KEYS"),
                ", ",
                Code("manage.py reencrypt_numbers"),
            ),
        ],
        [
            "Schlüssel-Hashes statt Nummern und Nachrichtenkennungen",
            "HMAC-SHA-256 der Nummer zum Wiederfinden; WhatsApp-Nachrichtenkennungen (enthalten "
            "die Nummer) werden beim Eingang durch einen Schlüssel-Hash ersetzt",
            (Code("NUMBER_HASH_KEY"), ", ", Code("whatsapp/ids.py")),
        ],
        [
            "Kennziffern statt Namen",
            "Die Verwaltung sieht Abonnenten nur als zufällige Kennziffer",
            (Code("subscribers/codes.py"),),
        ],
        [
            "Keine Nummern in Protokollen und Exporten",
            "Protokolle ohne Nummern und ohne Abfrageparameter; Exporte nur mit Kennziffern; "
            "ein Test sucht nach jeder Anmeldung, jedem Versand und jeder Abmeldung in "
            "Datenbank, Protokollen und Exporten nach der Nummer",
            (Code("titz_broadcast/logfilters.py"), ", ", Code("subscribers/tests/test_privacy.py")),
        ],
        [
            "Vier-Augen-Freigabe",
            ("Jede Nachricht gibt eine zweite Person frei; ", self_approval),
            (
                Code("announcements/services.py"),
                " (ACTIONS), ",
                *common.setting("ALLOW_SELF_APPROVAL"),
            ),
        ],
        [
            "Rollen",
            "Redaktion (schreiben), Freigabe (freigeben, senden), Prüfung (Protokolle, "
            "Auskunft bei Beschwerden); jede Rolle nur mit ihren Rechten",
            (
                common.admin_link("Gruppen", "admin:auth_group_changelist"),
                ", ",
                Code("staff/migrations/0001_staff_roles.py"),
            ),
        ],
        [
            "Zwei-Faktor-Anmeldung (Einmalcode aus einer App)",
            (otp,),
            (Code("staff/otp.py"), ", ", *common.setting("OTP_REQUIRED")),
        ],
        [
            "Sperre nach Fehlversuchen",
            f"nach {settings.AXES_FAILURE_LIMIT} Fehlversuchen je Benutzername und Adresse für "
            f"{settings.AXES_COOLOFF_TIME:g} Stunden gesperrt",
            (
                Code("AXES_FAILURE_LIMIT"),
                ", ",
                Code("AXES_COOLOFF_HOURS"),
                ", ",
                Code("staff/client_ip.py"),
            ),
        ],
        [
            "Abmeldung bei Inaktivität",
            f"Sitzungen enden nach {settings.SESSION_COOKIE_AGE // 60} Minuten ohne Aktivität",
            (Code("SESSION_IDLE_TIMEOUT_SECONDS"),),
        ],
        [
            "Protokoll der Verwaltungsaktionen",
            "Anmeldungen, Freigaben, Exporte, Löschungen und Abfragen nach Nummer werden "
            "unveränderlich protokolliert",
            (
                common.admin_link("Protokoll", "admin:audit_auditentry_changelist"),
                ", ",
                Code("audit/"),
            ),
        ],
        [
            "Hash-verkettetes, signiertes Einwilligungsprotokoll",
            "Jeder Eintrag enthält den Hash des vorigen; täglich, bei jedem Export und bei "
            "jedem Löschlauf signiert der Server den Stand (Ed25519, Schlüssel in Abschnitt 3). "
            "Änderungen, Lücken und neu berechnete Ketten fallen bei der Prüfung auf; die "
            "nächtliche Prüfung meldet sie",
            (
                common.admin_link(
                    "Einwilligungsprotokoll", "admin:subscribers_consentevent_changelist"
                ),
                ", ",
                Code("subscribers/chain.py"),
                ", ",
                Code("subscribers/checkpoints.py"),
                ", ",
                Code("CONSENT_SIGNING_KEY"),
                ", ",
                Code("manage.py verify_consent_log"),
            ),
        ],
        [
            "Rechte der Betroffenen",
            f"„{settings.KEYWORDS_ACCESS[0]}“ gibt Auskunft (Art. 15); „{stop}“ ist Löschung "
            "(Art. 17), Widerspruch (Art. 21) und Widerruf der Einwilligung und wirkt sofort",
            (Code("subscribers/access.py"), ", ", Code("subscribers/services.py")),
        ],
        [
            "Automatische Löschläufe",
            "Jeder Datenbestand hat eine Frist und einen Löschlauf; jeder Lauf wird festgehalten",
            (
                common.document_link("Löschkonzept", "loeschkonzept"),
                ", ",
                Code("privacy/stores.py"),
            ),
        ],
        [
            "Begrenzung automatischer Antworten",
            f"eine Antwort je Art alle {settings.REPLY_THROTTLE_MINUTES:g} Minuten, höchstens "
            f"{settings.REPLY_DAILY_CAP} am Tag je Nummer",
            (
                Code("subscribers/replies.py"),
                ", ",
                Code("REPLY_THROTTLE_MINUTES"),
                ", ",
                Code("REPLY_DAILY_CAP"),
            ),
        ],
        [
            "Signierte Webhooks",
            "Nur von Meta signierte Meldungen werden angenommen (HMAC-SHA-256 über den Inhalt)",
            (Code("whatsapp/signature.py"), ", ", Code("WHATSAPP_APP_SECRET")),
        ],
        [
            "Content-Security-Policy",
            "Seiten laden Skripte nur von der eigenen Adresse; kein eingeschleustes Skript läuft",
            (Code("CONTENT_SECURITY_POLICY"), " in ", Code("titz_broadcast/settings.py")),
        ],
        [
            "HTTPS",
            (https,),
            (*common.setting("SECURE_SSL_REDIRECT"), ", ", *common.setting("SECURE_HSTS_SECONDS")),
        ],
        [
            "Start nur mit eigenen Schlüsseln",
            "Ohne eigene Schlüssel oder mit den veröffentlichten Entwicklungswerten startet der "
            "Dienst nicht",
            (
                Code("titz_broadcast/startup.py"),
                ", ",
                Code("subscribers/checks.py"),
                ", ",
                Code("whatsapp/checks.py"),
            ),
        ],
    ]


OPERATOR = [
    [
        "Eigene WhatsApp-Nummer",
        "Eine Nummer nur für diesen Dienst, über die Cloud API betrieben; nicht zugleich in "
        "der WhatsApp- oder WhatsApp-Business-App auf einem Telefon angemeldet",
        (Code("WHATSAPP_PHONE_NUMBER_ID"),),
    ],
    [
        "Kein Adressbuch",
        "Kein Telefon mit Kontakten der Beschäftigten oder Bürger ist mit der Nummer "
        "verbunden; WhatsApp erhält so kein Adressbuch",
        ("Betrieb",),
    ],
    [
        "Meta-Konto absichern",
        "Zwei-Faktor-Anmeldung im Meta Business Manager; ein System-Benutzer-Token nur mit "
        "den Rechten für diese Nummer",
        (Code("WHATSAPP_ACCESS_TOKEN"),),
    ],
    [
        "Auftragsverarbeitung mit Meta",
        "Die WhatsApp Business Data Processing Terms im Namen der Gemeinde annehmen und ablegen",
        ("Meta Business Manager",),
    ],
    [
        "Speicherort bei Meta: Deutschland",
        "Beim Registrieren der Nummer die lokale Speicherung in Deutschland wählen "
        "(Region DE): Meta speichert die Nachrichten dann ruhend in Deutschland; zur "
        "Verarbeitung können sie bis zu 60 Minuten außerhalb liegen",
        (Code("data_localization_region"), " = ", Code("DE"), " (README: Meta-App anbinden)"),
    ],
    [
        "Sicherungskopien",
        "Regelmäßig, verschlüsselt, außerhalb des Servers; kurze Aufbewahrung, damit Gelöschtes "
        "nicht lange in Sicherungen bleibt; Rücksicherung üben",
        ("Volume ", Code("pgdata"), " (docker-compose.yml)"),
    ],
    [
        "Schlüssel getrennt aufbewahren",
        "Schlüssel nicht in der Datenbank und nicht in derselben Sicherung wie die Datenbank",
        (
            Code("NUMBER_HASH_KEY"),
            ", ",
            Code("NUMBER_ENCRYPTION_KEYS"),
            ", ",
            Code("CONSENT_SIGNING_KEY"),
            ", ",
            Code("SECRET_KEY"),
        ),
    ],
    [
        "TLS vor dem Dienst",
        "Ein Reverse Proxy mit gültigem Zertifikat vor gunicorn (gebunden an 127.0.0.1)",
        (Code("docker-compose.yml"), ", ", Code("TRUSTED_PROXY_COUNT")),
    ],
    [
        "Hosting",
        "Server in der EU; mit einem Dienstleister einen Auftragsverarbeitungsvertrag schließen",
        ("Betrieb",),
    ],
    [
        "Benutzerkonten pflegen",
        "Konten ausgeschiedener Beschäftigter löschen; jede Person ein eigenes Konto",
        (common.admin_link("Benutzer", "admin:auth_user_changelist"),),
    ],
    [
        "Aktualisierungen",
        "Sicherheitsupdates von Betriebssystem, Python-Paketen und Datenbank zeitnah einspielen",
        (Code("requirements.txt"),),
    ],
    [
        "Inhalte der Nachrichten",
        "Keine personenbezogenen Daten Dritter und keine besonderen Kategorien in Nachrichten; "
        "Bilder nur mit Einverständnis der gezeigten Personen",
        ("Dienstanweisung",),
    ],
]


def _signing_keys():
    """The public keys an auditor checks exports with, the current one first."""
    rows = []
    for key in signing.trusted_keys():
        since = key.since.strftime("%d.%m.%Y") if key.since else "Beginn"
        period = f"{since} bis {key.until:%d.%m.%Y}" if key.until else f"seit {since} (aktuell)"
        body = "".join(key.pem.strip().splitlines()[1:-1])
        rows.append([key.id, period, (Code(body),)])
    return [
        paragraph(
            "Mit diesen öffentlichen Schlüsseln (Ed25519) prüft jeder die Signaturen eines "
            "Exports, ohne diese Software: den Text zwischen den Zeilen "
            "„-----BEGIN PUBLIC KEY-----“ und „-----END PUBLIC KEY-----“ in eine Datei "
            "schreiben und wie in docs/consent-log-signatures.md beschrieben mit openssl "
            "prüfen. Frühere Schlüssel gelten nur für ihren Zeitraum."
        ),
        table(["Schlüssel", "Zeitraum", "Öffentlicher Schlüssel (Base64)"], rows),
    ]


def build() -> Document:
    header = ["Maßnahme", "Umsetzung", "Wo durchgesetzt / eingestellt"]
    return Document(
        "Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
        common.subtitle(),
        [
            Section(
                "1. Was die Software durchsetzt",
                [
                    paragraph(
                        "Die Werte sind die der laufenden Installation. Offene Punkte "
                        "entstehen, wenn eine Einstellung eine Maßnahme abschwächt."
                    ),
                    table(header, _software()),
                ],
            ),
            Section(
                "2. Was der Betreiber tun muss",
                [table(["Maßnahme", "Was zu tun ist", "Wo"], OPERATOR)],
            ),
            Section("3. Schlüssel des Einwilligungsprotokolls", _signing_keys()),
        ],
    )
