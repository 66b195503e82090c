"""Cloud API ``interactive`` objects: list messages and reply buttons, within Meta's limits.

Only inside the 24-hour service window (they are answers to a resident's message). The
limits are Meta's: a list has at most 10 rows (titles 24, descriptions 72 characters, ids
200) behind one button of 20 characters; a button message has at most 3 reply buttons
of 20 characters. Titles that are too long are shortened here rather than refused by
Meta with every recipient's answer.
"""

BODY_MAX = 1024
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BUTTON_TEXT_MAX = 20
BUTTONS_MAX = 3
ID_MAX = 200
SECTION_TITLE_MAX = 24


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _body(body):
    if not body or len(body) > BODY_MAX:
        raise ValueError(f"interactive body must have 1 to {BODY_MAX} characters")
    return {"text": body}


def list_message(body: str, button: str, rows, *, section_title: str = "") -> dict:
    """A list message; ``rows`` are ``(id, title, description)``, at most 10."""
    rows = list(rows)
    if not 1 <= len(rows) <= LIST_ROWS_MAX:
        raise ValueError(f"a list message has 1 to {LIST_ROWS_MAX} rows")
    section = {
        "rows": [
            {
                "id": str(row_id)[:ID_MAX],
                "title": fit(title, ROW_TITLE_MAX),
                **({"description": fit(text, ROW_DESCRIPTION_MAX)} if text else {}),
            }
            for row_id, title, text in rows
        ]
    }
    if section_title:
        section = {"title": fit(section_title, SECTION_TITLE_MAX), **section}
    return {
        "type": "list",
        "body": _body(body),
        "action": {"button": fit(button, BUTTON_TEXT_MAX), "sections": [section]},
    }


def button_message(body: str, buttons) -> dict:
    """Reply buttons; ``buttons`` are ``(id, title)``, at most 3."""
    buttons = list(buttons)
    if not 1 <= len(buttons) <= BUTTONS_MAX:
        raise ValueError(f"a button message has 1 to {BUTTONS_MAX} buttons")
    return {
        "type": "button",
        "body": _body(body),
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": str(i)[:ID_MAX], "title": fit(t, BUTTON_TEXT_MAX)},
                }
                for i, t in buttons
            ]
        },
    }


def body_text(interactive: dict) -> str:
    return (interactive.get("body") or {}).get("text", "")
