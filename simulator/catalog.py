"""The message templates of a simulated municipality, in Meta's template-list shape.

Staff pick an approved template for announcements outside the 24 h window, so the app
lists these and the simulator checks sends against them (unknown or unapproved name
-> 132001, wrong parameter count -> 132000) the way Meta does. The set covers what the
app must cope with: body parameters, image and document headers, utility and marketing
categories, and templates still pending or rejected.
"""

import base64
import re

FOOTER = "Gemeinde Titz - Abmelden mit „Stop“"
SAMPLE_IMAGE = "https://scontent.whatsapp.net/v/t61.29466-34/titz-beispielbild.jpg"
SAMPLE_DOCUMENT = "https://scontent.whatsapp.net/v/t61.29466-34/amtsblatt-beispiel.pdf"


def _body(text, *example):
    component = {"type": "BODY", "text": text}
    if example:
        component["example"] = {"body_text": [list(example)]}
    return component


TEMPLATES = [
    {
        "name": "titz_nachricht",
        "language": "de",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000001",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Gemeinde Titz informiert"},
            _body(
                "*{{1}}*\n\n{{2}}",
                "Sperrung der Landstraße",
                "Die L 12 ist bis Freitag zwischen Titz und Rödingen gesperrt.",
            ),
            {"type": "FOOTER", "text": FOOTER},
        ],
    },
    {
        # The same message in English: a language version of an announcement (issue 13).
        "name": "titz_nachricht",
        "language": "en",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000010",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Municipality of Titz informs"},
            _body(
                "*{{1}}*\n\n{{2}}",
                "Road closure",
                "The L 12 is closed between Titz and Rödingen until Friday.",
            ),
            {"type": "FOOTER", "text": "Municipality of Titz - unsubscribe with “Stop”"},
        ],
    },
    {
        "name": "titz_warnung",
        "language": "de",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000002",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "⚠️ Warnung"},
            _body(
                "Warnung für das Gemeindegebiet Titz: *{{1}}*\n\n{{2}}\n\n"
                "Bitte achten Sie auf Durchsagen und das Warn-App-Angebot des Kreises.",
                "Unwetter",
                "Am Abend werden Sturmböen bis 90 km/h erwartet.",
            ),
            {"type": "FOOTER", "text": FOOTER},
        ],
    },
    {
        "name": "titz_stoerung",
        "language": "de",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000003",
        "components": [
            _body(
                "Störung: {{1}}. Betroffen: {{2}}. Voraussichtliches Ende: {{3}}.",
                "Wasserversorgung",
                "Ameln und Hompesch",
                "heute 16 Uhr",
            ),
            {"type": "FOOTER", "text": FOOTER},
        ],
    },
    {
        "name": "titz_amtsblatt",
        "language": "de",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000004",
        "components": [
            {
                "type": "HEADER",
                "format": "DOCUMENT",
                "example": {"header_handle": [SAMPLE_DOCUMENT]},
            },
            _body(
                "Das Amtsblatt Nr. {{1}} vom {{2}} ist erschienen. Sie finden es im Anhang.",
                "7",
                "14.03.2026",
            ),
            {"type": "FOOTER", "text": FOOTER},
        ],
    },
    {
        "name": "titz_veranstaltung",
        "language": "de",
        "status": "APPROVED",
        "category": "MARKETING",
        "id": "830000000000005",
        "components": [
            {
                "type": "HEADER",
                "format": "IMAGE",
                "example": {"header_handle": [SAMPLE_IMAGE]},
            },
            _body(
                "Veranstaltungstipp: {{1}} am {{2}}. Wir freuen uns auf Ihren Besuch!",
                "Dorffest in Jackerath",
                "Samstag, 6. Juni",
            ),
            {"type": "FOOTER", "text": FOOTER},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"}]},
        ],
    },
    {
        "name": "titz_willkommen",
        "language": "de",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000006",
        "components": [
            _body(
                "Willkommen beim WhatsApp-Infodienst der Gemeinde Titz! Sie erhalten ab jetzt "
                "Neuigkeiten, Bekanntmachungen und Warnungen. Mit „Stop“ melden Sie sich "
                "jederzeit ab."
            ),
        ],
    },
    {
        "name": "titz_abfuhr_erinnerung",
        "language": "de",
        "status": "PENDING",
        "category": "UTILITY",
        "id": "830000000000007",
        "components": [
            _body("Erinnerung: Morgen wird in {{1}} {{2}} abgeholt.", "Titz", "Papier"),
        ],
    },
    {
        "name": "titz_gewinnspiel",
        "language": "de",
        "status": "REJECTED",
        "rejected_reason": "PROMOTIONAL",
        "category": "MARKETING",
        "id": "830000000000008",
        "components": [
            _body("Mitmachen und gewinnen: {{1}}!", "Freikarten für das Freibad"),
        ],
    },
    {
        "name": "hello_world",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "830000000000009",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
            _body(
                "Welcome and congratulations!! This message demonstrates your ability to send "
                "a WhatsApp message notification from the Cloud API, hosted by Meta. Thank "
                "you for taking the time to test with us."
            ),
            {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
        ],
    },
]
# --- The composer's set (announcements/template_set.py), as if the operator had ------
# submitted it and Meta had approved it: the demo's sync_templates finds it. Languages,
# name and contact from the environment the app reads too (``dev.env`` in the demo).
import os  # noqa: E402

