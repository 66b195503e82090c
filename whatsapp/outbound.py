"""What a backend takes and returns: plain values, the same for every backend."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SendResult:
    """Meta accepted a message (``200``); delivery is reported later by status webhooks."""

    message_id: str  # keyed hash of Meta's wamid (``ids``), never the wamid itself
    wa_id: str = ""  # the number WhatsApp resolved the recipient to ("" for BSUID sends)
    message_status: str = ""  # "accepted" / "held_for_quality_assessment" for paced templates


@dataclass(frozen=True, slots=True)
class TemplateHeader:
    """A media header of a template: an uploaded media id (preferred) or a public link."""

    type: str  # "image" | "document" | "video"
    media_id: str = ""
    link: str = ""
    filename: str = ""  # documents only: WhatsApp shows it and uses its extension


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """One message template of the business account, as staff pick it in the admin."""

    id: str
    name: str
    language: str
    category: str  # MARKETING | UTILITY | AUTHENTICATION
    status: str  # APPROVED | PENDING | REJECTED | PAUSED | DISABLED ...
    body: str = ""
    header_format: str = ""  # "" | TEXT | IMAGE | DOCUMENT | VIDEO | LOCATION
    header_text: str = ""
    parameter_count: int = 0  # distinct {{placeholders}} in the body
    footer_text: str = ""
    buttons: tuple = ()  # the buttons' labels, as the phone shows them


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """What the Graph API says about the number (``GET /<PHONE_NUMBER_ID>?fields=...``).

    Raw Meta values; ``limits.py`` turns them into numbers.
    """

    messaging_limit: str = ""  # whatsapp_business_manager_messaging_limit, e.g. "TIER_2K"
    throughput_level: str = ""  # throughput.level: STANDARD | HIGH | NOT_APPLICABLE
    quality_rating: str = ""  # GREEN | YELLOW | RED | NA
