"""From what staff write (a heading and paragraphs) to a template and its parameters.

The public functions other parts build drafts with (the form, language versions, the
NINA importer) and keep stable:

- ``pick(templates, media_kind, heading, text)``: the fitting template among approved
  ones and the text fitted into it, as a ``Composition`` (``template``, ``params`` ready
  for ``Announcement.template_params``, ``problems`` in German; ``fits``);
- ``compose(template, heading, text)``: the same for a given template;
- ``pick_version(...)``: ``pick`` for one more language, naming a missing template;
- ``split_paragraphs(text)`` and ``clean_heading(heading)``: what counts as a paragraph
  and a heading.

Staff never meet a "parameter": they write a heading and a text with paragraphs, lists
and WhatsApp formatting. Meta allows no line break inside a parameter, so each line of
the text goes into a slot of its own and the template's fixed blank lines separate them
(``template_set`` explains the design). A template's slots are read from its body:

- a line ``{{n}}`` alone is a paragraph slot,
- a line ending in ``*{{n}}*`` before the first paragraph slot is the heading slot,
- any other variable (inside a sentence) cannot take paragraphs: such templates are not
  offered for composing, so no text is glued into a sentence ("kommen!. Wir").

Blank lines between paragraphs are the template's, so several blank lines count as one.
A list is rendered inside its paragraph: its items (lines starting with "- ", "* ", "• ",
an en dash or "1." / "1)") are joined in one line, bullets written as "•", and a list written
right under a line (no blank line between, "Bitte mitbringen:") continues that line's
paragraph. So three paragraphs and a three-item list need four slots, not six, and still
read as a list; each item on a line of its own would be a line break inside a parameter,
which Meta refuses. Tabs become a space and runs of more than four spaces four spaces, the
most Meta accepts.

Nothing is dropped or cut: the counter (``Composition.counter``) and the errors on save
read the same numbers (``chars_left`` for the whole filled message, the one length rule;
the heading's length), and a text with more paragraphs than the template has slots is
refused, never shown or sent without its last lines (``Composition.complete``).
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import templating

HEADING_MAX = 60  # like Meta's header text: a heading is one short line
_SLOT = re.compile(r"^\{\{\s*(\d+)\s*\}\}$")
_HEADING = re.compile(r"\*\{\{\s*(\d+)\s*\}\}\*$")
_SPACES = re.compile(" {" + str(templating.MAX_CONSECUTIVE_SPACES + 1) + ",}")
# A list item: a bullet ("- ", "* " but not "*bold*", "• ", an en dash) or a number ("1.", "1)").
_BULLET = re.compile(r"^[-*•\u2013]\s+(?=\S)")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")


@dataclass(frozen=True)
class Layout:
    """Where a template takes the heading (placeholder number or None) and paragraphs."""

    heading: int | None
    paragraphs: tuple


def layout(template):
    """The slots of a template, or None if it cannot take paragraphs."""
    if template is None or "{{" in (template.header_text or ""):
        return None
    heading, paragraphs = None, []
    for line in (template.body or "").split("\n"):
        line = line.strip()
        if not templating.PLACEHOLDER.search(line):
            continue
        slot = _SLOT.match(line)
        if slot:
            paragraphs.append(int(slot.group(1)))
            continue
        mark = _HEADING.search(line)
        single = len(templating.PLACEHOLDER.findall(line)) == 1
        if mark and single and heading is None and not paragraphs:
            heading = int(mark.group(1))
            continue
        return None
    if not paragraphs:
        return None
    numbers = sorted([*paragraphs, *([heading] if heading else [])])
    if numbers != list(range(1, len(numbers) + 1)):
        return None
    return Layout(heading, tuple(paragraphs))


def split_paragraphs(text):
    """The text's paragraphs as residents get them: one per line (empty lines dropped),
    a list joined into one paragraph, continuing the line right above it."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result = []
    joinable = False  # the last paragraph ends on the line right above
    for line in lines:
        line = _SPACES.sub(" " * templating.MAX_CONSECUTIVE_SPACES, line.replace("\t", " "))
        line = line.strip()
        if not line:
            joinable = False
            continue
        item = _list_item(line)
        if item is not None and joinable:
            result[-1] = f"{result[-1]} {item}"
        else:
            result.append(item if item is not None else line)
        joinable = True
    return result


def _list_item(line):
    """A list line as it reads inside a paragraph ("• Ausweis", "2. Foto"), else None."""
    bullet = _BULLET.match(line)
    if bullet:
        return f"• {line[bullet.end() :]}"
    if _NUMBERED.match(line):
        return line
    return None


def clean_heading(heading):
    return " ".join((heading or "").split())


