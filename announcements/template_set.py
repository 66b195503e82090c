"""The message templates the composer writes into: the set an operator submits to Meta.

Why a set of templates with paragraph slots. Staff write paragraphs; residents outside
the 24 h service window can only be sent an approved template; and Meta allows no line
break, tab or more than four spaces inside a template parameter. So the line breaks must
be the template's own: each template below has a fixed opening with the heading, one
slot per paragraph on a line of its own, blank lines between them, and a fixed closing.
A text of three paragraphs goes out with the three-slot template, every paragraph in its
slot; nothing is glued together. The other known way, a short template with a "read the
whole message" button whose tap opens the service window for free-form text, needs every
resident to tap before reading (and costs a second message per resident); a municipality's
notices must be readable as they arrive.

Meta's rules for creating templates, which the set keeps (``template_rules`` checks them,
and its tests run it on this set): the body at most 1,024 characters and neither starting
nor ending with a variable; at least three words per variable plus one (``3 n + 1`` words
and variables, the rejection "too many variables for the message length"); examples for
every variable (adjacent variables, as paragraph slots are, need them); header and footer
text at most 60 characters. Meta cannot send an empty parameter, so a template fits only
texts with exactly its number of paragraphs: hence one template per count, up to
``MAX_PARAGRAPHS``, for each kind of attachment (none, image, PDF).

The set is submitted once per language residents may choose (``RESIDENT_LANGUAGES``),
with the same names, kinds and paragraph counts, so a language version of any notice has
its template. The fixed texts (opening, closing, footer) are English msgids translated
through the project's gettext catalogs, and name the municipality and its contact from
the settings (``MUNICIPALITY_NAME``, ``MUNICIPALITY_CONTACT``): nothing here names Titz.

No Django: the catalogs are read with Python's ``gettext``, so the simulator (which runs
without Django) lists the very same set. ``python manage.py composer_templates`` prints
the payloads for Meta's ``POST /<WABA-ID>/message_templates``; the simulator's catalog
lists the set as if it had been submitted and approved.
"""

import gettext
from pathlib import Path

MAX_PARAGRAPHS = 5
CATEGORY = "UTILITY"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SAMPLE_HEADING = "Sperrung der Landstraße"
SAMPLE_PARAGRAPHS = (
    "Die L 12 ist ab Montag zwischen Ort und Nachbarort gesperrt.",
    "Die Umleitung führt über die Kreisstraße; Busse halten an der Ersatzhaltestelle.",
    "Die Arbeiten dauern voraussichtlich bis Freitag.",
    "Anlieger erreichen ihre Grundstücke von Norden.",
    "Wir bitten um Verständnis.",
)
SAMPLE_IMAGE_HANDLE = "4::aW1hZ2UvcG5n:ARZ-beispielbild"
SAMPLE_DOCUMENT_HANDLE = "4::YXBwbGljYXRpb24vcGRm:ARZ-amtsblatt"
# Attachment kind -> (name part, header component or None).
KINDS = {
    "": ("", None),
    "IMAGE": (
        "_bild",
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [SAMPLE_IMAGE_HANDLE]}},
    ),
    "DOCUMENT": (
        "_pdf",
        {
            "type": "HEADER",
            "format": "DOCUMENT",
            "example": {"header_handle": [SAMPLE_DOCUMENT_HANDLE]},
        },
    ),
}


def _(message):
    """Marks a msgid for the catalogs; translated per language by ``Texts``."""
    return message


OPENING = _("%(municipality)s informs: *{{1}}*")
CLOSING = _("Questions: %(contact)s")
FOOTER = _("Unsubscribe with “Stop”")


class Texts:
    """The fixed texts of one language, for one municipality."""

    def __init__(self, language, municipality, contact=""):
        catalog = gettext.translation(
            "django", localedir=LOCALE_DIR, languages=[language], fallback=True
        )
        values = {"municipality": municipality, "contact": contact or municipality}
        self.opening = catalog.gettext(OPENING) % values
        self.closing = catalog.gettext(CLOSING) % values
        self.footer = catalog.gettext(FOOTER)


def template_name(kind, paragraphs):
    return f"titz_meldung{KINDS[kind][0]}_{paragraphs}"


def body_text(paragraphs, texts):
    """Opening with the heading, one slot per paragraph, closing; blank lines between."""
    slots = [f"{{{{{number}}}}}" for number in range(2, paragraphs + 2)]
    return "\n\n".join([texts.opening, *slots, texts.closing])


def definition(kind, paragraphs, language, municipality, contact=""):
    """One template as Meta's create-template request takes it."""
    texts = Texts(language, municipality, contact)
    components = []
    header = KINDS[kind][1]
    if header is not None:
        components.append(header)
    example = [SAMPLE_HEADING, *SAMPLE_PARAGRAPHS[:paragraphs]]
    components.append(
        {"type": "BODY", "text": body_text(paragraphs, texts), "example": {"body_text": [example]}}
    )
    components.append({"type": "FOOTER", "text": texts.footer})
    return {
        "name": template_name(kind, paragraphs),
        "language": language,
        "category": CATEGORY,
        "parameter_format": "POSITIONAL",
        "components": components,
    }


def definitions(languages, municipality, contact=""):
    """The whole set: every language, attachment kind and 1 to ``MAX_PARAGRAPHS``."""
    return [
        definition(kind, paragraphs, language, municipality, contact)
        for language in languages
        for kind in KINDS
        for paragraphs in range(1, MAX_PARAGRAPHS + 1)
    ]


def for_settings():
    """The set for this installation (Django settings): what the operator submits."""
    from django.conf import settings

    return definitions(
        settings.RESIDENT_LANGUAGES, settings.MUNICIPALITY_NAME, settings.MUNICIPALITY_CONTACT
    )
