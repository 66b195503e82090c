"""What Meta says about a template's health, applied to the local mirror and to broadcasts.

Meta pauses a template whose recipients block or report it (``PAUSED``, for hours or
days) and disables one for good (``DISABLED``); neither can be sent (132015, 132016).
So a template webhook updates the ``MessageTemplate`` row at once, and a paused or
disabled one pauses every broadcast sending with it, with the German reason, through the
transition table (``services.pause``: the one status writer). The delivery engine checks
the template's status before each step too (``engine.sending``), so a broadcast started
after the webhook, or one the pause raced with, sends nothing with it either. Approval
is refused while the template is not approved (``services.check_content``), and so is
resuming (``services.resume``): once Meta approves it again, staff resume by hand.

A re-categorisation to marketing (``template_category_update``) is kept as
``previous_category``: every announcement with the template shows it, and approving one
needs an explicit confirmation (``services.approve``), since marketing costs about 2.5
times as much in Germany and counts as advertising.

``manage.py sync_templates`` (and beat, ``TEMPLATE_SYNC_SECONDS``) goes through ``apply``
too, as the safety net for a missed webhook.
"""

import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import scheduler
from .models import Announcement, MessageTemplate
from .models.template import BLOCKED_STATUSES

logger = logging.getLogger(__name__)


# Meta's quality scores, as staff read them on the template list. Statuses and
# categories are named by ``MessageTemplate.MetaStatus`` and ``.Category``.
QUALITY_LABELS = {
    "GREEN": gettext_lazy("good"),
    "YELLOW": gettext_lazy("medium"),
    "RED": gettext_lazy("poor"),
    "UNKNOWN": gettext_lazy("not rated yet"),
}


def _label(choices, value):
    """``value``'s German name in ``choices``; a state Meta adds later shows as Meta names it."""
    return str(choices(value).label) if value in choices.values else value


def health_label(template):
    """The template's state at WhatsApp in German, with a re-categorisation if any."""
    text = _label(MessageTemplate.MetaStatus, template.status) if template.status else ""
    text = text or _("unknown")
    if template.previous_category and template.previous_category != template.category:
        text += " · " + _("re-categorised from “%(old)s” to “%(new)s”") % {
            "old": _label(MessageTemplate.Category, template.previous_category),
            "new": _label(MessageTemplate.Category, template.category),
        }
    return text


def quality_label(template):
    """Meta's quality score in German; a dash before Meta sent one."""
    if not template.quality_score:
        return "\N{EN DASH}"
    return str(QUALITY_LABELS.get(template.quality_score, template.quality_score))


def is_blocked(status):
    return status in BLOCKED_STATUSES


def pause_reason(status, name):
    """The German reason staff read on a broadcast paused for its template."""
    if status == "DISABLED":
        return _(
            "WhatsApp has permanently disabled the template “%(name)s”; nothing can be sent "
            "with it any more. Please stop the sending and use another template."
        ) % {"name": name}
    return _(
        "WhatsApp has paused the template “%(name)s” for now because recipients blocked or "
        "reported it. As soon as WhatsApp approves it again, you can resume the sending."
    ) % {"name": name}


def apply(event):
    """Apply a ``whatsapp.events.TemplateUpdate``; returns the ids of the templates changed."""
    now = timezone.now()
    fields = {}
    if event.status:
        reason = "" if event.reason.upper() == "NONE" else event.reason
        fields.update(status=event.status, status_reason=reason[:200], status_changed_at=now)
    if event.category:
        fields.update(
            category=event.category,
            previous_category=event.previous_category,
            category_changed_at=now,
        )
    if event.quality_score:
        fields["quality_score"] = event.quality_score
    if not fields:
        return []  # an announced category change (24 hours ahead): nothing changed yet
    templates = MessageTemplate.objects.filter(
        Q(meta_id=event.template_id) | Q(name=event.name, language=event.language)
    )
    ids = list(templates.values_list("pk", flat=True))
    if not ids:
        logger.info("template webhook for %s (%s): not mirrored yet", event.name, event.language)
        return []
    MessageTemplate.objects.filter(pk__in=ids).update(**fields)
    logger.info("template %s (%s): %s", event.name, event.language, sorted(fields))
    if is_blocked(event.status):
        pause_broadcasts(ids)
    return ids


def pause_broadcasts(template_ids):
    """Pause every broadcast sending with one of the templates (the engine's own pause)."""
    for template in MessageTemplate.objects.filter(pk__in=template_ids):
        running = Announcement.objects.filter(template=template, status=Announcement.Status.SENDING)
        reason = pause_reason(template.status, template.name)
        scheduler.pause(list(running.values_list("pk", flat=True)), reason)
