"""Mirror the WhatsApp Business Account's message templates into ``MessageTemplate``.

Meta decides which templates exist and whether they are approved; the local rows only
cache that answer so the form can offer and validate them without a request per page.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from . import composer, template_health
from .models import MessageTemplate

GONE = "DELETED"


def _fields(info):
    """Model fields from a ``whatsapp.TemplateInfo``."""
    header_type = info.header_format.upper()
    if header_type not in MessageTemplate.HeaderType.values:
        header_type = ""  # VIDEO, LOCATION: never sent by this service, so never offered
    fields = {
        "category": info.category,
        "status": info.status,
        "body": info.body,
        "header_type": header_type,
        "header_text": (info.header_text or "")[:60] if header_type == "TEXT" else "",
        "footer": (info.footer_text or "")[:60],
        "buttons": list(info.buttons),
        "param_count": info.parameter_count,
        "meta_id": info.id,
    }
    fields["display_name"] = display_name(MessageTemplate(name=info.name, **fields))
    return fields


def display_name(template):
    """A name staff can read. Meta keeps none but the technical one, so it is derived:
    from the slots for templates the composer can fill ("Meldung mit Bild, Überschrift
    und 3 Absätzen"), else from the technical name ("titz_amtsblatt" -> "Titz amtsblatt").
    Stored in German, the office's language."""
    slots = composer.layout(template)
    if slots is None:
        return template.name.replace("_", " ").strip().capitalize()[:200]
    with override("de"):
        parts = []
        if template.header_type == MessageTemplate.HeaderType.IMAGE:
            parts.append(_("Image"))
        elif template.header_type == MessageTemplate.HeaderType.DOCUMENT:
            parts.append(_("PDF"))
        if slots.heading:
            parts.append(_("Headline"))
        count = len(slots.paragraphs)
        parts.append(ngettext("%(n)d paragraph", "%(n)d paragraphs", count) % {"n": count})
        listed = ", ".join(parts[:-1])
        joined = (
            _("%(first)s and %(last)s") % {"first": listed, "last": parts[-1]}
            if listed
            else parts[0]
        )
        return _("Notice with %(parts)s") % {"parts": joined}


def sync_templates():
    """Fetch the list and upsert it; templates Meta no longer lists become unusable.

    Returns ``(created, updated, gone)`` counts. A category Meta changed is remembered as
    ``previous_category`` and a template Meta paused or disabled pauses its broadcasts, as
    the template webhooks do (``template_health``): this is their safety net.
    """
    from whatsapp import get_backend

    infos = get_backend().list_templates()
    now = timezone.now()
    created = updated = 0
    seen, blocked = set(), []
    with transaction.atomic():
        known = {
            (t.name, t.language): t
            for t in MessageTemplate.objects.only("name", "language", "category", "status")
        }
        for info in infos:
            fields = {**_fields(info), "synced_at": now}
            old = known.get((info.name, info.language))
            if old is not None and old.category and old.category != info.category:
                fields.update(previous_category=old.category, category_changed_at=now)
            if old is not None and old.status != info.status:
                fields["status_changed_at"] = now
            template, was_created = MessageTemplate.objects.update_or_create(
                name=info.name, language=info.language, defaults=fields
            )
            if template_health.is_blocked(info.status):
                blocked.append(template.pk)
            created += was_created
            updated += not was_created
            seen.add((info.name, info.language))
        stale = MessageTemplate.objects.exclude(status=GONE).values_list("pk", "name", "language")
        gone_ids = [pk for pk, name, language in stale if (name, language) not in seen]
        gone = MessageTemplate.objects.filter(pk__in=gone_ids).update(status=GONE, synced_at=now)
        template_health.pause_broadcasts(blocked)
    return created, updated, gone
