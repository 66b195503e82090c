"""The consent log's hash chain: appending, canonical content, verification.

Each row stores ``hash = SHA-256(prev_hash + canonical)`` where ``prev_hash`` is the hash
of the row before (64 zeros for the first) and ``canonical`` is the row's content as JSON
with sorted keys and no spaces (``CONTENT_FIELDS``). Changing, inserting or removing a row
breaks every later link, so an auditor can verify an export offline with nothing but
SHA-256. Rows removed by the retention purge are accounted for by a ``checkpoint`` row
whose ``details["gaps"]`` lists ``[first_seq, last_seq, hash of last_seq]`` for every run
it removed; the verifier bridges exactly those gaps and no others. Anyone can recompute
such a chain, so ``subscribers.checkpoints`` signs its head: ``verify`` then also checks
each row against the hash a signed checkpoint names for it (``signed``).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import ChainHead, ConsentEvent

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "seq",
    "occurred_at",
    "action",
    "subscriber_code",
    "number_hash",
    "user_id_hash",
    "source",
    "message_id",
    "keyword",
    "actor",
    "details",
)
CHAIN_FIELDS = ("prev_hash", "hash")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def canonical(content: Mapping) -> str:
    """The exact text that is hashed; ``content`` holds CONTENT_FIELDS as exported."""
    document = {name: content[name] for name in CONTENT_FIELDS}
    document["seq"] = int(document["seq"])
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, content: Mapping) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode()).hexdigest()


def exported(event: ConsentEvent | Mapping) -> dict:
    """A row as it appears in exports and is hashed: plain strings, UTC times."""
    get = event.get if isinstance(event, Mapping) else lambda name: getattr(event, name)
    row = {name: get(name) for name in CONTENT_FIELDS + CHAIN_FIELDS}
    row["occurred_at"] = format_time(row["occurred_at"])
    return row


def append(action: str, *, occurred_at: datetime, **fields) -> ConsentEvent:
    """Add one event at the end of the chain; call inside the transaction that caused it.

    The chain head row is locked until that transaction commits, which serialises writers:
    an opt-in that rolls back leaves no hole, and two opt-ins never share a predecessor.
    """
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS}
        )
        event = ConsentEvent(
            seq=head.seq + 1,
            occurred_at=occurred_at,
            action=action,
            prev_hash=head.hash,
            **fields,
        )
        event.hash = link_hash(head.hash, exported(event))
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass
class Verdict:
    """The result of a verification, in words an auditor reads (``str``) and as data.

    ``broken_seq`` is the "Nr." of the first row that fails, ``line`` its line in an
    exported file (None for the database), ``reason`` a German clause that says why,
    ``signature`` a German sentence on what signed the rows (or that nothing did).
    """

    ok: bool
    rows: int
    broken_seq: int | None = None
    reason: str = ""
    line: int | None = None
    signature: str = ""
    signed: bool = False

    def __str__(self):
        if self.ok:
            text = ngettext(
                "In order: %(rows)d entry verified, the chain is intact.",
                "In order: %(rows)d entries verified, the chain is intact.",
                self.rows,
            ) % {"rows": self.rows}
            return f"{text} {self.signature}".strip()
        where = (
            _("at entry no. %(seq)d") % {"seq": self.broken_seq}
            if self.broken_seq is not None
            else _("at the start")
        )
        if self.line is not None:
            where += " " + _("(line %(line)d of the file)") % {"line": self.line}
        before = ngettext(
            "The %(rows)d entry before it is in order.",
            "The %(rows)d entries before it are in order.",
            self.rows,
        ) % {"rows": self.rows}
        return _("Error %(where)s: %(reason)s. %(before)s") % {
            "where": where,
            "reason": self.reason,
            "before": before,
        }


class Gaps:
    """Runs of rows the retention purge removed, as attested by checkpoint rows."""

    def __init__(self):
        self._by_last = {}

    def add_checkpoint(self, details: Mapping):
        for first, last, last_hash in details.get("gaps", []):
            self._by_last[int(last)] = (int(first), last_hash)

    def runs(self) -> list[list]:
        """The runs as ``[first, last, hash of last]``, as checkpoints list them."""
        return [[first, last, h] for last, (first, h) in sorted(self._by_last.items())]

    def merge(self, other: "Gaps"):
        self._by_last.update(other._by_last)

    def bridge(self, after_seq: int, before_seq: int) -> str | None:
        """The attested hash of row ``before_seq - 1`` if every row between is a purged one.

        A run may begin before ``after_seq``: verifying from a signed checkpoint whose own
        row was purged since starts inside that run.
        """
        cursor = before_seq - 1
        attested = self._by_last.get(cursor)
        if attested is None:
            return None
        while cursor > after_seq:
            run = self._by_last.get(cursor)
            if run is None:
                return None
            cursor = run[0] - 1
        return attested[1] if cursor <= after_seq else None

    def purged(self, seq: int, row_hash: str) -> bool:
        """Whether row ``seq`` lies in an attested run (and, if it ends one, has its hash)."""
        for last, (first, last_hash) in self._by_last.items():
            if first <= seq <= last:
                return seq != last or row_hash == last_hash
        return False


def verify(
    rows: Iterable[Mapping],
    gaps: Gaps,
    *,
    anchored: bool = True,
    signed: Mapping[int, str] | None = None,
    start: tuple[int, str] | None = None,
) -> Verdict:
    """Check every link and every row's own hash; name the first row that fails.

    ``rows`` are exported rows in ``seq`` order. ``anchored`` means the rows start at the
    beginning of the log (the database, a full export); an export of a date range starts
    mid-chain, so its first ``prev_hash`` is taken as given (compare it with the previous
    export's last ``hash``). ``start`` (seq, hash) anchors the rows at a signed checkpoint
    instead of the beginning. A row whose seq is in ``signed`` must have the hash named
    there: that is what a recomputed chain cannot fake.
    """
    signed = signed or {}
    count, (prev_seq, prev_hash) = 0, start or (0, GENESIS)
    for row in rows:
        seq = int(row["seq"])
        if count == 0 and not anchored and start is None:
            expected = row["prev_hash"]
        elif seq == prev_seq + 1:
            expected = prev_hash
        else:
            expected = gaps.bridge(prev_seq, seq)
            if expected is None:
                missing = _("entries no. %(first)d to %(last)d are missing") % {
                    "first": prev_seq + 1,
                    "last": seq - 1,
                }
                return Verdict(False, count, seq, missing)
        if row["prev_hash"] != expected:
            reason = _("the “previous hash” does not match the entry before")
            return Verdict(False, count, seq, reason)
        if link_hash(row["prev_hash"], row) != row["hash"]:
            reason = _("the content does not match its hash, the entry was changed")
            return Verdict(False, count, seq, reason)
        if signed.get(seq, row["hash"]) != row["hash"]:
            reason = _("the entry differs from what the signed checkpoint attests")
            return Verdict(False, count, seq, reason)
        count, prev_seq, prev_hash = count + 1, seq, row["hash"]
    return Verdict(True, count)


def database_rows(batch: int = 500, **filters) -> Iterable[dict]:
    """Exported rows from the database in ``seq`` order, a keyset page at a time.

    Keyset paging keeps memory flat and needs no server-side cursor, so the same code
    streams 10,000 or 10 million rows on SQLite and PostgreSQL alike.
    """
    last = 0
    while True:
        page = list(
            ConsentEvent.objects.filter(seq__gt=last, **filters)
            .order_by("seq")
            .values(*CONTENT_FIELDS, *CHAIN_FIELDS)[:batch]
        )
        if not page:
            return
        for row in page:
            yield exported(row)
        last = page[-1]["seq"]


def checkpoint_gaps() -> Gaps:
    gaps = Gaps()
    for details in ConsentEvent.objects.filter(action=ConsentEvent.Action.CHECKPOINT).values_list(
        "details", flat=True
    ):
        gaps.add_checkpoint(details)
    return gaps
