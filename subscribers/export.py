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
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from titz_broadcast import csvsafe

from . import chain, checkpoints, signing
from .models import ConsentEvent, SignedCheckpoint

# Format 4: the header carries signed checkpoints (``signing``; see
# ``subscribers.checkpoints``), one of them for the export's last row, and the public
# keys; only gaps a signed checkpoint attests are bridged. Formats 1 to 3 still verify,
# marked as not signed (on the server, against the stored log).
# Format 3: the CSV speaks German (column names, the words of "Vorgang" and "Weg", times
# in Europe/Berlin as ISO 8601 with offset); ``read`` turns a row back into the hashed
# content and refuses a cell that is not exactly what this export writes for it, so the
# readable file is as exact as the hashed one. JSON Lines keeps the hashed fields as they
# are (a machine format). Format 2: CSV cells are escaped against formula injection
# (``titz_broadcast.csvsafe``), and message_id holds a keyed hash of Meta's id, never the
# id (which encodes the number; see subscribers/migrations/0004_hash_message_ids.py).
# Format 1 exports (no escaping) still verify: ``read`` un-escapes format 2 and later only.
FORMAT = "titz-consent-log/4"
UNSIGNED_FORMATS = ("titz-consent-log/1", "titz-consent-log/2", "titz-consent-log/3")
UNESCAPED_FORMATS = ("titz-consent-log/1",)
CANONICAL_CSV_FORMATS = ("titz-consent-log/1", "titz-consent-log/2")
FORMATS = ("csv", "jsonl")
COLUMNS = chain.CONTENT_FIELDS + chain.CHAIN_FIELDS
LOCAL_TIME = ZoneInfo("Europe/Berlin")

