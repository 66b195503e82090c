"""WhatsApp template parameters: validating against Meta's rules, rendering, formatting.

Meta rejects a broken template send only per recipient, after the broadcast has started
(errors 132000, 132005, 132018 ...). Checking the same rules in the form turns thousands
of failed deliveries into one German sentence staff can act on before approval.
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# Meta's "Messages" reference: body parameter text may be 1024 characters when the template
# has other components (a header), 32768 when the body is all there is.
BODY_PARAM_LIMIT_WITH_HEADER = 1024
BODY_PARAM_LIMIT_BODY_ONLY = 32768
# Meta: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces".
MAX_CONSECUTIVE_SPACES = 4

PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_SPACE_RUN = re.compile(" {" + str(MAX_CONSECUTIVE_SPACES + 1) + ",}")


def placeholder_count(body):
    """Number of distinct ``{{n}}`` placeholders; Meta numbers them 1..n without gaps."""
    return len(set(PLACEHOLDER.findall(body or "")))


def validate_params(template, params):
    """Return German error messages, one per broken rule (empty list = Meta will accept)."""
    errors = []
    if len(params) != template.param_count:
        errors.append(
            _("The template “%(name)s” has %(expected)d text slots, %(given)d are filled.")
            % {"name": template.label, "expected": template.param_count, "given": len(params)}
        )
    limit = BODY_PARAM_LIMIT_WITH_HEADER if template.header_type else BODY_PARAM_LIMIT_BODY_ONLY
    for number, value in enumerate(params, start=1):
        value = value if isinstance(value, str) else ""
        if not value.strip():
            errors.append(
                _("Text slot %(n)d is empty. WhatsApp rejects empty text slots.") % {"n": number}
            )
            continue
        if "\n" in value or "\r" in value or "\t" in value:
            errors.append(
                _(
                    "Text slot %(n)d contains a line break or tab. WhatsApp does not allow "
                    "that inside a text slot."
                )
                % {"n": number}
            )
        if _SPACE_RUN.search(value):
            errors.append(
                _(
                    "Text slot %(n)d contains more than %(max)d consecutive spaces. WhatsApp "
                    "rejects this."
                )
                % {"n": number, "max": MAX_CONSECUTIVE_SPACES}
            )
        if len(value) > limit:
            errors.append(
                _(
                    "Text slot %(n)d is %(length)d characters long; this template allows at "
                    "most %(limit)d."
                )
                % {"n": number, "length": len(value), "limit": limit}
            )
    return errors


def render_body(template_body, params):
    """The message text as the resident receives it: placeholders replaced."""

    def substitute(match):
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else match.group(0)

    return PLACEHOLDER.sub(substitute, template_body)


_MONO = re.compile(r"```(.+?)```", re.DOTALL)
# WhatsApp applies a style only when the marker hugs the text (no space inside) and is not
# part of a word, e.g. "2*3*4" stays as it is.
_STYLES = [
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "del"),
]


def whatsapp_to_html(text):
    """HTML that looks like the phone shows it: *bold*, _italic_, ~strike~, ```mono```.

    The text is escaped first, so nothing staff type can inject markup into the admin.
    """
    html = escape(text or "")
    html = _MONO.sub(lambda m: f"<code>{m.group(1)}</code>", html)
    for pattern, tag in _STYLES:
        html = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", html)
    html = html.replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - built from escaped text only
