"""The deletion concept (Löschkonzept, after DIN 66398): each store, its rule, the last run."""

from django.conf import settings
from django.utils import timezone

from .. import runs
from ..stores import STORES
from . import common
from .blocks import Code, Document, Open, Section, bullets, paragraph, table


def _schedule(store):
    entry = settings.CELERY_BEAT_SCHEDULE.get(f"privacy.purge.{store.key}")
    if entry is None:
        return Open("kein Eintrag im Zeitplan")
    hours = entry["schedule"] / 3600
    return {1: "stündlich", 24: "täglich"}.get(hours, f"alle {hours:g} Stunden")


def _last_run(store, last):
    if not store.purge:
        return "—"
    run = last.get(store.key)
    if run is None:
        return (Open("noch kein Löschlauf"),)
    when = f"{timezone.localtime(run.started_at):%d.%m.%Y %H:%M} Uhr"
    if run.error:
        return (Open(f"{when}: fehlgeschlagen ({run.error})"),)
    return f"{when}: {run.removed} gelöscht"


def _purge(store):
    if store.purge:
        return (Code(store.purge), ", ", _schedule(store))
    return ("bei Eintritt des Ereignisses: ", Code(store.deleted_by))


def build() -> Document:
    last = runs.last_runs()
    return Document(
        "Löschkonzept",
        common.subtitle(),
        [
            Section(
                "1. Grundsätze",
                [
                    paragraph(
                        "Jeder Datenbestand mit personenbezogenen Daten hat eine Löschregel, "
                        "einen Auslöser und eine Löschroutine. Die Tabelle unten wird aus der "
                        "Liste der Datenbestände im Programm (",
                        Code("privacy/stores.py"),
                        ") und den eingestellten Werten erzeugt; ein Test verhindert, dass eine "
                        "neue Tabelle mit personenbezogenen Daten darin fehlt.",
                    ),
                    bullets(
                        "Die Löschläufe starten automatisch (Celery beat) und löschen in "
                        "begrenzten Portionen; jeder Lauf wird mit Datum und Anzahl festgehalten.",
                        "Von den Zustellungen je Empfänger bleiben nach Ablauf der Frist nur "
                        "Summen je Nachricht (je Status, je Fehlerursache) ohne Kennziffer.",
                        (
                            "Nach dem Löschen von Einträgen des Einwilligungsprotokolls hält ein "
                            "Prüfpunkt die Hash-Kette prüfbar (",
                            Code("subscribers/chain.py"),
                            ").",
                        ),
                    ),
                ],
            ),
            Section(
                "2. Datenbestände, Regeln und letzter Löschlauf",
                [
                    table(
                        [
                            "Datenbestand",
                            "Daten",
                            "Regel",
                            "Auslöser",
                            "Einstellung",
                            "Löschung",
                            "Letzter Lauf",
                        ],
                        [
                            [
                                str(store.name),
                                str(store.holds),
                                store.rule_text(),
                                str(store.trigger),
                                common.setting(store.setting) if store.setting else "—",
                                _purge(store),
                                _last_run(store, last),
                            ]
                            for store in STORES
                        ],
                    )
                ],
            ),
            Section(
                "3. Was die Gemeinde selbst regelt",
                [
                    bullets(
                        "Sicherungskopien (Backups) enthalten gelöschte Daten noch bis zu ihrer "
                        "eigenen Löschung: ihre Aufbewahrung ist so kurz wie möglich zu wählen.",
                        (
                            "Bilder und PDFs gesendeter Nachrichten: ",
                            *common.setting("ANNOUNCEMENT_MEDIA_RETENTION_DAYS"),
                            " (0 = für das Archiv aufbewahren). ",
                            Open("Frist mit dem Archiv abstimmen"),
                        ),
                        "Benutzerkonten ausgeschiedener Beschäftigter im Verwaltungsbereich "
                        "löschen.",
                    )
                ],
            ),
        ],
    )
