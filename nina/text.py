"""The draft made of a warning: title, text and template parameters within Meta's limits.

The heading is the warning's headline; the paragraphs are its description and
instruction (HTML already removed by ``cap.clean_text``), then the source, "Quelle:
MoWaS / NINA", and a link. ``fields`` lays them out as the composer does a staff draft.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from announcements import composer

SOURCE_NAMES = {
    "MOWAS": "MoWaS",
    "KATWARN": "KATWARN",
    "BIWAPP": "BIWAPP",
    "DWD": "DWD",
    "LHP": "LHP",
    "POLICE": "Polizei",
}
TITLE_MAX = 200


def shorten(text, limit):
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…"


def source_line(warning):
    link = warning.web or settings.NINA_WEB_URL.format(id=warning.identifier)
    name = SOURCE_NAMES.get(warning.provider, warning.provider or "NINA")
    return _("Source: %(source)s / NINA, %(link)s") % {"source": name, "link": link}


def headline(warning, kind):
    if kind == "update":
        return _("Update: %(headline)s") % {"headline": warning.headline}
    if kind == "all_clear":
        return _("All-clear: %(headline)s") % {"headline": warning.headline}
    return warning.headline


def paragraphs(warning, kind):
    """The message's parts in order, without the source line."""
    if kind == "all_clear":
        parts = [
            _("The warning “%(headline)s” was lifted by the responsible authority.")
            % {"headline": warning.headline},
            warning.description,
        ]
    else:
        parts = [warning.description]
        if warning.instruction:
            parts.append(_("What to do: %(text)s") % {"text": warning.instruction})
    return [part for part in parts if part]


def fields(warning, kind, template):
    """The announcement's ``title``, ``heading``, ``body`` and ``template_params``.

    The heading and the paragraphs are what staff would write in the composer, and the
    parameters come from ``composer.compose``, the code that maps a staff draft: so the
    preview for Freigabe is what residents get, and an edit saves like any draft's. The
    parts beyond the template's paragraph slots are joined into its last one, and the
    first part (the description) is shortened with "…" when the message would be too
    long; the source and its link are always kept whole. A headline longer than a
    heading may be is sent whole as the first paragraph, under its shortened heading.
    """
    full = headline(warning, kind)
    head = shorten(full, composer.HEADING_MAX)
    pieces = [*paragraphs(warning, kind), source_line(warning)]
    slots = composer.layout(template)
    heading = head if slots is not None and slots.heading else ""
    if not heading or head != full:  # an official headline is never sent cut short
        pieces.insert(0, full)
    if slots is not None and len(pieces) > len(slots.paragraphs):
        keep = len(slots.paragraphs) - 1
        pieces = [*pieces[:keep], " ".join(pieces[keep:])]
    params = []
    if slots is not None:
        result = composer.compose(template, heading, "\n".join(pieces))
        if result.length > result.limit:
            over = result.length - result.limit
            pieces[0] = _shortened_start(pieces[0], over, keep_end=source_line(warning))
        params = composer.compose(template, heading, "\n".join(pieces)).params
    return {
        "title": shorten(f"NINA: {headline(warning, kind)}", TITLE_MAX),
        "heading": heading,
        "body": "\n".join(pieces),
        "template_params": params,
    }


def _shortened_start(piece, over, keep_end):
    """``piece`` shorter by ``over`` characters, its ending ``keep_end`` (the source) kept."""
    if keep_end and piece.endswith(keep_end) and piece != keep_end:
        start = piece[: -len(keep_end)].rstrip()
        return f"{shorten(start, max(1, len(start) - over))} {keep_end}"
    return shorten(piece, max(1, len(piece) - over))


def as_shown(announcement):
    """The message's heading and text as one string, to show what an update changed."""
    return "\n\n".join(part for part in (announcement.heading, announcement.body) if part)
