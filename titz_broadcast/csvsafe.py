"""CSV cells that a spreadsheet cannot run as a formula (CSV/formula injection).

Excel and LibreOffice treat a cell that begins with ``= + - @`` (and, after a tab or
carriage return, the same) as a formula, so a keyword, a user name or a Meta error title
could run ``=HYPERLINK(...)`` on a clerk's machine. ``escape`` puts one ``'`` in front of
such a cell, as OWASP recommends; a cell that already begins with ``'`` gets one too, so
``unescape`` (drop one leading ``'``) restores every value exactly. Exports that must be
verified byte for byte (the consent log) document and undo it.
"""

PREFIX = "'"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", PREFIX)


def escape(value):
    """``value`` as a safe cell; anything but a string is left as it is."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return PREFIX + value
    return value


def unescape(value: str) -> str:
    """The original of a cell written by ``escape``."""
    return value[1:] if value.startswith(PREFIX) else value
