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
    "keyword": _("by WhatsApp message"),
    "list_reply": _("by list in WhatsApp"),
    "admin": _("by the administration"),
    "user_changed_number": _("WhatsApp: number changed"),
    "user_changed_user_id": _("WhatsApp: user ID changed"),
    "inbound": _("WhatsApp message with number and user ID"),
    "status": _("WhatsApp delivery report"),
    "user_preferences": _("WhatsApp setting “Stop”"),
    "meta_131050": _("WhatsApp: receiving refused"),
    "retention": _("Retention period over"),
    "migration": _("Software upgrade"),
    "demo_reset": _("Demo reset"),
}

DESCRIPTIONS = {
    (Action.OPT_IN, "keyword"): _("Subscribed by WhatsApp"),
    (Action.OPT_OUT, "keyword"): _("Unsubscribed by WhatsApp"),
    (Action.OPT_OUT, "admin"): _("Unsubscribed by the administration (erased)"),
    (Action.OPT_OUT, "user_preferences"): _("Unsubscribed in the WhatsApp settings"),
    (Action.OPT_OUT, "meta_131050"): _("Unsubscribed: WhatsApp reports that messages are refused"),
    (Action.OPT_OUT, "user_changed_number"): _("Unsubscribed after a change of number"),
    (Action.OPT_OUT, "demo_reset"): _("Unsubscribed: demo reset"),
    (Action.IDENTITY_CHANGED, "user_changed_number"): _("Number changed at WhatsApp"),
    (Action.IDENTITY_CHANGED, "user_changed_user_id"): _(
        "User ID changed at WhatsApp (the number is no longer known)"
    ),
    (Action.OPT_OUT, "user_changed_user_id"): _("Unsubscribed after a change of user ID"),
    (Action.IDENTITY_LINKED, "inbound"): _("Number and user ID linked by a WhatsApp message"),
    (Action.IDENTITY_LINKED, "status"): _("User ID learned from a WhatsApp delivery report"),
    (Action.TOPICS_CHANGED, "keyword"): _("Topics chosen by WhatsApp message"),
    (Action.TOPICS_CHANGED, "list_reply"): _("Topics chosen by list in WhatsApp"),
    (Action.CHECKPOINT, "retention"): _(
        "Checkpoint: old entries removed after the retention period"
    ),
    (Action.CHECKPOINT, "migration"): _("Checkpoint: chain recomputed in a software upgrade"),
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
