"""Interactive messages: list messages and reply buttons, sent and tapped.

``check`` validates what the app sends the way the Cloud API does (Meta's limits: a list
has at most 10 rows with titles of 24 and descriptions of 72 characters behind a button
of 20; a button message at most 3 reply buttons of 20). ``reply`` builds what the phone
posts back when a row or button is tapped: ``interactive.list_reply`` or
``interactive.button_reply`` with the row's id and title, as Meta sends it.
"""

from .errors import MetaError

BODY_MAX = 1024
ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BUTTON_MAX = 20
BUTTONS_MAX = 3
ID_MAX = 200


def _invalid(detail):
    return MetaError(100, f"Invalid parameter: interactive {detail}")


def _text(value, limit, name, required=True):
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(f"{name} must be 1 to {limit} characters")
    return value


def check(interactive):
    """Validate a send's ``interactive`` object; return what the store records."""
    if not isinstance(interactive, dict):
        raise MetaError(100, "The parameter interactive is required.")
    kind = interactive.get("type")
    body = _text((interactive.get("body") or {}).get("text"), BODY_MAX, "body.text")
    action = interactive.get("action")
    if not isinstance(action, dict):
        raise MetaError(100, "The parameter interactive['action'] is required.")
    if kind == "list":
        _text(action.get("button"), BUTTON_MAX, "action.button")
        sections = action.get("sections")
        if not isinstance(sections, list) or not sections:
            raise _invalid("action.sections must not be empty")
        rows = [row for section in sections for row in (section.get("rows") or [])]
        if not 1 <= len(rows) <= ROWS_MAX:
            raise _invalid(f"list must have 1 to {ROWS_MAX} rows")
        if len(sections) > 1 and not all(section.get("title") for section in sections):
            raise _invalid("sections need a title when there is more than one")
        for row in rows:
            _text(row.get("id"), ID_MAX, "row id")
            _text(row.get("title"), ROW_TITLE_MAX, "row title")
            _text(row.get("description"), ROW_DESCRIPTION_MAX, "row description", required=False)
        _unique([row["id"] for row in rows], "row ids")
    elif kind == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTONS_MAX:
            raise _invalid(f"action.buttons must have 1 to {BUTTONS_MAX} buttons")
        for button in buttons:
            reply = button.get("reply") if button.get("type") == "reply" else None
            if not isinstance(reply, dict):
                raise _invalid("buttons must be of type reply")
            _text(reply.get("id"), ID_MAX, "button id")
            _text(reply.get("title"), BUTTON_MAX, "button title")
        _unique([b["reply"]["title"] for b in buttons], "button titles")
        _unique([b["reply"]["id"] for b in buttons], "button ids")
    else:
        raise _invalid("type must be list or button")
    return {"interactive": interactive, "text": body, "rendered": body}


def _unique(values, name):
    if len(set(values)) != len(values):
        raise _invalid(f"{name} must be unique")


def reply(tapped, fallback_title=""):
    """The ``interactive`` object of an inbound tap: ``{"type": "list_reply", ...}``.

    ``tapped`` is ``{"type": "list_reply" | "button_reply", "id": ..., "title": ...}``
    (and a row's ``description``), as the phone page posts it.
    """
    if not isinstance(tapped, dict):
        raise ValueError("'reply' must be an object with type, id and title")
    kind = tapped.get("type")
    if kind not in ("list_reply", "button_reply") or not tapped.get("id"):
        raise ValueError("'reply' needs type list_reply or button_reply and an id")
    content = {"id": str(tapped["id"]), "title": str(tapped.get("title") or fallback_title)}
    if kind == "list_reply" and tapped.get("description"):
        content["description"] = str(tapped["description"])
    return {"type": kind, kind: content}
