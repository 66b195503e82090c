"""Structural check of an uploaded PDF: well-formed, unencrypted, and without scripts.

A search of the raw bytes for "/JavaScript" is both too weak and too strong: names can be
spelled with #-escapes (``/J#53``), dictionaries can sit compressed inside object streams,
and the same letters turn up by chance in image data and in text. So this reads the file
the way a PDF reader does: tokens outside strings, comments and stream data, with stream
data skipped by its /Length and object streams (compressed objects) decoded and read too.
Every name token is checked. Finally the cross-reference table, which tells a reader where
each object is, must point only at objects this walk saw: nothing can hide in skipped data.

What cannot be checked this way (encryption, unusual filters on object streams, damaged
cross-references) is refused rather than let through; the person uploading is told to
save the PDF again, which normally produces a plain file.
"""

import re
import zlib

# Actions that run code: JavaScript (also behind /OpenAction and /AA, which only point at
# an action dictionary carrying one of these) and /Launch, which starts a program.
FORBIDDEN_NAMES = {b"JavaScript", b"JS", b"Launch"}
# Decoded object and cross-reference streams are small; a bigger one is refused unread.
MAX_DECODED_STREAM = 64 * 1024 * 1024
TRAILER_WINDOW = 1024  # %%EOF must be this close to the end

_TOKEN = re.compile(
    rb"(?P<ws>[\x00\t\n\x0c\r ]+)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|(?P<dopen><<)"
    rb"|(?P<dclose>>>)"
    rb"|(?P<hex><[^<>]*>)"
    rb"|(?P<aopen>\[)"
    rb"|(?P<aclose>\])"
    rb"|(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<string>\()"
    rb"|(?P<regular>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)"
    rb"|(?P<other>.)",
    re.DOTALL,
)
_INT = re.compile(rb"[+-]?\d+\Z")
_REAL = re.compile(rb"[+-]?(\d+\.\d*|\.\d+)\Z")
_STRING_CHARS = re.compile(rb"[()\\]")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_WHITESPACE = b"\x00\t\n\x0c\r "
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_XREF_SUBSECTION = re.compile(rb"\s*(\d+)\s+(\d+)")
_XREF_ENTRY = re.compile(rb"\s*(\d{1,10})\s+(\d{1,5})\s+([nf])")


class PDFRejected(Exception):
    """Why the PDF is refused: "broken", "script", "encrypted" or "unchecked"."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class Name(bytes):
    """A PDF name, #-escapes decoded (``/J#53`` is ``JS``)."""


class Keyword(bytes):
    """A bare word: obj, endobj, stream, R, true, null, ..."""


class Ref(tuple):
    """An indirect reference ``N G R``."""


def _broken(detail):
    return PDFRejected("broken", detail)


class _Reader:
    """Tokens and values of a byte range; raises PDFRejected on a forbidden name."""

    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def token(self):
        """The next (kind, value, start) that carries meaning, or None at the end."""
        data = self.data
        while self.pos < self.end:
            match = _TOKEN.match(data, self.pos, self.end)
            start, self.pos, kind = match.start(), match.end(), match.lastgroup
            if kind in ("ws", "comment", "other"):
                continue
            text = match.group()
            if kind == "string":
                self._skip_string()
                return "string", b"", start
            if kind == "name":
                name = Name(_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), text[1:]))
                if name in FORBIDDEN_NAMES:
                    raise PDFRejected("script", name.decode("latin-1"))
                if name == b"Encrypt":
                    raise PDFRejected("encrypted")
                return "name", name, start
            if kind == "regular":
                if _INT.match(text):
                    return "value", int(text), start
                if _REAL.match(text):
                    return "value", float(text), start
                return "keyword", Keyword(text), start
            return kind, text, start
        return None

    def _skip_string(self):
        depth = 1
        while depth:
            match = _STRING_CHARS.search(self.data, self.pos, self.end)
            if match is None:
                raise _broken("unterminated string")
            self.pos = match.end()
            char = match.group()
            if char == b"\\":
                self.pos += 1
            else:
                depth += 1 if char == b"(" else -1

    def value(self, token):
        """The value a token starts; dictionaries and arrays are read to their end."""
        kind, value, _start = token
        if kind == "dopen":
            items = self._items("dclose")
            if len(items) % 2 or not all(isinstance(key, Name) for key in items[::2]):
                raise _broken("dictionary keys and values do not pair up")
            return {items[i]: items[i + 1] for i in range(0, len(items), 2)}
        if kind == "aopen":
            return self._items("aclose")
        return value

    def _items(self, closing):
        items = []
        while True:
            token = self.token()
            if token is None:
                raise _broken("unterminated dictionary or array")
            if token[0] == closing:
                return items
            if token[0] == "keyword" and token[1] in (b"obj", b"endobj", b"stream"):
                raise _broken("object keyword inside a dictionary or array")
            if token[0] in ("dclose", "aclose"):
                raise _broken("mismatched brackets")
            item = self.value(token)
            if item == b"R" and isinstance(item, Keyword) and len(items) >= 2:
                number, generation = items[-2], items[-1]
                if _is_int(number) and _is_int(generation):
                    items[-2:] = [Ref((number, generation))]
                    continue
            items.append(item)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _skip_whitespace(data, pos):
    while pos < len(data) and data[pos] in _WHITESPACE:
        pos += 1
    return pos


