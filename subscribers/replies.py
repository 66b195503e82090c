"""What residents get back, and how it leaves: rendered here, sent by a Celery task.

The texts live in ``ReplyText`` so staff can reword them; ``DEFAULTS`` seeds them (data
migration) and stands in for a row that is missing. Only known ``{placeholders}`` are
filled in, so a stray brace typed by staff can never break a reply.
"""

import re

from django.conf import settings
from django.db import transaction

from titz_broadcast import queues

from .crypto import encrypt_identity
from .models import ReplyText

Key = ReplyText.Key

DEFAULTS = {
    Key.WELCOME: (
        "Willkommen beim WhatsApp-Infodienst der Gemeinde Titz! Sie erhalten ab jetzt "
        "Meldungen, Ankündigungen und Warnungen. Ihre Kennziffer: {code}.\n\n"
        "Zum Abmelden senden Sie jederzeit „{stop_keyword}“. Ihre Nummer wird dann gelöscht.\n"
        "Datenschutzhinweise: {privacy_url}"
    ),
    Key.ALREADY_SUBSCRIBED: (
        "Sie sind bereits beim WhatsApp-Infodienst der Gemeinde Titz angemeldet "
        "(Kennziffer {code}). Zum Abmelden senden Sie „{stop_keyword}“."
    ),
    Key.GOODBYE: (
        "Sie sind abgemeldet und erhalten keine Nachrichten mehr. Ihre Nummer wurde gelöscht. "
        "Mit „{start_keyword}“ können Sie sich jederzeit wieder anmelden."
    ),
    Key.NOT_SUBSCRIBED: (
        "Diese Nummer ist beim WhatsApp-Infodienst der Gemeinde Titz nicht angemeldet; "
        "es wurden keine Daten gespeichert. Zum Anmelden senden Sie „{start_keyword}“."
    ),
    Key.HELP: (
        "WhatsApp-Infodienst der Gemeinde Titz: „{start_keyword}“ meldet Sie an, "
        "„{stop_keyword}“ meldet Sie ab und löscht Ihre Nummer.\n"
        "Fragen beantworten wir gern: Telefon {phone}, E-Mail {email}, {address}.\n"
        "Datenschutzhinweise: {privacy_url}"
    ),
    Key.AUTO_REPLY: (
        "Vielen Dank für Ihre Nachricht. Dies ist ein reiner Informationsdienst; Nachrichten "
        "werden hier nicht gelesen. Bitte wenden Sie sich an die Gemeindeverwaltung: "
        "Telefon {phone}, E-Mail {email}, Post: {address}."
    ),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(key: str, **context) -> str:
    row = ReplyText.objects.filter(key=key).values_list("text", flat=True).first()
    values = {
        "privacy_url": settings.PRIVACY_NOTICE_URL,
        "phone": settings.OFFICIAL_CONTACT_PHONE,
        "email": settings.OFFICIAL_CONTACT_EMAIL,
        "address": settings.OFFICIAL_CONTACT_ADDRESS,
        "start_keyword": settings.KEYWORDS_START[0],
        "stop_keyword": settings.KEYWORDS_STOP[0],
        **context,
    }
    return _PLACEHOLDER.sub(lambda match: str(values.get(match[1], match[0])), row or DEFAULTS[key])


def queue_reply(identity: str, key: str, **context) -> None:
    """Send ``key``'s text to ``identity`` once the current transaction has committed.

    The broker only ever sees the encrypted identity; a rolled-back opt-in sends nothing.
    Replies go to the urgent queue: a resident waiting for "angemeldet" must not wait
    behind a broadcast to thousands.
    """
    from .tasks import send_reply

    token, body = encrypt_identity(identity), render(key, **context)
    transaction.on_commit(
        lambda: send_reply.apply_async((token, body), queue=queues.URGENT), robust=True
    )
