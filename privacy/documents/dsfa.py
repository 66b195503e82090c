"""The threshold check for a data-protection impact assessment (Art. 35 GDPR).

The nine criteria of the Article 29 Working Party (WP 248, adopted by the EDPB) and the
items of the German supervisory authorities' list (DSK "Muss-Liste") that touch this
service, each answered from the configuration where the software can answer it; the rest
is marked open for the officer. Two or more criteria met: an assessment is usually due.
"""

from django.conf import settings

from subscribers.models import Subscriber

from . import common
from .blocks import Document, Open, Section, bullets, paragraph, table

YES, NO = "erfüllt", "nicht erfüllt"


def _criteria():
    subscribers = Subscriber.objects.count()
    return [
        [
            "1. Bewertung oder Einstufung (Scoring, Profiling)",
            "Keine Auswertung je Person; Zustell- und Lesestatus je Empfänger nur "
            f"{settings.DELIVERY_RETENTION_DAYS} Tage, danach nur Summen je Nachricht.",
            NO,
        ],
        [
            "2. Automatisierte Entscheidung mit Rechtswirkung",
            "Keine: der Dienst versendet nur Informationen.",
            NO,
        ],
        [
            "3. Systematische Überwachung",
            "Keine Beobachtung von Personen; was Einwohner senden (Texte, Bilder, "
            "Standorte), bleibt nur verschlüsselt bis zur Verarbeitung gespeichert.",
            NO,
        ],
        [
            "4. Besondere Kategorien oder höchstpersönliche Daten (Art. 9, 10)",
            "Die Software verarbeitet keine; die Inhalte der Nachrichten schreibt die Verwaltung.",
            (Open("durch Dienstanweisung ausschließen und bestätigen"),),
        ],
        [
            "5. Umfangreiche Verarbeitung",
            f"Derzeit {subscribers} Abonnenten ({common.municipality()}).",
            (Open("Einschätzung im Verhältnis zur Einwohnerzahl"),),
        ],
        [
            "6. Abgleich oder Zusammenführung von Datenbeständen",
            "Keine: kein Import, kein Adressbuch, keine Verknüpfung mit Melderegister.",
            NO,
        ],
        [
            "7. Schutzbedürftige Betroffene (z. B. Kinder)",
            "Jede Person mit WhatsApp kann sich anmelden; das Alter wird nicht erfragt.",
            (Open("Einschätzung, ob sich der Dienst an Kinder richtet"),),
        ],
        [
            "8. Innovative Technologie, Anbieter im Drittland",
            "WhatsApp-Plattform von Meta, Übermittlung in die USA (Data Privacy Framework).",
            YES,
        ],
        [
            "9. Hindert Betroffene an der Ausübung eines Rechts oder dem Zugang zu einer Leistung",
            f"Teilnahme freiwillig, „{settings.KEYWORDS_STOP[0]}“ jederzeit.",
            (
                Open(
                    "Die Informationen müssen auch ohne WhatsApp erreichbar sein (Website, Aushang)"
                ),
            ),
        ],
    ]


def build() -> Document:
    criteria = _criteria()
    met = sum(1 for *_, result in criteria if result == YES)
    open_points = sum(1 for *_, result in criteria if not isinstance(result, str))
    return Document(
        "Schwellwertprüfung: Ist eine Datenschutz-Folgenabschätzung nötig? (Art. 35 DSGVO)",
        common.subtitle(),
        [
            Section(
                "1. Kriterien (WP 248 / EDSA)",
                [table(["Kriterium", "Antwort aus der Konfiguration", "Ergebnis"], criteria)],
            ),
            Section(
                "2. Muss-Liste der Aufsichtsbehörden (DSK), betroffene Punkte",
                [
                    bullets(
                        "Standortdaten: werden nicht ausgewertet; ein gesendeter Standort bleibt "
                        "nur verschlüsselt bis zur Verarbeitung gespeichert.",
                        "Umfangreiche Verarbeitung von Kommunikationsdaten: nur Zustellstatus, "
                        f"{settings.DELIVERY_RETENTION_DAYS} Tage je Empfänger.",
                        "Einsatz eines Anbieters aus einem Drittland für die Kommunikation mit "
                        "Bürgern: siehe Kriterium 8.",
                    )
                ],
            ),
            Section(
                "3. Ergebnis",
                [
                    paragraph(
                        f"Erfüllt: {met} von 9 Kriterien; offen: {open_points}. Nach WP 248 ist "
                        "eine Folgenabschätzung in der Regel erforderlich, wenn zwei oder mehr "
                        "Kriterien erfüllt sind."
                    ),
                    paragraph(
                        Open(
                            "Entscheidung und Begründung durch die oder den Datenschutzbeauftragten"
                        ),
                        " (",
                        common.filled("PRIVACY_DPO_CONTACT"),
                        ")",
                    ),
                ],
            ),
        ],
    )