def _stream_data_start(data, pos):
    """Stream data begins after the EOL that follows the "stream" keyword."""
    if data.startswith(b"\r\n", pos):
        return pos + 2
    if data[pos : pos + 1] in (b"\n", b"\r"):
        return pos + 1
    return pos


def _stream_data_end(data, start, length):
    """Where the data ends: at /Length if "endstream" follows it, else at "endstream"."""
    if _is_int(length) and 0 <= length <= len(data) - start:
        after = _skip_whitespace(data, start + length)
        if data.startswith(b"endstream", after):
            return start + length, after + len(b"endstream")
    found = data.find(b"endstream", start)
    if found < 0:
        raise _broken("stream without endstream")
    return found, found + len(b"endstream")


def _decode(dictionary, raw):
    """The decoded data of an object or cross-reference stream (Flate and PNG predictors)."""
    filters = dictionary.get(b"Filter")
    parms = dictionary.get(b"DecodeParms")
    filters = filters if isinstance(filters, list) else [] if filters is None else [filters]
    parms = parms if isinstance(parms, list) else [parms]
    if not filters:
        return raw
    if filters != [b"FlateDecode"] or not isinstance(parms[0], dict | type(None)):
        raise PDFRejected("unchecked", "filter")
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_DECODED_STREAM)
    except zlib.error as error:
        raise _broken("bad compressed stream") from error
    if inflater.unconsumed_tail:
        raise PDFRejected("unchecked", "stream too large")
    return _unpredict(data, parms[0] or {})


