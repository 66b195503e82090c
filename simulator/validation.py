"""Checks on a send request, in the order and with the codes the Cloud API uses.

The point is to fail where Meta fails: a backend that passes here builds requests Meta
accepts, and one that sends a wrong template parameter count learns it in a test, not
during the first real broadcast.
"""

import re

from . import catalog, interactive
from .errors import MetaError

SUPPORTED_TYPES = ("text", "template", "image", "document", "interactive")
TEXT_MAX = 4096
CALLBACK_DATA_MAX = 512
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-()]+$")
_BSUID = re.compile(r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")


def _required(name):
    return MetaError(100, f"The parameter {name} is required.")


def parse_send(body, *, strict_templates=True):
    """Validate a ``POST /messages`` body; return the message to record.

    The result holds the recipient (``to`` digits and/or BSUID ``user_id``), the type,
    what the phone shows (``rendered``) and the template/media details tests assert on.
    """
    if not isinstance(body, dict):
        raise MetaError(100, "Request body must be a JSON object.")
    if body.get("messaging_product") != "whatsapp":
        raise _required("messaging_product")
    record = {"callback_data": _callback_data(body), **_recipient(body)}
    kind = body.get("type", "text")
    if kind not in SUPPORTED_TYPES:
        raise MetaError(100, f"Param type must be one of {{{', '.join(SUPPORTED_TYPES)}}}.")
    record["type"] = kind
    try:
        if kind == "text":
            record.update(_text(body.get("text")))
        elif kind == "template":
            record.update(_template(body.get("template"), strict_templates))
        elif kind == "interactive":
            record.update(interactive.check(body.get("interactive")))
        else:
            record.update(_media(kind, body.get(kind)))
    except (AttributeError, TypeError) as exc:
        # A list where Meta expects an object, a number where it expects a string, ...
        raise MetaError(100, f"Invalid parameter in {kind}: {exc}") from exc
    return record


def _callback_data(body):
    data = body.get("biz_opaque_callback_data", "")
    if not isinstance(data, str) or len(data) > CALLBACK_DATA_MAX:
        raise MetaError(
            100, f"biz_opaque_callback_data must be a string of at most {CALLBACK_DATA_MAX}."
        )
    return data


def _recipient(body):
    """``to`` wins over ``recipient`` (a BSUID), as Meta documents for 2026."""
    to = body.get("to")
    if to:
        if not isinstance(to, str) or not _PHONE_CHARS.match(to):
            raise MetaError(100, "Invalid parameter: to")
        digits = re.sub(r"\D", "", to)
        if not 7 <= len(digits) <= 15:
            raise MetaError(100, "Invalid parameter: to")
        return {"input": to, "to": digits, "user_id": None}
    recipient = body.get("recipient")
    if recipient:
        if not isinstance(recipient, str) or not _BSUID.match(recipient):
            raise MetaError(100, "Invalid parameter: recipient")
        return {"input": recipient, "to": None, "user_id": recipient}
    raise _required("to")


def _text(text):
    if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
        raise _required("text['body']")
    if len(text["body"]) > TEXT_MAX:
        raise MetaError(100, f"Param text['body'] must be at most {TEXT_MAX} characters long.")
    return {"text": text["body"], "rendered": text["body"]}


def _media(kind, media):
    if not isinstance(media, dict) or not (media.get("id") or media.get("link")):
        raise MetaError(100, f"The parameter {kind}['id'] or {kind}['link'] is required.")
    details = {k: media[k] for k in ("id", "link", "caption", "filename") if media.get(k)}
    label = "Bild" if kind == "image" else "Dokument"
    name = details.get("filename") or details.get("id") or details.get("link")
    rendered = f"[{label}: {name}]"
    if details.get("caption"):
        rendered += f"\n{details['caption']}"
    return {"media": {"kind": kind, **details}, "rendered": rendered}


def _param_value(param):
    """Display value of a parameter; currency and date_time use Meta's fallback_value."""
    kind = param.get("type") if isinstance(param, dict) else None
    if kind == "text":
        return str(param.get("text", ""))
    if kind in ("currency", "date_time"):
        return str((param.get(kind) or {}).get("fallback_value", ""))
    if kind == "payload":
        return str(param.get("payload", ""))
    return ""


def _template(template, strict):
    if not isinstance(template, dict):
        raise _required("template")
    name = template.get("name")
    language = (template.get("language") or {}).get("code")
    if not name:
        raise _required("template['name']")
    if not language:
        raise _required("template['language']['code']")
    sent = {}
    for comp in template.get("components") or []:
        if isinstance(comp, dict) and comp.get("type") in ("header", "body"):
            sent[comp["type"]] = [p for p in comp.get("parameters") or [] if isinstance(p, dict)]
    body_params = [_param_value(p) for p in sent.get("body", [])]
    header_params = sent.get("header", [])
    header_media = next((p for p in header_params if p.get("type") in ("image", "document")), None)
    result = {
        "template": {
            "name": name,
            "language": language,
            "params": body_params,
            "header": header_media,
        },
    }
    known = catalog.find(name, language)
    if known is None or known["status"] != "APPROVED":
        if strict:
            raise MetaError(132001, f"template name ({name}) does not exist in {language}")
        result["rendered"] = f"[Vorlage {name}] " + " | ".join(body_params)
        return result
    if strict:
        _check_template_params(known, body_params, header_params, header_media)
    result["category"] = known["category"].lower()
    result["rendered"] = catalog.render(
        known, body_params, [_param_value(p) for p in header_params]
    )
    if header_media:
        kind = header_media["type"]
        attachment = _media(kind, header_media.get(kind))["rendered"]
        result["rendered"] = f"{attachment}\n{result['rendered']}"
    return result


def _check_template_params(known, body_params, header_params, header_media):
    body = catalog.component(known, "BODY")
    expected = catalog.placeholder_count(body["text"])
    if len(body_params) != expected:
        raise MetaError(
            132000,
            f"body: number of localizable_params ({len(body_params)}) does not match the "
            f"expected number of params ({expected})",
        )
    header = catalog.component(known, "HEADER")
    fmt = (header or {}).get("format")
    if fmt in ("IMAGE", "DOCUMENT"):
        wanted = fmt.lower()
        media = (header_media or {}).get(wanted) if header_media else None
        if not header_media or header_media["type"] != wanted or not media:
            raise MetaError(132012, f"header: Format mismatch, expected {fmt}")
        if not (media.get("id") or media.get("link")):
            raise MetaError(132012, f"header: {wanted} needs an id or a link")
    elif fmt == "TEXT":
        expected_header = catalog.placeholder_count(header.get("text"))
        if len(header_params) != expected_header:
            raise MetaError(
                132000,
                f"header: number of localizable_params ({len(header_params)}) does not "
                f"match the expected number of params ({expected_header})",
            )
