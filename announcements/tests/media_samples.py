"""Real files for the media tests: images made with Pillow, PDFs with correct offsets.

The PDF builder writes what producers write (objects, a classic cross-reference table or a
compressed cross-reference stream with object streams), so the checks are tested against
structure a reader would accept, not against strings that merely look like a PDF.
"""

import io
import os
import zlib

from PIL import Image


def png(width=64, height=48, color=(7, 94, 84)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def noisy_png(megabytes):
    """A PNG of random pixels, which does not compress: about ``megabytes`` big."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def jpeg(width=64, height=48, exif=None, comment=b""):
    out = io.BytesIO()
    options = {"quality": 85, "comment": comment}
    if exif is not None:
        options["exif"] = exif
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", **options)
    return out.getvalue()


PAGE_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
]


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


CONTENT = stream(b"BT /F1 24 Tf 72 720 Td (Sperrung der Landstrasse) Tj ET")


def pdf(objects=None, trailer=b""):
    """A PDF of ``objects`` (object 1 is the catalog) with a classic xref table."""
    objects = [*PAGE_OBJECTS, CONTENT] if objects is None else objects
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_with_object_stream(compressed, catalog=PAGE_OBJECTS[0]):
    """Catalog and pages as plain objects, ``compressed`` (numbered from 5) in an object
    stream, and a cross-reference stream with a PNG "Up" predictor, as Acrobat writes."""
    plain = [catalog, *PAGE_OBJECTS[1:], CONTENT]
    first_compressed = len(plain) + 1
    header, body = b"", b""
    for index, item in enumerate(compressed):
        header += b"%d %d " % (first_compressed + index, len(body))
        body += item + b"\n"
    objstm_number = first_compressed + len(compressed)
    packed = zlib.compress(header + body)
    objstm = b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>" % (
        len(compressed),
        len(header),
        len(packed),
    )
    objstm += b"\nstream\n" + packed + b"\nendstream"

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    rows = [(0, 0, 65535)]
    for number, obj in enumerate([*plain], start=1):
        rows.append((1, len(out), 0))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    rows += [(2, objstm_number, index) for index in range(len(compressed))]
    rows.append((1, len(out), 0))
    out += b"%d 0 obj\n%s\nendobj\n" % (objstm_number, objstm)
    xref_number = objstm_number + 1
    rows.append((1, len(out), 0))
    raw, previous = b"", bytes(7)
    for kind, field2, field3 in rows:
        row = bytes([kind]) + field2.to_bytes(4, "big") + field3.to_bytes(2, "big")
        raw += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
        previous = row
    packed = zlib.compress(raw)
    xref_offset = len(out)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/DecodeParms << /Predictor 12 /Columns 7 >> /Length %d >>\nstream\n"
        % (xref_number, xref_number + 1, len(packed))
    )
    out += packed + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def pillow_pdf():
    """A PDF as Pillow's PDF writer makes it (a real producer, with a JPEG inside)."""
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(out, "PDF")
    return out.getvalue()
