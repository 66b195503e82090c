"""The announcements staff write, with the four-eyes workflow's fields.

Status changes go through ``announcements.services`` only: every transition there is
guarded, logged and audited, so the fields here are never set by hand from views.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..media import display_filename
from .template import MessageTemplate

# What the public archive shows: messages that went to everyone (sent, or sent with some
# failed deliveries), unless staff kept them out. Not drafts, test sends (they change no
# status), cancelled or stopped broadcasts, nor those that reached nobody. One home for
# the rule: the archive's query and its partial indexes below use the same condition.
ARCHIVE_STATUSES = ("sent", "partly_failed")
IN_ARCHIVE = Q(in_archive=True, status__in=ARCHIVE_STATUSES)


class Announcement(models.Model):
    """One message to every subscriber, with the four-eyes workflow around it."""

    class Category(models.TextChoices):
        NEWS = "news", _("Notice")
        ANNOUNCEMENT = "announcement", _("Announcement")
        WARNING = "warning", _("Warning")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        PARTLY_FAILED = "partly_failed", _("Partially failed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # "gültig bis" passed before everyone had it: what was not sent never will be.
        EXPIRED = "expired", _("Expired")

    title = models.CharField(
        _("Title (internal)"),
        max_length=200,
        help_text=_("Not sent: only for the administration's overview."),
    )
    # Sent as the message's first, bold line when the template has a heading slot
    # (``composer``); the internal title never is.
    heading = models.CharField(
        _("Heading (is sent)"),
        max_length=60,
        blank=True,
        help_text=_("The first line of the message, in bold; at most 60 characters."),
    )
    body = models.TextField(
        _("Text"),
        help_text=_(
            "Separate paragraphs by lines; *bold*, _italic_, ~strikethrough~ and lists (“- "
            "item”) as in WhatsApp."
        ),
    )
    category = models.CharField(
        _("Kind"), max_length=16, choices=Category.choices, default=Category.NEWS
    )
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Warnings only: delivered immediately, ahead of all other running broadcasts."),
    )
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("Template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    # True only when a person chose the template in the form; otherwise the composer
    # picks the fitting one again on every save, so a text may change its paragraphs.
    template_chosen = models.BooleanField(_("template chosen by hand"), default=False)
    template_params = models.JSONField(_("Template parameters"), default=list, blank=True)
    media = models.FileField(
        _("Image or PDF"), upload_to="announcements/%Y/%m/", blank=True, max_length=255
    )
    media_id = models.CharField(_("WhatsApp media ID"), max_length=128, blank=True)
    # Meta forgets an uploaded file after 30 days: the engine uploads again when this is
    # older (``media.needs_upload``).
    media_uploaded_at = models.DateTimeField(_("file uploaded to WhatsApp"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(
        _("scheduled for"),
        null=True,
        blank=True,
        help_text=_("Leave empty to send immediately after approval."),
    )
    # The moment the text stops being true (imported warnings: CAP ``expires``). The engine
    # sends nothing after it: open deliveries become "expired", the announcement
    # "abgelaufen" (``announcements.engine.scheduler.expire_due``).
    valid_until = models.DateTimeField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_(
            "Nothing is sent after this moment. Leave empty if the message does not expire."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Everyone who changed the content since the last approval (or since creation). None
    # of them may approve it: otherwise an approver could rewrite a colleague's draft, have
    # it submitted and approve it alone. Cleared by the approval itself.
    content_editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        blank=True,
        related_name="+",
        help_text=_("Since the last approval; these people cannot approve it."),
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    started_at = models.DateTimeField(_("Sending began"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Sending ended"), null=True, blank=True)
    pause_reason = models.TextField(_("Reason for pausing"), blank=True)
    # When the engine last handed out batch tasks (lanes) for this broadcast: its tick
    # re-dispatches only when this is missing, older than the last transition (a resume)
    # or followed by no progress. In the database, not a cache: every worker process and
    # beat must see the same answer (``announcements.engine.scheduler``).
    lanes_dispatched_at = models.DateTimeField(
        _("Send jobs handed out at"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    # The public archive (``public.archive``) shows a message once it went to everyone;
    # staff switch this off for what is meant for residents' phones only.
    in_archive = models.BooleanField(
        _("Show in the public archive"),
        default=True,
        help_text=_("After sending, show it on the public archive page and in the feeds."),
    )

    class Meta:
        verbose_name = _("Message")
        verbose_name_plural = _("Messages")
        ordering = ["-created_at"]
        permissions = [
            ("submit_announcement", "Can submit an announcement for approval"),
            ("test_send_announcement", "Can send an announcement to the test numbers"),
            ("approve_announcement", "Can approve, schedule and send announcements"),
            ("cancel_announcement", "Can cancel, pause, resume and stop announcements"),
            ("view_statistics", "Can view delivery statistics"),
            ("export_statistics", "Can export delivery statistics"),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="announcement_due_idx"),
            # The public archive's pages, newest first, all or of one category.
            models.Index(
                fields=["-started_at", "-id"], condition=IN_ARCHIVE, name="announcement_archive_idx"
            ),
            models.Index(
                fields=["category", "-started_at", "-id"],
                condition=IN_ARCHIVE,
                name="announcement_archive_cat_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable(self):
        """Only texts that have not started sending may still change."""
        return self.status in {self.Status.DRAFT, self.Status.SUBMITTED, self.Status.APPROVED}

    def send_kwargs(self):
        """Arguments for ``get_backend().send_template(to, **kwargs, callback_data=...)``.

        Built once per announcement, so the delivery engine does not touch templates or
        media per recipient.
        """
        from whatsapp import TemplateHeader

        header = None
        if self.template.header_type in (
            MessageTemplate.HeaderType.IMAGE,
            MessageTemplate.HeaderType.DOCUMENT,
        ):
            header = TemplateHeader(
                type=self.template.header_type.lower(),
                media_id=self.media_id,
                filename=display_filename(self)
                if self.template.header_type == MessageTemplate.HeaderType.DOCUMENT
                else "",
            )
        return {
            "name": self.template.name,
            "language": self.template.language,
            "body_params": list(self.template_params),
            "header": header,
            "marketing": self.template.is_marketing,
        }
