"""Consent log exports (CSV, JSON Lines) that an auditor can verify without our software.

Exports are generators of text lines: the admin streams them as a response and the
management command writes them to a file, a page of rows at a time, so memory stays flat
however long the log is. Every export starts with a header that says how to verify it and
lists the gaps the retention purge left (see ``subscribers.chain``).
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from titz_broadcast import csvsafe

from . import chain
from .models import ConsentEvent

# Format 2: CSV cells are escaped against formula injection (``titz_broadcast.csvsafe``),
# and message_id holds a keyed hash of Meta's id, never the id (which encodes the number;
# the upgrade re-chained the log, see subscribers/migrations/0004_hash_message_ids.py).
# Format 1 exports (no escaping) still verify: ``read`` un-escapes format 2 only.
FORMAT = "titz-consent-log/2"
UNESCAPED_FORMATS = ("titz-consent-log/1",)
FORMATS = ("csv", "jsonl")
COLUMNS = chain.CONTENT_FIELDS + chain.CHAIN_FIELDS
HOW_TO_VERIFY = (
    "Each row: hash = SHA-256 over the UTF-8 bytes of prev_hash followed by the row's "
    "canonical JSON, i.e. the fields seq (integer), occurred_at, action, subscriber_code, "
    "number_hash, user_id_hash, source, message_id, keyword, actor (strings) and details "
    "(object), keys sorted, separators ',' and ':', no ASCII escaping. prev_hash is the hash "
    "of the row before (64 zeros before the first row of the log). Rows removed by the "
    "retention purge appear in 'gaps' as [first_seq, last_seq, hash of last_seq]. "
    "message_id is a keyed hash of WhatsApp's message id. A 'checkpoint' row with "
    "details.rechained records the upgrade that re-chained the log; its previous_head is "
    "the [seq, hash] an export made before that upgrade ends with. "
    "CSV only: a cell that begins with ', =, +, -, @, a tab or a carriage return is written "
    "with one ' in front, so that spreadsheets do not run it as a formula; remove that one "
    "leading ' from such a cell before hashing. "
    "Tool: python manage.py verify_consent_log FILE"
)


def seq_range(start: date | None, end: date | None) -> dict:
    """Filters for the contiguous stretch of the chain from ``start`` to ``end`` (inclusive).

    By sequence, not by time: an event's time is when the resident wrote, and Meta may
    deliver it late, so a time filter could cut holes into the chain.
    """
    filters = {}
    if start:
        first = _first_seq(occurred_at__gte=_midnight(start))
        filters["seq__gte"] = first if first is not None else 0
    if end:
        last = _last_seq(occurred_at__lt=_midnight(end + timedelta(days=1)))
        filters["seq__lte"] = last if last is not None else -1
    return filters


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _first_seq(**filters):
    return (
        ConsentEvent.objects.filter(**filters).order_by("seq").values_list("seq", flat=True).first()
    )


def _last_seq(**filters):
    return (
        ConsentEvent.objects.filter(**filters)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )


def header(start: date | None, end: date | None) -> dict:
    gaps = []
    for details in ConsentEvent.objects.filter(action=ConsentEvent.Action.CHECKPOINT).values_list(
        "details", flat=True
    ):
        gaps += details.get("gaps", [])
    return {
        "format": FORMAT,
        "exported_at": chain.format_time(timezone.now()),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        # A range starts mid-chain: its first prev_hash is the previous export's last hash.
        "anchored": start is None,
        "gaps": gaps,
        "verify": HOW_TO_VERIFY,
    }


def lines(fmt: str, start: date | None = None, end: date | None = None) -> Iterator[str]:
    meta = header(start, end)
    rows = chain.database_rows(**seq_range(start, end))
    return csv_lines(meta, rows) if fmt == "csv" else jsonl_lines(meta, rows)


def _details(row: dict) -> str:
    return json.dumps(row["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def csv_lines(meta: dict, rows: Iterable[dict]) -> Iterator[str]:
    yield f"# {FORMAT}\n"
    yield f"# {HOW_TO_VERIFY}\n"
    yield f"# meta: {json.dumps(meta, ensure_ascii=False)}\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = (_details(row) if name == "details" else row[name] for name in COLUMNS)
        writer.writerow([csvsafe.escape(cell) for cell in cells])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(meta: dict, rows: Iterable[dict]) -> Iterator[str]:
    yield json.dumps({"header": meta}, ensure_ascii=False) + "\n"
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


class Unreadable(ValueError):
    """A line of an export that is not valid CSV/JSON for a row (damaged or edited)."""


def read(stream: io.TextIOBase) -> tuple[dict, Iterator[dict]]:
    """The header and rows of an export, in either format, read lazily."""
    first = stream.readline()
    if first.startswith("{"):
        return json.loads(first)["header"], _parsed(stream, json.loads)
    meta = None
    line = first
    while line.startswith("#"):
        if line.startswith("# meta: "):
            meta = json.loads(line.removeprefix("# meta: "))
        line = stream.readline()
    if meta is None:
        raise Unreadable("not a consent log export: the '# meta:' header line is missing")
    columns = next(csv.reader([line]))
    escaped = meta.get("format") not in UNESCAPED_FORMATS

    def parse(text):
        cells = next(csv.reader([text]))
        if escaped:
            cells = [csvsafe.unescape(cell) for cell in cells]
        row = dict(zip(columns, cells, strict=True))
        row["details"] = json.loads(row["details"])
        return row

    return meta, _parsed(stream, parse)


def _parsed(stream, parse) -> Iterator[dict]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = parse(line)
            int(row["seq"])
        except (ValueError, KeyError, TypeError, StopIteration) as error:
            raise Unreadable(f"row {number} after the header cannot be read ({error})") from None
        yield row


def verify_stream(stream: io.TextIOBase) -> chain.Verdict:
    """Verify an export; a damaged line counts as a broken chain at that line."""
    try:
        meta, rows = read(stream)
    except (ValueError, KeyError) as error:
        return chain.Verdict(False, 0, None, f"header cannot be read ({error})")
    gaps = chain.Gaps()
    gaps.add_checkpoint(meta)
    seen = {"rows": 0, "seq": 0}

    def counted():
        for row in rows:
            seen["rows"], seen["seq"] = seen["rows"] + 1, int(row["seq"])
            yield row

    try:
        return chain.verify(counted(), gaps, anchored=meta.get("anchored", True))
    except Unreadable as error:
        return chain.Verdict(False, seen["rows"], seen["seq"] + 1, str(error))
