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

Pure data, no Django: ``python manage.py composer_templates`` prints the payloads for
Meta's ``POST /<WABA-ID>/message_templates``, and the simulator's catalog lists the set as
if it had been submitted and approved.
"""

MAX_PARAGRAPHS = 5
LANGUAGE = "de"
CATEGORY = "UTILITY"
OPENING = "Gemeinde Titz informiert: *{{1}}*"
CLOSING = (
    "Bei Fragen erreichen Sie die Gemeindeverwaltung Titz werktags im Rathaus oder telefonisch."
)
FOOTER = "Abmelden mit „Stop“"
SAMPLE_HEADING = "Sperrung der Landstraße"
SAMPLE_PARAGRAPHS = (
    "Die L 12 ist ab Montag zwischen Titz und Rödingen gesperrt.",
    "Die Umleitung führt über Jackerath; Busse halten an der Ersatzhaltestelle.",
    "Die Arbeiten dauern voraussichtlich bis Freitag.",
    "Anlieger erreichen ihre Grundstücke von Norden.",
    "Wir bitten um Verständnis.",
)
SAMPLE_IMAGE_HANDLE = "4::aW1hZ2UvcG5n:ARZ-titz-beispielbild"
SAMPLE_DOCUMENT_HANDLE = "4::YXBwbGljYXRpb24vcGRm:ARZ-titz-amtsblatt"
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


def template_name(kind, paragraphs):
    return f"titz_meldung{KINDS[kind][0]}_{paragraphs}"


def body_text(paragraphs):
    """Opening with the heading, one slot per paragraph, closing; blank lines between."""
    slots = [f"{{{{{number}}}}}" for number in range(2, paragraphs + 2)]
    return "\n\n".join([OPENING, *slots, CLOSING])


def definition(kind, paragraphs):
    """One template as Meta's create-template request takes it."""
    components = []
    header = KINDS[kind][1]
    if header is not None:
        components.append(header)
    example = [SAMPLE_HEADING, *SAMPLE_PARAGRAPHS[:paragraphs]]
    components.append(
        {"type": "BODY", "text": body_text(paragraphs), "example": {"body_text": [example]}}
    )
    components.append({"type": "FOOTER", "text": FOOTER})
    return {
        "name": template_name(kind, paragraphs),
        "language": LANGUAGE,
        "category": CATEGORY,
        "parameter_format": "POSITIONAL",
        "components": components,
    }


def definitions():
    """The whole set: every attachment kind with 1 to ``MAX_PARAGRAPHS`` paragraphs."""
    return [
        definition(kind, paragraphs)
        for kind in KINDS
        for paragraphs in range(1, MAX_PARAGRAPHS + 1)
    ]
