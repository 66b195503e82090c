"""The record of processing activities (Art. 30 (1) GDPR), from the settings and the store table."""

from django.conf import settings

from ..stores import STORES
from . import common
from .blocks import Code, Document, Open, Section, bullets, paragraph, table


def build() -> Document:
    stop, access = settings.KEYWORDS_STOP[0], settings.KEYWORDS_ACCESS[0]
    persons = sorted({str(store.persons) for store in STORES})
    return Document(
        "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)",
        common.subtitle(),
        [
            Section(
                "1. Verantwortlicher und Datenschutzbeauftragte",
                [
                    table(
                        ["Angabe", "Eintrag"],
                        [
                            ["Verantwortlicher", (common.filled("PRIVACY_CONTROLLER"),)],
                            ["Gemeinde", (common.filled("MUNICIPALITY_NAME"),)],
                            ["Datenschutzbeauftragte(r)", (common.filled("PRIVACY_DPO_CONTACT"),)],
                            [
                                "Zuständige Aufsichtsbehörde",
                                (common.filled("PRIVACY_SUPERVISORY_AUTHORITY"),),
                            ],
                        ],
                    )
                ],
            ),
            Section(
                "2. Bezeichnung und Zwecke der Verarbeitung",
                [
                    paragraph(
                        "WhatsApp-Informationsdienst: Einwohnerinnen und Einwohner, die es "
                        "selbst wünschen, erhalten Meldungen, Ankündigungen und Warnungen der "
                        "Gemeinde über WhatsApp."
                    ),
                    bullets(
                        "Versand der Nachrichten an die angemeldeten Nummern und Nachweis der "
                        "Zustellung (Rechtsgrundlage: Einwilligung, Art. 6 Abs. 1 lit. a DSGVO, "
                        "erteilt durch das Stichwort „Start“)",
                        "Nachweis der Einwilligung und ihres Widerrufs (Art. 7 Abs. 1 DSGVO): "
                        "hash-verkettetes Einwilligungsprotokoll",
                        "Schutz des Dienstes: Begrenzung automatischer Antworten, Sperre nach "
                        "Fehlanmeldungen, Protokoll der Verwaltungsaktionen",
                        (
                            "Rechtsgrundlage für die Daten der Beschäftigten: ",
                            Open("vom Verantwortlichen einzutragen (Dienstrecht, Landesrecht)"),
                        ),
                    ),
                ],
            ),
            Section(
                "3. Kategorien betroffener Personen",
                [bullets(*persons)],
            ),
            Section(
                "4. Kategorien personenbezogener Daten",
                [
                    table(
                        ["Datenbestand", "Daten", "Betroffene"],
                        [[str(s.name), str(s.holds), str(s.persons)] for s in STORES],
                    ),
                    paragraph(
                        "Telefonnummern werden nirgends im Klartext gespeichert, protokolliert "
                        "oder exportiert; die Verwaltung sieht nur Kennziffern. Besondere "
                        "Kategorien (Art. 9 DSGVO) werden nicht verarbeitet."
                    ),
                ],
            ),
            Section(
                "5. Empfänger",
                [
                    paragraph(
                        "Meta Platforms Ireland Ltd., Merrion Road, Dublin 4, Irland, als "
                        "Auftragsverarbeiter (WhatsApp Business Cloud API): erhält die Nummer, "
                        "den Text jeder Nachricht und meldet ihre Zustellung. Schnittstelle: ",
                        *common.setting("WHATSAPP_API_BASE_URL"),
                        ".",
                    ),
                    paragraph(
                        "Andere Empfänger gibt es nicht. Die Software gibt keine Daten an "
                        "Dritte weiter; Exporte enthalten nur Kennziffern."
                    ),
                    paragraph(
                        "Betrieb auf eigenen Servern oder bei einem Dienstleister: ",
                        Open("ein Hosting-Dienstleister ist als Auftragsverarbeiter zu ergänzen"),
                    ),
                ],
            ),
            Section(
                "6. Übermittlung in ein Drittland",
                [
                    paragraph(
                        "Meta verarbeitet WhatsApp-Daten auch in den USA (Meta Platforms, Inc. "
                        "als Unterauftragsverarbeiter). Grundlage: Angemessenheitsbeschluss der "
                        "EU-Kommission zum EU-US Data Privacy Framework vom 10.07.2023 "
                        "(Art. 45 DSGVO), hilfsweise die Standardvertragsklauseln der WhatsApp "
                        "Business Data Processing Terms (Art. 46 Abs. 2 lit. c DSGVO)."
                    ),
                    paragraph(
                        Open(
                            "Zertifizierung von Meta in der DPF-Liste und Abschluss der "
                            "Auftragsverarbeitungsbedingungen durch den Verantwortlichen prüfen"
                        )
                    ),
                ],
            ),
            Section(
                "7. Löschfristen",
                [
                    table(
                        ["Datenbestand", "Frist", "Einstellung"],
                        [
                            [
                                str(s.name),
                                s.rule_text(),
                                common.setting(s.setting) if s.setting else "—",
                            ]
                            for s in STORES
                        ],
                    ),
                    paragraph(
                        "Einzelheiten und der letzte Löschlauf je Bestand: ",
                        common.document_link("Löschkonzept", "loeschkonzept"),
                        ".",
                    ),
                ],
            ),
            Section(
                "8. Technische und organisatorische Maßnahmen (Art. 32 DSGVO), Überblick",
                [
                    bullets(
                        "Telefonnummern verschlüsselt (mit Schlüsselwechsel) und nur als "
                        "Schlüssel-Hash auffindbar; Kennziffern statt Namen",
                        "keine Nummern in Protokollen, Exporten oder der Verwaltungsoberfläche",
                        "Vier-Augen-Freigabe jeder Nachricht, Rollen, Zwei-Faktor-Anmeldung, "
                        "Sperre nach Fehlversuchen, Protokoll der Verwaltungsaktionen",
                        "hash-verkettetes Einwilligungsprotokoll, automatische Löschläufe",
                        "Content-Security-Policy, HTTPS mit HSTS, signierte Webhooks",
                        ("Vollständig: ", common.document_link("TOM", "tom")),
                    )
                ],
            ),
            Section(
                "9. Rechte der Betroffenen über WhatsApp",
                [
                    bullets(
                        (
                            "Auskunft (Art. 15 DSGVO): das Stichwort „",
                            access,
                            "“ beantwortet, was über die Nummer gespeichert ist (",
                            Code("subscribers/access.py"),
                            ")",
                        ),
                        (
                            f"Löschung (Art. 17), Widerspruch (Art. 21) und Widerruf der "
                            f"Einwilligung (Art. 7 Abs. 3): das Stichwort „{stop}“ meldet ab und "
                            "löscht die Nummer sofort (",
                            Code("subscribers/services.py"),
                            ")",
                        ),
                        "Beschwerden: die Prüfung kann im Verwaltungsbereich nach einer Nummer "
                        "suchen, ohne dass die Nummer gespeichert wird",
                    )
                ],
            ),
        ],
    )
