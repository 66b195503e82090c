"""Everything the simulator remembers, in memory behind one lock.

Held per process and lost on restart, like a phone's chat you did not back up. The
request path does O(1) work under the lock so that thousands of sends per second do not
queue on it.
"""

import threading
import time
from collections import Counter, defaultdict

# A status never moves backwards: webhooks may be retried, the store stays monotonic.
STATUS_RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.messages = []
            self.by_id = {}
            self.by_recipient = defaultdict(list)
            self.inbound = defaultdict(list)
            self.media = {}
            self.counters = Counter()
            self.per_second = Counter()

    def count(self, name, amount=1):
        with self.lock:
            self.counters[name] += amount

    def add_message(self, record):
        with self.lock:
            self.messages.append(record)
            self.by_id[record["id"]] = record
            self.by_recipient[record["to"] or record["user_id"]].append(record)
            self.counters["accepted"] += 1
            self.counters[f"accepted_{record['type']}"] += 1
            self.per_second[int(record["accepted_at"])] += 1

    def add_inbound(self, sender, record):
        with self.lock:
            self.inbound[sender].append(record)
            self.counters["inbound"] += 1

    def add_media(self, record):
        with self.lock:
            self.media[record["id"]] = record
            self.counters["media_uploads"] += 1

    def advance(self, changes):
        """Move messages forward; return (message, status, error) for those that moved.

        ``changes`` is a batch of (wamid, status, error); unknown ids (after a reset) and
        moves backwards are skipped. One lock for the whole batch.
        """
        moved = []
        now = time.time()
        with self.lock:
            for wamid, status, error in changes:
                message = self.by_id.get(wamid)
                if message is None or STATUS_RANK[status] <= STATUS_RANK[message["status"]]:
                    continue
                message["status"] = status
                message["statuses"].append({"status": status, "timestamp": now})
                if error is not None:
                    message["error"] = error
                self.counters[f"status_{status}"] += 1
                moved.append((dict(message), status, error))
        return moved

    def find_messages(self, recipient=None, limit=None):
        with self.lock:
            items = self.by_recipient.get(recipient, []) if recipient else self.messages
            items = items[-limit:] if limit else items
            return [dict(item, statuses=list(item["statuses"])) for item in items]

    def conversation(self, sender):
        """Both directions of one phone's chat, oldest first."""
        with self.lock:
            outgoing = [
                {
                    "direction": "in",
                    "at": m["accepted_at"],
                    "text": m["rendered"],
                    "status": m["status"],
                    "type": m["type"],
                    "interactive": m.get("interactive"),
                }
                for m in self.by_recipient.get(sender, [])
            ]
            incoming = [
                {
                    "direction": "out",
                    "at": m["at"],
                    "text": m["text"],
                    "app_status": m["app_status"],
                }
                for m in self.inbound.get(sender, [])
            ]
        return sorted(outgoing + incoming, key=lambda item: item["at"])

    def stats(self):
        with self.lock:
            seconds = sorted(self.per_second.items())
            counters = dict(self.counters)
        result = {"counters": counters, "per_second": [{"t": t, "count": n} for t, n in seconds]}
        if seconds:
            busy = [n for _, n in seconds]
            result["peak_per_second"] = max(busy)
            result["active_seconds"] = len(busy)
        return result
