"""``POST /<PHONE_NUMBER_ID>/media``: multipart upload checked against Meta's type/size limits.

Only the file's metadata is kept (id, MIME type, size, sha256): the app uploads an
announcement's image or PDF once and reuses the id for every recipient, which is what the
tests need to see; the bytes themselves are never shown by the simulator.
"""

import email.parser
import email.policy
import hashlib
import secrets
import time

from .errors import MetaError

MB = 1024 * 1024
# MIME type -> maximum size, from Meta's supported-media table.
LIMITS = {
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "application/pdf": 100 * MB,
    "text/plain": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
}
MAX_UPLOAD = max(LIMITS.values()) + MB


def _form_fields(content_type, body):
    """Parse multipart/form-data into {name: (filename, content_type, bytes)}."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise MetaError(100, "Media upload must be multipart/form-data.")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise MetaError(100, "Media upload must be multipart/form-data.")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[name] = (part.get_filename(), part.get_content_type(), payload)
    return fields


def parse_upload(content_type, body):
    """Validate an upload; return the media record (``id``, ``mime_type``, size, hash)."""
    fields = _form_fields(content_type, body)
    product = fields.get("messaging_product")
    if not product or product[2].decode(errors="replace").strip() != "whatsapp":
        raise MetaError(100, "The parameter messaging_product is required.")
    if "file" not in fields:
        raise MetaError(100, "The parameter file is required.")
    filename, part_type, data = fields["file"]
    declared = fields.get("type")
    mime = declared[2].decode(errors="replace").strip() if declared else part_type
    if mime not in LIMITS:
        raise MetaError(
            100, f"Param file must be a file with one of the supported types; got {mime}."
        )
    if not data:
        raise MetaError(100, "The parameter file must not be empty.")
    if len(data) > LIMITS[mime]:
        raise MetaError(131053, f"File of {len(data)} bytes exceeds {LIMITS[mime]} for {mime}.")
    return {
        "id": str(10**15 + secrets.randbelow(9 * 10**15)),
        "mime_type": mime,
        "file_size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": filename or "",
        "uploaded_at": time.time(),
    }