def _unpredict(data, parms):
    predictor = parms.get(b"Predictor", 1)
    if predictor == 1:
        return data
    if not (_is_int(predictor) and 10 <= predictor <= 15):
        raise PDFRejected("unchecked", "predictor")
    colors, bits, columns = (
        parms.get(k, d) for k, d in ((b"Colors", 1), (b"BitsPerComponent", 8), (b"Columns", 1))
    )
    if not all(_is_int(v) and v > 0 for v in (colors, bits, columns)):
        raise _broken("predictor parameters")
    pixel = max(1, colors * bits // 8)
    width = (colors * bits * columns + 7) // 8
    out, previous = bytearray(), bytearray(width)
    for row_start in range(0, len(data), width + 1):
        kind, row = data[row_start], bytearray(data[row_start + 1 : row_start + 1 + width])
        row.extend(bytes(width - len(row)))
        for i in range(width):
            left = row[i - pixel] if i >= pixel else 0
            up, up_left = previous[i], previous[i - pixel] if i >= pixel else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                a, b, c = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                row[i] = (
                    row[i] + (left if a <= b and a <= c else up if b <= c else up_left)
                ) & 0xFF
            elif kind != 0:
                raise _broken("predictor row type")
        out += row
        previous = row
    return bytes(out)


class _Walk:
    """One pass over the whole file: where objects start; object streams decoded and read.

    Other stream data (images, fonts, page contents) is skipped: a reader never takes
    dictionaries from it, and its bytes would only give false alarms.
    """

    def __init__(self, data, offsets):
        self.data = data
        self.offsets = offsets  # object number -> offset, for indirect /Length
        self.object_starts = {}  # offset -> object number
        self.object_streams = set()  # object numbers of decoded object streams

    def run(self):
        reader = _Reader(self.data)
        recent = []  # the last values at the top level, with their offsets
        current = None  # (number, offset) of the object being read
        while (token := reader.token()) is not None:
            kind, value, start = token
            if kind == "keyword" and value == b"obj":
                if len(recent) < 2 or not all(_is_int(v) for v, _ in recent[-2:]):
                    raise _broken("obj without number")
                current = (recent[-2][0], recent[-2][1])
                self.object_starts[current[1]] = current[0]
                recent = []
            elif kind == "keyword" and value == b"stream":
                if not recent or not isinstance(recent[-1][0], dict) or current is None:
                    raise _broken("stream without dictionary")
                reader.pos = self._stream(recent[-1][0], current, reader.pos)
                recent = []
            elif kind == "keyword" and value == b"endobj":
                current, recent = None, []
            else:
                recent = [*recent[-2:], (reader.value(token), start)]
        return self

    def _stream(self, dictionary, current, pos):
        start = _stream_data_start(self.data, pos)
        end, after = _stream_data_end(self.data, start, self._length(dictionary))
        if dictionary.get(b"Type") == b"ObjStm" or (b"N" in dictionary and b"First" in dictionary):
            # The compressed objects are ordinary dictionaries and values: read their names.
            decoded = _decode(dictionary, self.data[start:end])
            reader = _Reader(decoded)
            while (token := reader.token()) is not None:
                if token[0] == "keyword" and token[1] in (b"obj", b"stream"):
                    raise _broken("object keyword inside an object stream")
                reader.value(token)
            self.object_streams.add(current[0])
        return after

    def _length(self, dictionary):
        length = dictionary.get(b"Length")
        if isinstance(length, Ref) and length[0] in self.offsets:
            reader = _Reader(self.data, self.offsets[length[0]])
            tokens = [reader.token() for _ in range(4)]
            if None not in tokens and tokens[2][1] == b"obj" and _is_int(tokens[3][1]):
                return tokens[3][1]
        return length


def _startxref(data):
    tail_start = max(0, len(data) - TRAILER_WINDOW)
    if data.rfind(b"%%EOF", tail_start) < 0:
        raise _broken("no %%EOF at the end")
    matches = list(_STARTXREF.finditer(data, max(0, tail_start - 64)))
    if not matches:
        raise _broken("no startxref")
    return int(matches[-1].group(1))


def _read_object_at(data, offset):
    """The dictionary and raw stream of the object at ``offset`` (a cross-reference stream)."""
    reader = _Reader(data, offset)
    tokens = [reader.token() for _ in range(3)]
    if None in tokens or tokens[2][1] != b"obj":
        raise _broken("startxref points nowhere")
    dictionary = reader.value(reader.token() or ("", None, 0))
    keyword = reader.token()
    if not isinstance(dictionary, dict) or keyword is None or keyword[1] != b"stream":
        raise _broken("not a cross-reference stream")
    start = _stream_data_start(data, reader.pos)
    end, _after = _stream_data_end(data, start, dictionary.get(b"Length"))
    return dictionary, _decode(dictionary, data[start:end])


def _table_section(data, pos):
    """Entries and trailer of a classic "xref" table at ``pos``."""
    entries, pos = [], pos + len(b"xref")
    while True:
        after = _skip_whitespace(data, pos)
        if data.startswith(b"trailer", after):
            break
        header = _XREF_SUBSECTION.match(data, pos)
        if header is None:
            raise _broken("bad xref subsection")
        first, count = int(header.group(1)), int(header.group(2))
        pos = header.end()
        for number in range(first, first + count):
            entry = _XREF_ENTRY.match(data, pos)
            if entry is None:
                raise _broken("bad xref entry")
            pos = entry.end()
            if entry.group(3) == b"n":
                entries.append((1, number, int(entry.group(1))))
    reader = _Reader(data, after + len(b"trailer"))
    trailer = reader.value(reader.token() or ("", None, 0))
    if not isinstance(trailer, dict):
        raise _broken("bad trailer")
    return entries, trailer


def _stream_section(dictionary, decoded):
    """Entries of a cross-reference stream: (type, object number, offset or stream)."""
    widths, size = dictionary.get(b"W"), dictionary.get(b"Size")
    if not (isinstance(widths, list) and len(widths) == 3 and all(map(_is_int, widths))):
        raise _broken("bad /W")
    index = dictionary.get(b"Index", [0, size])
    if not (isinstance(index, list) and len(index) % 2 == 0 and all(map(_is_int, index))):
        raise _broken("bad /Index")
    entries, pos, row = [], 0, sum(widths)
    for first, count in zip(index[::2], index[1::2], strict=True):
        for number in range(first, first + count):
            if pos + row > len(decoded):
                raise _broken("short cross-reference stream")
            fields, cursor = [], pos
            for width in widths:
                fields.append(int.from_bytes(decoded[cursor : cursor + width], "big"))
                cursor += width
            pos = cursor
            kind = fields[0] if widths[0] else 1
            if kind in (1, 2):
                entries.append((kind, number, fields[1]))
    return entries


def _cross_references(data):
    """Every in-use entry of every cross-reference section, newest first."""
    pending, seen, entries = [_startxref(data)], set(), []
    while pending:
        offset = pending.pop()
        if offset in seen:
            continue
        seen.add(offset)
        if not 0 <= offset < len(data):
            raise _broken("cross-reference offset outside the file")
        pos = _skip_whitespace(data, offset)
        if data.startswith(b"xref", pos):
            section, trailer = _table_section(data, pos)
            more = [trailer.get(b"XRefStm"), trailer.get(b"Prev")]
        else:
            dictionary, decoded = _read_object_at(data, pos)
            if dictionary.get(b"Type") != b"XRef":
                raise _broken("startxref points at no cross-reference")
            section, more = _stream_section(dictionary, decoded), [dictionary.get(b"Prev")]
        entries += section
        pending += [value for value in more if _is_int(value)]
    return entries


def check_pdf(data):
    """Raise PDFRejected unless ``data`` is a well-formed PDF without scripts."""
    if not re.match(rb"%PDF-\d\.\d", data):
        raise _broken("no %PDF- header")
    try:
        entries = _cross_references(data)
        offsets = {}
        for kind, number, where in entries:
            if kind == 1:
                offsets.setdefault(number, where)
        walk = _Walk(data, offsets).run()
    except RecursionError:  # arrays nested thousands deep: no real PDF does that
        raise _broken("nested too deeply") from None
    for kind, number, where in entries:
        if kind == 1 and _skip_whitespace(data, where) not in walk.object_starts:
            raise _broken(f"object {number} is not where the cross-reference says")
        if kind == 2 and where not in walk.object_streams:
            raise _broken(f"object {number} is in an object stream that was not read")
