"""The audit log's actions in words: "Nachricht freigegeben", not ``announcement.approve``.

Code records short, stable codes (they are searched and counted, e.g. the look-up limit);
this is the one table that says what each means to the people who read the log.
``audit/tests/test_action_labels.py`` fails when code records an action missing here.
"""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "login": _("Angemeldet"),
    "logout": _("Abgemeldet"),
    "login_failed": _("Anmeldung fehlgeschlagen"),
    "otp.enrol": _("Zwei-Faktor-Anmeldung eingerichtet"),
    "otp.verify": _("Zwei-Faktor-Code bestätigt"),
    "otp.failed": _("Falscher Zwei-Faktor-Code"),
    "announcement.create": _("Nachricht angelegt"),
    "announcement.edit": _("Nachricht geändert"),
    "announcement.edit_refused": _("Änderung abgelehnt (Nachricht nicht mehr bearbeitbar)"),
    "announcement.export": _("Statistik einer Nachricht exportiert"),
    "announcement.test_send": _("Testsendung verschickt"),
    "announcement.submit": _("Zur Freigabe eingereicht"),
    "announcement.approve": _("Nachricht freigegeben"),
    "announcement.approve_refused": _("Freigabe abgelehnt (Vier-Augen-Prinzip)"),
    "announcement.schedule": _("Sendezeitpunkt gesetzt"),
    "announcement.send_now": _("Sofort senden ausgelöst"),
    "announcement.pause": _("Versand angehalten"),
    "announcement.resume": _("Versand fortgesetzt"),
    "announcement.stop": _("Versand beendet"),
    "announcement.cancel": _("Nachricht verworfen"),
    "announcement.return_to_draft": _("Zurück in den Entwurf"),
    "announcement.start": _("Versand gestartet"),
    "announcement.finish": _("Versand abgeschlossen"),
    "announcement.late_failure": _("Nachträglich fehlgeschlagene Zustellungen"),
    "announcement.expire": _("Nachricht abgelaufen (gültig bis erreicht)"),
    "announcement.import_submit": _("Amtliche Warnung zur Freigabe eingereicht"),
    "announcement.import_update": _("Amtliche Warnung aktualisiert"),
    "announcement.import_cancel": _("Amtliche Warnung aufgehoben, Entwurf verworfen"),
    "announcement.import_approve": _("Amtliche Warnung automatisch freigegeben (ohne Person)"),
    "nina.import": _("Amtliche Warnung aus NINA übernommen"),
    "nina.update": _("Entwurf einer amtlichen Warnung aktualisiert"),
    "templates.sync": _("Vorlagen mit WhatsApp abgeglichen"),
    "prices.load": _("Preistabelle eingelesen"),
    "costs.export": _("Kostenübersicht exportiert"),
    "subscriber_erased": _("Abonnent gelöscht"),
    "consent_log_exported": _("Einwilligungsprotokoll exportiert"),
    "consent_log_verified": _("Einwilligungsprotokoll geprüft"),
    "consent_lookup": _("Einwilligungen zu einer Nummer gesucht"),
    "consent_lookup_refused": _("Nummernsuche verweigert (Höchstzahl erreicht)"),
}

# Keys of ``details`` as they read in the log's detail view.
DETAIL_LABELS = {
    "announcement_id": _("Nachricht Nr."),
    "status_from": _("Status vorher"),
    "status_to": _("Status nachher"),
    "fields": _("Geänderte Felder"),
    "reason": _("Grund"),
    "involvement": _("Beteiligung"),
    "sent": _("Gesendet"),
    "failed": _("Fehlgeschlagen"),
    "status": _("Status"),
    "format": _("Format"),
    "start": _("Von"),
    "end": _("Bis"),
    "checked": _("Geprüft"),
    "ok": _("In Ordnung"),
    "broken_seq": _("Erster fehlerhafter Eintrag"),
    "rows": _("Einträge"),
    "identifier": _("Kennung der amtlichen Warnung"),
    "version": _("Version der Warnung"),
    "kind": _("Art"),
    "number_hash": _("Nummern-Hash"),
    "found": _("Gefunden"),
    "limit": _("Höchstzahl"),
    "source": _("Weg"),
    "created": _("Neu"),
    "updated": _("Aktualisiert"),
    "gone": _("Entfallen"),
}


def label(action: str) -> str:
    """The words for ``action``; an unforeseen code is shown as it is, never hidden."""
    return str(LABELS.get(action, action))


def details_text(details: dict) -> list[tuple[str, str]]:
    """``details`` as (German label, value) pairs, for reading rather than parsing."""
    pairs = []
    for key, value in details.items():
        if isinstance(value, bool):
            value = _("ja") if value else _("nein")
        elif isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        pairs.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return pairs
