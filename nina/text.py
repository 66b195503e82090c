"""The draft made of a warning: title, text and template parameters within Meta's limits.

The text is the warning's headline, description and instruction (HTML already removed by
``cap.clean_text``), then the source, "Quelle: MoWaS / NINA", and a link. Template
parameters may not hold line breaks and have a length limit (``templating``): the
parameter text is one paragraph, shortened at a word with "…", and the source and link
are always kept whole at its end.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from announcements import templating

SOURCE_NAMES = {
    "MOWAS": "MoWaS",
    "KATWARN": "KATWARN",
    "BIWAPP": "BIWAPP",
    "DWD": "DWD",
    "LHP": "LHP",
    "POLICE": "Polizei",
}
TITLE_MAX = 200
HEADLINE_MAX = 200


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
    """The announcement's ``title``, ``body`` and ``template_params`` for ``warning``."""
    head = shorten(headline(warning, kind), HEADLINE_MAX)
    parts, source = paragraphs(warning, kind), source_line(warning)
    body = "\n\n".join([head, *parts, source])
    params = []
    if template is not None and template.param_count in (1, 2):
        limit = (
            templating.BODY_PARAM_LIMIT_WITH_HEADER
            if template.header_type
            else templating.BODY_PARAM_LIMIT_BODY_ONLY
        )
        lead = [] if template.param_count == 2 else [head]
        text = " ".join([*lead, *parts])
        text = shorten(text, limit - len(source) - 1) if text else ""
        text = f"{text} {source}".strip()
        params = [head, text] if template.param_count == 2 else [text]
    return {"title": shorten(f"NINA: {head}", TITLE_MAX), "body": body, "template_params": params}


def as_shown(announcement):
    """The message's heading and text as one string, to show what an update changed."""
    return "\n\n".join(part for part in (announcement.heading, announcement.body) if part)
