"""Celery's filesystem broker for the embedded demo, with atomic writes.

kombu's filesystem transport creates a file under its final name and then writes it, both
for messages and for the exchange tables that every process writes when it declares its
queues; a process reading at that moment gets an empty file and crashes on the JSON.
Writing to a temporary file and renaming it into place makes each file appear whole,
which also lets the worker poll every 0.1 s instead of once a second (one task per poll):
the demo's replies then arrive in well under a second. Production uses Redis instead.

Binding a queue is also made atomic within a process: kombu records the binding in the
process-wide broker state before it writes the table file, so a second thread declaring
the same queue in between saw "already bound", published, found no table and dropped its
messages (the web process's threads, or a test's producer and consumer).
"""

import os
import threading
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.filesystem import LOCK_EX, exchange_queue_t, lock, unlock
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# Inside the queue folder, so the rename stays on one file system; the consumer only
# picks names containing "<queue>.msg", which this folder's name never does.
INCOMING = ".incoming"
_binding = threading.Lock()


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

    def queue_bind(self, *args, **kwargs):
        """kombu's bind, with its in-memory record and the table file written together."""
        with _binding:
            return super().queue_bind(*args, **kwargs)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """Add the binding under a lock of the control folder, then replace the table."""
        table = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        entry = exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with open(self.control_folder / ".lock", "a") as guard:
                lock(guard, LOCK_EX)
                try:
                    queues = self.get_table(exchange)
                    if entry in queues:
                        return
                    temporary = self.control_folder / f".{uuid.uuid4()}.tmp"
                    temporary.write_bytes(str_to_bytes(dumps([entry, *queues])))
                    os.replace(temporary, table)
                finally:
                    unlock(guard)
        except OSError as exc:
            raise ChannelError(f"Cannot bind {queue!r} in {self.control_folder}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
