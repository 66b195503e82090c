"""Celery's filesystem broker for the embedded demo, with atomic writes.

kombu's filesystem transport creates the message file under its final name and then
writes it, so a worker polling often can read a half-written file and crash on the JSON.
Writing to a temporary file and renaming it into place makes each message appear whole,
which lets the worker poll every 0.1 s instead of once a second (one task per poll): the
demo's replies then arrive in well under a second. Production uses Redis instead.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Inside the queue folder, so the rename stays on one file system; the consumer only
# picks names containing "<queue>.msg", which this folder's name never does.
INCOMING = ".incoming"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        incoming = os.path.join(self.data_folder_out, INCOMING)
        temporary = os.path.join(incoming, name)
        try:
            os.makedirs(incoming, exist_ok=True)
            with open(temporary, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to the broker folder") from exc


class Transport(filesystem.Transport):
    Channel = Channel
