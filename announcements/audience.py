"""Who an announcement reaches and in which language: the figures and checks staff see.

The audience is ``models.recipients``, the one definition the fan-out, the planner and the
cost estimate share. Each figure is one aggregate query, whatever the number of
subscribers.
"""

from django.db.models import Count
from django.utils.translation import gettext as _

from . import templating
from .models import AnnouncementTopic, AnnouncementVersion, audience_topics, recipients


def reach(announcement):
    """``{"reached", "total", "per_topic": [(name, count)], "everyone": reason or ""}``.

    ``reached`` counts ``models.recipients``, the fan-out's own audience.
    """
    from subscribers.models import Subscriber, SubscriberTopic, Topic

    total = Subscriber.objects.filter(flagged_undeliverable=False).count()
    reached = recipients(announcement).count()
    topics = audience_topics(announcement)
    everyone = ""
    if announcement.urgent or announcement.category == announcement.Category.WARNING:
        everyone = _("Warnings and urgent messages always reach every subscriber.")
    if not topics:
        return {"reached": reached, "total": total, "per_topic": [], "everyone": everyone}
    counts = dict(
        SubscriberTopic.objects.filter(topic_id__in=topics, subscriber__flagged_undeliverable=False)
        .values_list("topic_id")
        .annotate(n=Count("pk"))
    )
    per_topic = [
        (topic.name, counts.get(topic.pk, 0)) for topic in Topic.objects.filter(pk__in=topics)
    ]
    return {"reached": reached, "total": total, "per_topic": per_topic, "everyone": ""}


def topic_ids(announcement):
    return set(
        AnnouncementTopic.objects.filter(announcement=announcement).values_list(
            "topic_id", flat=True
        )
    )


def set_topics(announcement, wanted) -> bool:
    """Make ``announcement``'s topics exactly ``wanted`` (ids); True if they changed."""
    current = topic_ids(announcement)
    wanted = set(wanted)
    if wanted == current:
        return False
    AnnouncementTopic.objects.filter(
        announcement=announcement, topic_id__in=current - wanted
    ).delete()
    AnnouncementTopic.objects.bulk_create(
        [AnnouncementTopic(announcement=announcement, topic_id=pk) for pk in wanted - current]
    )
    return True


def version_errors(announcement):
    """What Meta would reject in the language versions (German sentences)."""
    errors = []
    for version in AnnouncementVersion.objects.filter(announcement=announcement).select_related(
        "template"
    ):
        if not version.template.is_approved:
            errors.append(
                _("The template “%(name)s” is not approved by WhatsApp.")
                % {"name": version.template.name}
            )
        errors.extend(templating.validate_params(version.template, version.template_params))
    return errors


def previews(announcement):
    """Each language version as the phone shows it, right-to-left where the language is."""
    from subscribers import languages

    return [
        {
            "language": version.language,
            "name": languages.name(version.language),
            "html": templating.whatsapp_to_html(
                templating.render_body(version.template.body, version.template_params)
            ),
            "rtl": languages.is_rtl(version.language),
        }
        for version in AnnouncementVersion.objects.filter(announcement=announcement).select_related(
            "template"
        )
    ]
