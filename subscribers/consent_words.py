"""How the consent log's entries read in the admin: "Anmeldung per WhatsApp", not
``opt_in``/``keyword``.

The stored values stay short codes (they are hashed into the chain and cannot change);
this is the one table that says in words what each (action, source) pair means. The
export's words are frozen with its format instead (``subscribers.export.GERMAN_VALUES``).
"""

from django.utils.translation import gettext_lazy as _

from .models import ConsentEvent

Action = ConsentEvent.Action

SOURCES = {
    "keyword": _("per WhatsApp-Nachricht"),
    "list_reply": _("per Auswahlliste in WhatsApp"),
    "admin": _("durch die Verwaltung"),
    "user_changed_number": _("WhatsApp: Nummer geändert"),
    "user_preferences": _("WhatsApp-Einstellung „Stopp“"),
    "meta_131050": _("WhatsApp: Empfang abgelehnt"),
    "retention": _("Löschfrist abgelaufen"),
    "migration": _("Software-Aktualisierung"),
    "demo_reset": _("Demo zurückgesetzt"),
}

DESCRIPTIONS = {
    (Action.OPT_IN, "keyword"): _("Anmeldung per WhatsApp"),
    (Action.OPT_OUT, "keyword"): _("Abmeldung per WhatsApp"),
    (Action.OPT_OUT, "admin"): _("Abmeldung durch die Verwaltung (gelöscht)"),
    (Action.OPT_OUT, "user_preferences"): _("Abmeldung in den WhatsApp-Einstellungen"),
    (Action.OPT_OUT, "meta_131050"): _(
        "Abmeldung: WhatsApp meldet, dass Nachrichten abgelehnt werden"
    ),
    (Action.OPT_OUT, "user_changed_number"): _("Abmeldung nach Nummernwechsel"),
    (Action.OPT_OUT, "demo_reset"): _("Abmeldung: Demo zurückgesetzt"),
    (Action.IDENTITY_CHANGED, "user_changed_number"): _("Nummernwechsel bei WhatsApp"),
    (Action.TOPICS_CHANGED, "keyword"): _("Themenwahl per WhatsApp-Nachricht"),
    (Action.TOPICS_CHANGED, "list_reply"): _("Themenwahl per Auswahlliste in WhatsApp"),
    (Action.CHECKPOINT, "retention"): _("Prüfpunkt: alte Einträge nach der Löschfrist entfernt"),
    (Action.CHECKPOINT, "migration"): _(
        "Prüfpunkt: Kette bei einer Software-Aktualisierung neu berechnet"
    ),
}


def source_label(source: str) -> str:
    return str(SOURCES.get(source, source))


def describe(action: str, source: str) -> str:
    """One phrase for an entry; an unforeseen pair still reads as action and source."""
    known = DESCRIPTIONS.get((action, source))
    if known is not None:
        return str(known)
    label = dict(Action.choices).get(action, action)
    return f"{label} ({source_label(source)})" if source else str(label)
