"""The interface every backend offers, and the logic they share.

The base class validates arguments and builds the Cloud API request body, so every
backend records or sends exactly what Meta would receive. A subclass fills in the steps
that differ: ``deliver`` (send one built message), ``upload_media`` and ``list_templates``.
Adding another provider means one new module with those three methods. The base class
also replaces the provider's message id with its keyed hash (``ids``) before anyone else
sees it: a wamid encodes the recipient's number.
"""

import dataclasses
import re

from django.utils.translation import gettext_lazy as _

from ..exceptions import RecipientError, RequestError
from ..ids import message_key
from ..numbers import is_bsuid
from ..outbound import SendResult, TemplateInfo

MAX_CALLBACK_DATA = 512  # Meta's documented limit for biz_opaque_callback_data
MAX_TEXT_BODY = 4096
HEADER_TYPES = frozenset({"image", "document", "video"})
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


class BaseBackend:
    def send_text(self, to, body, *, callback_data="", preview_url=False) -> SendResult:
        """Send free-form text; only allowed inside the resident's 24 h service window."""
        if not body or len(body) > MAX_TEXT_BODY:
            raise RequestError(
                f"text body must have 1 to {MAX_TEXT_BODY} characters, has {len(body or '')}",
                code=None,
                explanation=str(_("The text is empty or longer than 4096 characters.")),
            )
        payload = self._envelope(to, "text", callback_data)
        payload["text"] = {"body": body, "preview_url": bool(preview_url)}
        return self._send(to, payload)

    def send_interactive(self, to, interactive, *, callback_data="") -> SendResult:
        """Send a list or reply-button message (``whatsapp.interactive``); 24 h window only."""
        payload = self._envelope(to, "interactive", callback_data)
        payload["interactive"] = interactive
        return self._send(to, payload)

    def send_template(
        self,
        to,
        name,
        language,
        *,
        body_params=(),
        header=None,
        callback_data="",
        marketing=False,
    ) -> SendResult:
        """Send an approved template; ``body_params`` fill ``{{1}}``, ``{{2}}``, ... in order.

        ``marketing``: the template's category is MARKETING, which Meta wants sent through
        its Marketing Messages API (``/marketing_messages``), every other one through
        ``/messages``; the body is the same.
        """
        payload = self._envelope(to, "template", callback_data)
        payload["template"] = template_object(name, language, body_params, header)
        return self._send(to, payload, marketing=marketing)

    def _send(self, to, payload, *, marketing=False):
        result = self.deliver(to, payload, marketing=marketing)
        return dataclasses.replace(result, message_id=message_key(result.message_id))

    def _envelope(self, to, message_type, callback_data):
        # Phone numbers get "+" so Meta never prepends the business number's country code;
        # BSUIDs go into "recipient", as Meta documents for username users.
        if to.isdigit() and 7 <= len(to) <= 15:
            payload = {"messaging_product": "whatsapp", "recipient_type": "individual"}
            payload["to"] = "+" + to
        elif is_bsuid(to):
            payload = {"messaging_product": "whatsapp", "recipient_type": "individual"}
            payload["recipient"] = to
        else:
            raise RecipientError(
                "recipient is neither E.164 digits nor a BSUID",
                explanation=str(_("The recipient ID is invalid.")),
            )
        payload["type"] = message_type
        if callback_data:
            if len(callback_data) > MAX_CALLBACK_DATA:
                raise RequestError(
                    f"callback_data longer than {MAX_CALLBACK_DATA} characters",
                    explanation=str(_("Internal tracking data is too long (max. 512 characters).")),
                )
            payload["biz_opaque_callback_data"] = callback_data
        return payload

    # --- the steps a backend fills in -------------------------------------------------

    def deliver(self, to, payload, *, marketing=False) -> SendResult:
        """Send one message whose Cloud API body is ``payload``; the provider's own id.

        The base class hashes ``message_id`` before returning the result to the caller.
        """
        raise NotImplementedError

    def upload_media(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a file once (e.g. an announcement's PDF) and return its media id."""
        raise NotImplementedError

    def list_templates(self) -> list[TemplateInfo]:
        """All message templates of the business account, every status."""
        raise NotImplementedError

    def account_limits(self):
        """The number's ``outbound.AccountLimits``; ``None`` where a backend has no Meta."""
        return None


def template_object(name, language, body_params=(), header=None):
    """The ``template`` object of a send request, as Meta receives it.

    A function of its own so the admin's phone preview is drawn from exactly this object
    (``announcements.preview``): what staff see and what is sent cannot differ.
    """
    components = []
    if header is not None:
        components.append({"type": "header", "parameters": [_header_parameter(header)]})
    if body_params:
        components.append(
            {
                "type": "body",
                "parameters": [{"type": "text", "text": str(p)} for p in body_params],
            }
        )
    template = {"name": name, "language": {"code": language}}
    if components:
        template["components"] = components
    return template


def _header_parameter(header):
    if header.type not in HEADER_TYPES:
        raise RequestError(
            f"unsupported template header type {header.type!r}",
            explanation=str(_("This header type is not supported.")),
        )
    media = {"id": header.media_id} if header.media_id else {"link": header.link}
    if header.filename and header.type == "document":
        media["filename"] = header.filename
    return {"type": header.type, header.type: media}


def template_info(data):
    """Read one entry of Meta's ``message_templates`` listing into a ``TemplateInfo``."""
    body = header_format = header_text = footer_text = ""
    buttons = ()
    for component in data.get("components") or ():
        kind = str(component.get("type", "")).upper()
        if kind == "BODY":
            body = component.get("text", "")
        elif kind == "HEADER":
            header_format = str(component.get("format", "")).upper()
            header_text = component.get("text", "")
        elif kind == "FOOTER":
            footer_text = component.get("text", "")
        elif kind == "BUTTONS":
            buttons = tuple(b.get("text", "") for b in component.get("buttons") or ())
    return TemplateInfo(
        id=str(data.get("id", "")),
        name=data.get("name", ""),
        language=data.get("language", ""),
        category=data.get("category", ""),
        status=data.get("status", ""),
        body=body,
        header_format=header_format,
        header_text=header_text,
        parameter_count=len(set(_PLACEHOLDER.findall(body))),
        footer_text=footer_text,
        buttons=buttons,
    )
