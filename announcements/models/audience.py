"""Who an announcement is for and in which words: its topics and its language versions.

``recipients`` is the one definition of the audience, used by the fan-out, the reach
panel, the planner and the cost estimate alike: every subscriber not marked undeliverable
(Meta refused them again and again, ``engine.statuses``); no topic means everyone; topics
never narrow a warning (category "warning") or an urgent message, those reach every
subscriber. A language version is the same message for the subscribers who chose that
language, sent with an approved template of that language; everyone else gets the German
text (``version_language`` "").
"""

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.utils.translation import gettext_lazy as _

from .template import MessageTemplate


class AnnouncementTopic(models.Model):
    announcement = models.ForeignKey(
        "announcements.Announcement",
        on_delete=models.CASCADE,
        related_name="topic_links",
        db_index=False,  # the unique (announcement, topic) index serves it
    )
    topic = models.ForeignKey(
        "subscribers.Topic", on_delete=models.PROTECT, related_name="+", verbose_name=_("Topic")
    )

    class Meta:
        verbose_name = _("Topic of the message")
        verbose_name_plural = _("Topics of the message")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "topic"], name="announcement_topic_unique"
            )
        ]

    def __str__(self):
        return str(self.topic)


class AnnouncementVersion(models.Model):
    """The text of an announcement in one more language, with its own template."""

    announcement = models.ForeignKey(
        "announcements.Announcement",
        on_delete=models.CASCADE,
        related_name="versions",
        db_index=False,  # the unique (announcement, language) index serves it
    )
    language = models.CharField(_("Language"), max_length=8)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("Template"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(
        _("Headline"),
        max_length=200,
        blank=True,
        help_text=_("Sent as the first line; empty: the heading of the German version."),
    )
    body = models.TextField(_("Text"))
    template_params = models.JSONField(_("Template parameters"), default=list, blank=True)

    class Meta:
        verbose_name = _("Language version")
        verbose_name_plural = _("Language versions")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "language"], name="announcement_version_unique"
            )
        ]

    def __str__(self):
        from subscribers.languages import name

        return name(self.language)

    def send_kwargs(self, german):
        """``german`` (``Announcement.send_kwargs``) with this version's template and text."""
        return {
            **german,
            "name": self.template.name,
            "language": self.template.language,
            "body_params": list(self.template_params),
            "marketing": self.template.is_marketing,
        }


def audience_topics(announcement):
    """The topic ids that narrow ``announcement``'s audience; empty means everyone."""
    if announcement.urgent or announcement.category == announcement.Category.WARNING:
        return []
    return list(
        AnnouncementTopic.objects.filter(announcement=announcement).values_list(
            "topic_id", flat=True
        )
    )


def recipients(announcement):
    """The subscribers ``announcement`` reaches, each with its ``version_language``.

    A queryset, so each user takes what it needs in one statement: the fan-out its SQL
    for an ``INSERT ... SELECT``, the reach panel and the planner a count, the estimate a
    count per calling code.
    """
    from subscribers.models import Subscriber, SubscriberTopic

    subscribers = Subscriber.objects.filter(flagged_undeliverable=False)
    if topics := audience_topics(announcement):
        chosen = SubscriberTopic.objects.filter(subscriber=OuterRef("pk"), topic_id__in=topics)
        subscribers = subscribers.filter(Exists(chosen))
    versions = list(
        AnnouncementVersion.objects.filter(announcement=announcement).values_list(
            "language", flat=True
        )
    )
    language = Value("")
    if versions:
        language = Case(When(language__in=versions, then=F("language")), default=Value(""))
    return subscribers.annotate(version_language=language)
