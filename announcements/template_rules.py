"""Meta's rules for creating a message template, checked before an operator submits one.

Meta reviews a submitted template and rejects it for these reasons (its template guide,
and the rejection texts operators report): body over 1,024 characters, header or footer
text over 60, a button label over 25, a body that starts or ends with a variable (also
behind punctuation or formatting, as in ``*{{1}}*.``), variables without examples, more
than two line breaks in a row, and "too many variable parameters relative to the message
length", observed as fewer than ``3 n + 1`` words and variables for ``n`` variables.
``problems`` returns the broken rules of one create-template payload (empty = fit to
submit); the tests run it over ``template_set``.
"""

import re

BODY_MAX = 1024
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
BUTTON_TEXT_MAX = 25
PLACEHOLDER = re.compile(r"\{\{\s*\d+\s*\}\}")
# Characters Meta looks through when it decides whether a body starts or ends with a
# variable: whitespace, punctuation and WhatsApp's formatting markers.
_EDGE = " \n\t.,;:!?*_~\"'()„“”-\u2013"


def _component(definition, kind):
    for component in definition.get("components", ()):
        if component.get("type") == kind:
            return component
    return None


def _body_problems(body):
    text = body.get("text", "")
    problems = []
    if len(text) > BODY_MAX:
        problems.append(f"body has {len(text)} characters, at most {BODY_MAX}")
    trimmed = text.strip(_EDGE)
    if PLACEHOLDER.match(trimmed):
        problems.append("body starts with a variable")
    if re.search(r"\{\{\s*\d+\s*\}\}$", trimmed):
        problems.append("body ends with a variable")
    if "\n\n\n" in text:
        problems.append("body has more than two line breaks in a row")
    variables = len(set(PLACEHOLDER.findall(text)))
    if variables:
        examples = (body.get("example") or {}).get("body_text") or [[]]
        if len(examples[0]) != variables:
            problems.append(f"body has {variables} variables but {len(examples[0])} examples")
        tokens = text.split()
        words = sum(1 for token in tokens if not PLACEHOLDER.search(token))
        if words + variables < 3 * variables + 1:
            problems.append(
                f"too many variables for the length: {words} words and {variables} "
                f"variables, at least {3 * variables + 1} needed"
            )
    return problems


def problems(definition):
    """Every rule of Meta's template review that ``definition`` breaks."""
    found = []
    body = _component(definition, "BODY")
    if body is None:
        found.append("no body")
    else:
        found.extend(_body_problems(body))
    header = _component(definition, "HEADER")
    if header and header.get("format") == "TEXT" and len(header.get("text", "")) > HEADER_TEXT_MAX:
        found.append(f"header text over {HEADER_TEXT_MAX} characters")
    footer = _component(definition, "FOOTER")
    if footer is not None:
        if len(footer.get("text", "")) > FOOTER_MAX:
            found.append(f"footer over {FOOTER_MAX} characters")
        if PLACEHOLDER.search(footer.get("text", "")):
            found.append("footer has a variable")
    buttons = _component(definition, "BUTTONS")
    for button in (buttons or {}).get("buttons", ()):
        if len(button.get("text", "")) > BUTTON_TEXT_MAX:
            found.append(f"button {button.get('text')!r} over {BUTTON_TEXT_MAX} characters")
    return found