def body_limit(template):
    """Characters the filled body may have: Meta's 1,024 when the template has a header,
    footer or buttons (ours all do), 32,768 for a body alone. The filled text is held to
    the same limit as each parameter (error 132005, "hydrated text too long")."""
    if template.header_type or template.footer or template.buttons:
        return templating.BODY_PARAM_LIMIT_WITH_HEADER
    return templating.BODY_PARAM_LIMIT_BODY_ONLY


@dataclass
class Composition:
    """The result of fitting a heading and a text into a template."""

    template: object = None
    params: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    paragraphs: int = 0
    max_paragraphs: int = 0
    slots: int = 0  # the paragraph slots of ``template``
    length: int = 0
    limit: int = 0
    heading_length: int = 0
    heading_problems: list = field(default_factory=list)

    @property
    def fits(self):
        return self.template is not None and not self.problems

    @property
    def complete(self):
        """Every paragraph has a slot: ``params`` holds the whole text. Otherwise the
        preview is not drawn (it would show the text without its last lines)."""
        return self.template is not None and self.paragraphs <= self.slots

    @property
    def chars_left(self):
        """The one length rule: characters left (negative: too many) in the filled
        message, counting every paragraph, also those without a slot. The counter and
        the error on save both read this number."""
        return self.limit - self.length

    def counter(self):
        """The live counter's sentence: what is used and what is left."""
        if not self.max_paragraphs:
            return ""
        parts = []
        if self.heading_length > HEADING_MAX:
            parts.append(
                _("heading %(n)d of at most %(max)d characters, please shorten")
                % {"n": self.heading_length, "max": HEADING_MAX}
            )
        parts.append(
            _("%(n)d of at most %(max)d paragraphs")
            % {"n": self.paragraphs, "max": self.max_paragraphs}
        )
        if self.limit:
            left = self.chars_left
            if left >= 0:
                parts.append(
                    ngettext("%(n)d character left", "%(n)d characters left", left) % {"n": left}
                )
            else:
                parts.append(
                    ngettext("%(n)d character too many", "%(n)d characters too many", -left)
                    % {"n": -left}
                )
        return " · ".join(parts)


def params_for(template_layout, heading, paragraphs):
    params = [""] * (len(template_layout.paragraphs) + (1 if template_layout.heading else 0))
    if template_layout.heading:
        params[template_layout.heading - 1] = heading
    for number, text in zip(template_layout.paragraphs, paragraphs, strict=False):
        params[number - 1] = text
    return params


def compose(template, heading, text):
    """Fit ``heading`` and ``text`` into ``template``: the parameters and what is wrong."""
    heading = clean_heading(heading)
    paragraphs = split_paragraphs(text)
    slots = layout(template)
    result = Composition(template=template, paragraphs=len(paragraphs), heading_length=len(heading))
    if slots is None:
        result.problems.append(
            _("The template “%(name)s” cannot take a text with paragraphs.")
            % {"name": template.label}
        )
        return result
    result.max_paragraphs = result.slots = len(slots.paragraphs)
    result.limit = body_limit(template)
    result.params = params_for(slots, heading, paragraphs)
    # Paragraphs beyond the slots count too, each on a line after a blank one.
    beyond = sum(len(text) + 2 for text in paragraphs[result.slots :])
    result.length = len(templating.render_body(template.body, result.params)) + beyond
    result.heading_problems = _heading_problems(slots, heading)
    result.problems.extend(result.heading_problems)
    result.problems.extend(_paragraph_problems(template, slots, paragraphs))
    result.problems.extend(_length_problems(result))
    return result


def _length_problems(result):
    """The error on save for the length the counter shows (``chars_left``)."""
    if result.chars_left >= 0:
        return []
    return [
        _(
            "The message has %(length)d characters; at most %(limit)d fit. Please shorten "
            "the text by %(over)d characters."
        )
        % {"length": result.length, "limit": result.limit, "over": -result.chars_left}
    ]


def _heading_problems(slots, heading):
    if slots.heading and not heading:
        return [_("Please enter a heading; it is sent as the first line.")]
    if not slots.heading and heading:
        return [_("This template sends no heading; please leave the field empty.")]
    if len(heading) > HEADING_MAX:
        return [
            _("The heading has %(n)d characters; at most %(max)d fit. Please shorten it.")
            % {"n": len(heading), "max": HEADING_MAX}
        ]
    return []


def _paragraph_problems(template, slots, paragraphs):
    wanted, given = len(slots.paragraphs), len(paragraphs)
    if not given:
        return [_("Please write the text of the message.")]
    if given > wanted:
        return [too_many_paragraphs(given, wanted)]
    if given < wanted:
        return [
            ngettext(
                "The template “%(name)s” needs exactly %(wanted)d paragraph; the text has "
                "%(given)d.",
                "The template “%(name)s” needs exactly %(wanted)d paragraphs; the text has "
                "%(given)d.",
                wanted,
            )
            % {"name": template.label, "wanted": wanted, "given": given}
        ]
    return []