from announcements import template_set  # noqa: E402 - no Django

_SET = template_set.definitions(
    os.environ.get("RESIDENT_LANGUAGES", "de,en,tr,uk,ar,ru").split(","),
    os.environ.get("MUNICIPALITY_NAME") or "Gemeinde Musterstadt",
    os.environ.get("MUNICIPALITY_CONTACT", ""),
)
for _number, _definition in enumerate(_SET, start=1):
    TEMPLATES.append({**_definition, "status": "APPROVED", "id": f"83100000000{_number:04d}"})
# --- end of the composer's set -------------------------------------------------------
for _template in TEMPLATES:
    _template["parameter_format"] = "POSITIONAL"

_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def find(name, language):
    for template in TEMPLATES:
        if template["name"] == name and template["language"] == language:
            return template
    return None


def component(template, kind):
    for item in template["components"]:
        if item["type"] == kind:
            return item
    return None


def placeholder_count(text):
    return len(set(_PLACEHOLDER.findall(text or "")))


def fill(text, params):
    """Put the sent parameters into ``{{n}}``; a missing one stays visible."""

    def replace(match):
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else match.group(0)

    return _PLACEHOLDER.sub(replace, text or "")


def render(template, body_params, header_params=()):
    """The text a resident's phone would show for a template message."""
    parts = []
    header = component(template, "HEADER")
    if header and header.get("format") == "TEXT":
        parts.append(fill(header["text"], list(header_params)))
    parts.append(fill(component(template, "BODY")["text"], list(body_params)))
    footer = component(template, "FOOTER")
    if footer:
        parts.append(footer["text"])
    return "\n\n".join(parts)


def _cursor(index):
    return base64.urlsafe_b64encode(str(index).encode()).decode().rstrip("=")


def _index(cursor):
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(base64.urlsafe_b64decode(padded.encode()).decode())


def page(*, limit=25, after=None, before=None, status=None, name=None, next_url=None):
    """One page of ``GET /<WABA_ID>/message_templates``, with Meta's cursor paging.

    ``next_url(after_cursor)`` and ``previous`` are only present when there is more, as
    in Graph API answers; a client must follow ``paging.next`` until it is absent.
    Raises ValueError for a malformed cursor.
    """
    selected = [
        t
        for t in TEMPLATES
        if (status is None or t["status"] == status.upper())
        and (name is None or name.lower() in t["name"])
    ]
    limit = max(1, min(int(limit), 1000))
    if after:
        start = _index(after) + 1
    elif before:
        start = max(0, _index(before) - limit)
    else:
        start = 0
    chunk = selected[start : start + limit]
    result = {"data": chunk}
    if chunk:
        last = start + len(chunk) - 1
        paging = {"cursors": {"before": _cursor(start), "after": _cursor(last)}}
        if last + 1 < len(selected) and next_url:
            paging["next"] = next_url(after=_cursor(last))
        if start > 0 and next_url:
            paging["previous"] = next_url(before=_cursor(start))
        result["paging"] = paging
    return result