# Frozen with the format, not translated: a file must read the same in every language,
# and the verifier must know these words itself. Were they taken from the file's header,
# whoever edits a file could swap "Anmeldung" and "Abmeldung" in header and rows alike.
GERMAN_COLUMNS = {
    "seq": "Nr.",
    "occurred_at": "Zeitpunkt",
    "action": "Vorgang",
    "source": "Weg",
    "subscriber_code": "Kennziffer",
    "keyword": "Stichwort",
    "actor": "Mitarbeiter",
    "number_hash": "Nummern-Hash",
    "user_id_hash": "Nutzer-ID-Hash",
    "message_id": "Nachrichten-ID (Hash)",
    "details": "Details",
    "prev_hash": "Vorheriger Hash",
    "hash": "Hash",
}
GERMAN_VALUES = {
    "action": {
        "opt_in": "Anmeldung",
        "opt_out": "Abmeldung",
        "identity_changed": "Nummernwechsel",
        "identity_linked": "Nummer und Nutzer-ID verknüpft",
        "checkpoint": "Prüfpunkt",
        "topics_changed": "Themenwahl geändert",
    },
    "source": {
        "keyword": "per WhatsApp-Nachricht",
        "list_reply": "per Auswahlliste in WhatsApp",
        "admin": "durch die Verwaltung",
        "user_changed_number": "WhatsApp: Nummer geändert",
        "user_changed_user_id": "WhatsApp: Nutzer-ID geändert",
        "inbound": "per WhatsApp-Nachricht mit Nummer und Nutzer-ID",
        "status": "per WhatsApp-Zustellbericht",
        "user_preferences": "WhatsApp-Einstellung „Stopp“",
        "meta_131050": "WhatsApp: Empfang abgelehnt",
        "retention": "Löschfrist abgelaufen",
        "migration": "Software-Aktualisierung",
        "demo_reset": "Demo zurückgesetzt",
    },
}
# Readable order: what happened first, the hashes last.
CSV_COLUMNS = tuple(GERMAN_COLUMNS)
HOW_TO_VERIFY = (
    "Prüfen: python manage.py verify_consent_log DATEI, oder im Verwaltungsbereich unter "
    "Einwilligungsprotokoll > Prüfen. Von Hand: Jede Zeile hat hash = SHA-256 über die "
    "UTF-8-Bytes von prev_hash, gefolgt vom kanonischen JSON der Zeile, d. h. den Feldern "
    "seq (Zahl), occurred_at, action, subscriber_code, number_hash, user_id_hash, source, "
    "message_id, keyword, actor (Texte) und details (Objekt), Schlüssel sortiert, "
    "Trennzeichen ',' und ':', keine ASCII-Maskierung. prev_hash ist der Hash der Zeile "
    "davor (64 Nullen vor der ersten Zeile des Protokolls). Von der Löschfrist entfernte "
    "Zeilen stehen in 'gaps' als [erste Nr., letzte Nr., Hash der letzten]. message_id ist "
    "ein verschlüsselter Hash der WhatsApp-Nachrichten-ID. Ein Prüfpunkt mit "
    "details.rechained hält die Aktualisierung fest, die die Kette neu berechnet hat; sein "
    "previous_head ist [Nr., Hash], mit dem ein älterer Export endet. "
    "Nur CSV: Die Spalten heißen deutsch (columns: Spaltenname -> Feld); Zeitpunkt ist "
    "Ortszeit Europe/Berlin (ISO 8601 mit Abstand zu UTC), für den Hash in UTC als "
    "JJJJ-MM-TTThh:mm:ss.ffffffZ zu schreiben; Vorgang und Weg stehen in Worten "
    "(values: Feld -> Wert -> Wort). Eine Zelle, die mit ', =, +, -, @, Tabulator oder "
    "Wagenrücklauf beginnt, trägt ein ' davor, damit Tabellenprogramme sie nicht als Formel "
    "ausführen; dieses eine ' vor dem Hashen entfernen. "
    "Signatur: signing.checkpoints enthält signierte Prüfpunkte; payload ist der signierte "
    "Text (JSON mit seq und hash der bestätigten Zeile, gaps: die bestätigten Lücken), "
    "signature die Ed25519-Signatur (Base64) über seine UTF-8-Bytes. Der öffentliche "
    "Schlüssel steht in signing.public_keys und auf der Seite Prüfen; vergleichen Sie ihn "
    "mit dem veröffentlichten. Die letzte Zeile der Datei muss die Nr. und den Hash eines "
    "signierten Prüfpunkts tragen, Lücken zählen nur, wenn ein signierter Prüfpunkt sie nennt."
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


def header(start: date | None, end: date | None, own=None) -> dict:
    """The export's header; ``own`` is the checkpoint signed for this export's last row."""
    gaps = []
    for details in ConsentEvent.objects.filter(action=ConsentEvent.Action.CHECKPOINT).values_list(
        "details", flat=True
    ):
        gaps += details.get("gaps", [])
    return {
        "format": FORMAT,
        "exported_at": timezone.now().astimezone(LOCAL_TIME).isoformat(timespec="seconds"),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        # A range starts mid-chain: its first prev_hash is the previous export's last hash.
        "anchored": start is None,
        "gaps": gaps,
        "verify": HOW_TO_VERIFY,
        "columns": {GERMAN_COLUMNS[name]: name for name in CSV_COLUMNS},
        "values": GERMAN_VALUES,
        "signing": {
            "public_keys": [key.described() for key in signing.trusted_keys()],
            "checkpoints": [
                checkpoints.described(checkpoint)
                for checkpoint in SignedCheckpoint.objects.filter(
                    kind__in=(SignedCheckpoint.Kind.RETENTION, SignedCheckpoint.Kind.FIRST)
                ).exclude(pk=own.pk if own else None)
            ]
            + ([checkpoints.described(own)] if own else []),
        },
        "bounds": bounds(),
    }


def bounds() -> dict:
    """What the log leaves out on purpose, with the live values (``services.opt_in_refused``,
    ``topics`` coalescing): an auditor must know why a resident's 20th "Start" is absent."""
    opt_ins, minutes = settings.OPT_INS_PER_DAY, settings.TOPIC_CHANGES_COALESCE_MINUTES
    return {
        "opt_ins_per_day": opt_ins,
        "topic_changes_coalesce_minutes": minutes,
        "rule": (
            (
                f"Je Person werden höchstens {opt_ins} Anmeldungen in 24 Stunden wirksam; "
                "weitere „Start“ werden abgelehnt, gezählt und nicht protokolliert. "
                if opt_ins > 0
                else "Anmeldungen sind nicht begrenzt. "
            )
            + "Abmeldungen sind nie begrenzt. "
            + (
                f"Themenwechsel innerhalb von {minutes:g} Minuten nach einem protokollierten "
                "werden zu einem Eintrag mit der endgültigen Wahl zusammengefasst "
                "(details.coalesced = Zahl der Wechsel)."
                if minutes > 0
                else "Jeder Themenwechsel ist ein eigener Eintrag."
            )
        ),
    }


def lines(fmt: str, start: date | None = None, end: date | None = None) -> Iterator[str]:
    """The export as text lines; signs its last row first (``checkpoints.NotSigned`` if the
    stored log does not match its checkpoints: the server signs no broken log)."""
    filters = seq_range(start, end)
    last = _last_seq(**filters)
    own = None
    if last is not None:
        own = checkpoints.sign(last, SignedCheckpoint.Kind.EXPORT)
        filters["seq__lte"] = last
    meta = header(start, end, own)
    rows = chain.database_rows(**filters)
    return csv_lines(meta, rows) if fmt == "csv" else jsonl_lines(meta, rows)


def _details(row: dict) -> str:
    return json.dumps(row["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def german_cells(row: dict) -> list[str]:
    """A hashed row as format 3 writes it: German words, local time, details as JSON."""
    cells = []
    for name in CSV_COLUMNS:
        value = row[name]
        if name == "details":
            value = _details(row)
        elif name == "occurred_at":
            value = _local_time(value)
        elif name == "seq":
            value = str(value)
        elif name in GERMAN_VALUES:
            value = GERMAN_VALUES[name].get(value, value)
        cells.append(value)
    return cells


def _local_time(utc_text: str) -> str:
    moment = datetime.strptime(utc_text, chain.TIME_FORMAT).replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME).isoformat(timespec="microseconds")


def _from_german(cells: dict) -> dict:
    """The hashed row behind a format 3 CSV row, or ``Unreadable`` if a cell was rewritten.

    Decoding is the reverse of ``german_cells``; encoding the result again must give the
    very cells read, so that every readable value in the file is covered by the hash.
    """
    row = {}
    for name in CSV_COLUMNS:
        value = cells[GERMAN_COLUMNS[name]]
        if name == "occurred_at":
            value = chain.format_time(datetime.fromisoformat(value))
        elif name in GERMAN_VALUES:
            words = {word: code for code, word in GERMAN_VALUES[name].items()}
            value = words.get(value, value)
        row[name] = value
    row["details"] = json.loads(row["details"])
    if german_cells(row) != [cells[GERMAN_COLUMNS[name]] for name in CSV_COLUMNS]:
        raise Unreadable(_("a cell is not written as the export writes it"))
    return row


def csv_lines(meta: dict, rows: Iterable[dict]) -> Iterator[str]:
    yield f"# {FORMAT}\n"
    yield f"# {HOW_TO_VERIFY}\n"
    yield f"# meta: {json.dumps(meta, ensure_ascii=False)}\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([GERMAN_COLUMNS[name] for name in CSV_COLUMNS])
    for row in rows:
        writer.writerow([csvsafe.escape(cell) for cell in german_cells(row)])
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


# What reading a damaged or crafted file can raise; each becomes a verdict, never a 500.
CRAFTED = (ValueError, KeyError, TypeError, AttributeError, IndexError, csv.Error, RecursionError)


class Rows:
    """The rows of an export, read lazily; ``line`` is the file line of the last one read."""

    def __init__(self, stream, parse, header_lines):
        self._stream, self._parse, self.line = stream, parse, header_lines

    def __iter__(self) -> Iterator[dict]:
        for text in self._stream:
            self.line += 1
            if not text.strip():
                continue
            try:
                row = self._parse(text)
                int(row["seq"])
                if not set(COLUMNS) <= row.keys():
                    raise KeyError("a field is missing")
            except Unreadable:
                raise
            except (*CRAFTED, StopIteration):
                raise Unreadable(_("the line cannot be read")) from None
            yield row


def read(stream: io.TextIOBase) -> tuple[dict, Rows]:
    """The header and rows of an export, in either format, read lazily."""
    first = stream.readline()
    if first.startswith("{"):
        return json.loads(first)["header"], Rows(stream, json.loads, 1)
    meta, line, consumed = None, first, 1
    while line.startswith("#"):
        if line.startswith("# meta: "):
            meta = json.loads(line.removeprefix("# meta: "))
        line, consumed = stream.readline(), consumed + 1
    if meta is None:
        raise Unreadable("the '# meta:' header line is missing")
    columns = next(csv.reader([line]))
    escaped = meta.get("format") not in UNESCAPED_FORMATS
    canonical = meta.get("format") in CANONICAL_CSV_FORMATS

    def parse(text):
        cells = next(csv.reader([text]))
        if escaped:
            cells = [csvsafe.unescape(cell) for cell in cells]
        row = dict(zip(columns, cells, strict=True))
        if not canonical:
            return _from_german(row)
        row["details"] = json.loads(row["details"])
        return row

    return meta, Rows(stream, parse, consumed)


def verify_stream(stream: io.TextIOBase, *, stored: bool = True) -> chain.Verdict:
    """Verify an export; a damaged line counts as a broken chain at that line.

    A signed file (format 4) is checked against the signed checkpoints it carries: their
    signatures, the hash each names for its row, the gaps they attest, and its last row
    must be one a checkpoint signed. ``stored`` (on the server) also checks every row
    against the stored log and bridges only gaps the stored log's checkpoints attest:
    a row the log does not hold, or a gap it did not sign, fails. Older formats still
    verify, marked as not signed.
    """
    try:
        meta, rows = read(stream)
        if not isinstance(meta, dict):
            raise Unreadable("the header is not an object")
        unsigned = meta.get("format") in UNSIGNED_FORMATS
        signed = {} if unsigned else (meta.get("signing") or {})
        attested = checkpoints.Attested.read(list(signed.get("checkpoints") or []))
        log = _StoredLog(rows, old_format=unsigned) if stored else None
        gaps = chain.Gaps()
        if log:
            gaps.merge(log.gaps)
        elif unsigned:
            gaps.add_checkpoint(meta)
        gaps.merge(attested.gaps)
    except checkpoints.NotSigned as refused:
        return refused.verdict
    except (*CRAFTED, StopIteration):
        reason = _("the file is not an export of the consent log (header lines missing)")
        return chain.Verdict(False, 0, None, reason)
    seen = {"rows": 0, "seq": 0, "hash": ""}

    source = log or rows

    def counted():
        for row in source:
            seen.update(rows=seen["rows"] + 1, seq=int(row["seq"]), hash=row["hash"])
            yield row

    try:
        verdict = chain.verify(
            counted(), gaps, anchored=meta.get("anchored", True), signed=attested.hashes
        )
    except Unreadable as error:
        return chain.Verdict(False, seen["rows"], seen["seq"] + 1, str(error), source.line)
    except UnicodeDecodeError:
        reason = _("the file is not a UTF-8 text file")
        return chain.Verdict(False, seen["rows"], seen["seq"] + 1, reason, source.line)
    except _NotInLog as missing:
        reason = _("the entry is not in the stored log, or differs from it")
        return chain.Verdict(False, seen["rows"], missing.seq, reason, source.line)
    except CRAFTED:  # a row of the right shape but impossible values (a crafted file)
        reason = _("the line cannot be read")
        return chain.Verdict(False, seen["rows"], seen["seq"] + 1, reason, source.line)
    if not verdict.ok:
        verdict.line = source.line
        return verdict
    if log and not log.explained((seen["seq"], seen["hash"])):
        reason = _("the entry is not in the stored log, or differs from it")
        return chain.Verdict(False, seen["rows"], log.differing, reason, source.line)
    if not unsigned and seen["rows"] and attested.hashes.get(seen["seq"]) != seen["hash"]:
        reason = _("the last entries are not covered by a signed checkpoint")
        return chain.Verdict(False, seen["rows"], seen["seq"], reason, source.line)
    verdict.signed = not unsigned
    sentences = [
        _("Not signed: the file has an older format without signed checkpoints.")
        if unsigned
        else attested.sentence()
    ]
    if log and log.differing:
        sentences.append(
            _("The file ends where the log stood before a software update re-hashed it.")
        )
    elif log:
        sentences.append(_("Every entry matches the stored log."))
    verdict.signature = " ".join(sentences)
    return verdict


class _NotInLog(Exception):
    def __init__(self, seq):
        self.seq = seq


class _StoredLog:
    """The stored log as an uploaded file is compared with it, a page of rows at a time.

    ``line`` is the file line of the row last handed on (the file is read a page ahead).
    """

    PAGE = 500

    def __init__(self, rows: Rows, *, old_format: bool):
        attested = checkpoints.Attested.stored()
        self.gaps = attested.gaps if attested.count else chain.checkpoint_gaps()
        self.rows, self.line = rows, rows.line
        # An export older than the update that re-hashed the log (migration 0004) ends at
        # the head that update recorded; its rows differ from the stored ones by design.
        self.previous_heads = (
            {
                tuple(details["rechained"]["previous_head"])
                for details in ConsentEvent.objects.filter(
                    action=ConsentEvent.Action.CHECKPOINT, source="migration"
                ).values_list("details", flat=True)
                if "rechained" in details
            }
            if old_format
            else set()
        )
        self.differing = None  # the first row that differs, while an old head may explain it

    def explained(self, last: tuple[int, str]) -> bool:
        """No row differed, or the file ends at the head a re-hashing update recorded."""
        return self.differing is None or last in self.previous_heads

    def __iter__(self) -> Iterator[dict]:
        page = []
        try:
            for row in self.rows:
                page.append((row, self.rows.line))
                if len(page) == self.PAGE:
                    yield from self._check(page)
                    page = []
        except (Unreadable, UnicodeDecodeError):
            yield from self._check(page)  # the rows before the damaged line come first
            self.line = self.rows.line
            raise
        yield from self._check(page)

    def _check(self, page: list[tuple[dict, int]]) -> Iterator[dict]:
        stored = dict(
            ConsentEvent.objects.filter(
                seq__in=[int(row["seq"]) for row, _line in page]
            ).values_list("seq", "hash")
        )
        for row, line in page:
            self.line = line
            seq = int(row["seq"])
            if stored.get(seq) != row["hash"] and not (
                seq not in stored and self.gaps.purged(seq, row["hash"])
            ):
                if not self.previous_heads or seq > max(head for head, _ in self.previous_heads):
                    raise _NotInLog(self.differing or seq)
                self.differing = self.differing or seq
            yield row