def too_many_paragraphs(given, most):
    return ngettext(
        "The text has %(given)d paragraphs; at most %(most)d fits. Please shorten it.",
        "The text has %(given)d paragraphs; at most %(most)d fit. Please shorten it.",
        most,
    ) % {"given": given, "most": most}


def header_kind_of_media(media_kind):
    return {"image": "IMAGE", "document": "DOCUMENT"}.get(media_kind, "")


def pick(templates, media_kind, heading, text):
    """The template for this text among ``templates`` (approved ones), fitted.

    Candidates take the attachment (none, image, PDF) and paragraphs; among them the one
    whose heading slot matches whether staff wrote a heading and whose number of
    paragraph slots is the number of paragraphs. When none has that many, the answer
    says how many fit.
    """
    header_type = header_kind_of_media(media_kind)
    header_types = [header_type] if header_type else ["", "TEXT"]
    candidates = [
        (template, slots)
        for template in templates
        if template.header_type in header_types and (slots := layout(template)) is not None
    ]
    if not candidates:
        return Composition(problems=[_no_template_message(media_kind)])
    heading = clean_heading(heading)
    with_heading = [pair for pair in candidates if bool(pair[1].heading) == bool(heading)]
    pool = with_heading or candidates
    count = len(split_paragraphs(text))
    exact = [t for t, slots in pool if len(slots.paragraphs) == count]
    most = max(len(slots.paragraphs) for _t, slots in pool)
    if exact:
        result = compose(exact[0], heading, text)
        result.max_paragraphs = most  # the counter says what is left with any template
        return result
    closest = max(pool, key=lambda pair: len(pair[1].paragraphs))[0]
    result = compose(closest, heading, text)
    if count > most:
        result.problems = [
            *result.heading_problems,
            too_many_paragraphs(count, most),
            *_length_problems(result),
        ]
    elif count:
        possible = sorted({len(slots.paragraphs) for _t, slots in pool})
        result.problems = [
            *result.heading_problems,
            _("There is no approved template for %(n)d paragraphs; possible are: %(list)s.")
            % {"n": count, "list": ", ".join(str(n) for n in possible)},
        ]
    return result


def missing_template(language_name, media_kind, paragraphs):
    """What an editor reads when ``language_name`` lacks the template for this notice:
    which one, in their words, and what to do (submit it; ``composer_templates``)."""
    values = {"language": language_name, "n": paragraphs}
    if media_kind == "image":
        message = ngettext(
            "For %(language)s the template with an image and %(n)d paragraph is missing: "
            "please submit it to WhatsApp.",
            "For %(language)s the template with an image and %(n)d paragraphs is missing: "
            "please submit it to WhatsApp.",
            paragraphs,
        )
    elif media_kind == "document":
        message = ngettext(
            "For %(language)s the template with a PDF and %(n)d paragraph is missing: please "
            "submit it to WhatsApp.",
            "For %(language)s the template with a PDF and %(n)d paragraphs is missing: please "
            "submit it to WhatsApp.",
            paragraphs,
        )
    else:
        message = ngettext(
            "For %(language)s the template with %(n)d paragraph is missing: please submit it "
            "to WhatsApp.",
            "For %(language)s the template with %(n)d paragraphs is missing: please submit it "
            "to WhatsApp.",
            paragraphs,
        )
    return message % values


def media_kind_of_template(template):
    """ "image", "document" or "" for the file a template's header carries."""
    header = template.header_type if template is not None else ""
    return {"IMAGE": "image", "DOCUMENT": "document"}.get(header, "")


def pick_version(templates, language_name, media_kind, heading, text):
    """``pick`` for a language version: the same rules, and when the language has no
    template for this many paragraphs (and this file), the error says which to submit."""
    result = pick(templates, media_kind, heading, text)
    count = len(split_paragraphs(text))
    slots = layout(result.template) if result.template is not None else None
    too_many = slots is not None and count > result.max_paragraphs
    if count and not too_many and (slots is None or len(slots.paragraphs) != count):
        result.template = None
        result.problems = [missing_template(language_name, media_kind, count)]
    return result


def _no_template_message(media_kind):
    if media_kind == "image":
        return _(
            "There is no approved template with an image. Please synchronise the templates "
            "with WhatsApp."
        )
    if media_kind == "document":
        return _(
            "There is no approved template with a PDF. Please synchronise the templates with "
            "WhatsApp."
        )
    return _(
        "There is no approved template for this message. Please synchronise the templates with "
        "WhatsApp."
    )
