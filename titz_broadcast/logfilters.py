"""Logging filters that keep secrets out of request log lines.

Meta's webhook verification is ``GET /whatsapp/webhook/?hub.mode=subscribe&
hub.verify_token=...&hub.challenge=...``: the token sits in the query string, and so may
anything a clerk types into an admin search. Request lines are therefore logged without
their query strings: by gunicorn (``access_log_format`` in ``gunicorn.conf.py``) and, with
this filter, by Django's development server (``django.server``) and ``django.request``.
"""

import logging
import re

# A path followed by a query string, up to the next white space or quote.
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def strip_query_strings(text: str) -> str:
    return _QUERY.sub(r"\1", text)


class StripQueryStrings(logging.Filter):
    """Remove query strings from a record's message and string arguments."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = strip_query_strings(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                strip_query_strings(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
