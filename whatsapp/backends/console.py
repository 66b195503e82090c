"""Logs what would be sent instead of sending: for trying the admin without Meta.

The recipient is never logged, not even in part; the log shows the message and ids.
"""

import itertools
import logging

from ..outbound import SendResult
from .base import BaseBackend

logger = logging.getLogger(__name__)
_counter = itertools.count(1)


class ConsoleBackend(BaseBackend):
    def deliver(self, to, payload, *, marketing=False):
        wamid = f"wamid.CONSOLE{next(_counter):012d}"
        kind = payload["type"]
        if kind == "text":
            content = payload["text"]["body"]
        elif kind == "interactive":
            content = payload["interactive"]["type"]
        else:
            template = payload["template"]
            content = f"{template['name']}/{template['language']['code']}"
        logger.info(
            "console backend: would send %s %s (%s, callback_data=%r)",
            kind,
            wamid,
            content,
            payload.get("biz_opaque_callback_data", ""),
        )
        return SendResult(wamid, "", "accepted" if kind == "template" else "")

    def upload_media(self, content, mime_type, filename):
        media_id = f"console-media-{next(_counter)}"
        logger.info(
            "console backend: would upload %s (%s, %d bytes)", media_id, mime_type, len(content)
        )
        return media_id

    def list_templates(self):
        return []
