"""Residents who opted in, the consent log that proves it, and the texts they are sent.

No column holds a plaintext phone number: residents are found by a keyed hash and reached
through an encrypted copy (``subscribers.crypto``). Staff see the Kennziffer only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pricing.models import ReplyKind

from .crypto import decrypt_identity


class Subscriber(models.Model):
    """One opted-in resident. Deleting the row is the opt-out: nothing of the number stays."""

    code = models.CharField(_("Reference code"), max_length=16, unique=True)
    # Null when the resident arrived with a business-scoped user id only (2026).
    number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    number_encrypted = models.TextField(blank=True)
    user_id_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    user_id_encrypted = models.TextField(blank=True)
    consented_at = models.DateTimeField(_("Consent given at"))
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    undeliverable_count = models.PositiveIntegerField(_("Undeliverable (count)"), default=0)
    flagged_undeliverable = models.BooleanField(_("Marked as undeliverable"), default=False)
    # What the resident chose in WhatsApp (``subscribers.topics``, ``subscribers.languages``).
    # Until they choose a language, everything is German: nothing is guessed from the number.
    language = models.CharField(_("Language"), max_length=8, default="de", db_default="de")
    topics = models.ManyToManyField(
        "Topic", through="SubscriberTopic", related_name="subscribers", verbose_name=_("Topics")
    )
    # The country calling code of the number ("49"), read at "Start": Meta's price depends
    # on it, and a country identifies nobody. "" = unknown, priced as the default country.
    calling_code = models.CharField(
        _("Country calling code"), max_length=4, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("Subscriber")
        verbose_name_plural = _("Subscribers")
        ordering = ["-consented_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number_hash__isnull=False)
                | models.Q(user_id_hash__isnull=False),
                name="subscriber_has_identity",
            )
        ]

    def __str__(self):
        return self.code

    def recipient(self) -> str:
        """Where to send: the phone number's digits, else the business-scoped user id."""
        return decrypt_identity(self.number_encrypted or self.user_id_encrypted)


class Topic(models.Model):
    """A subject residents can choose to receive (Baustellen, Abfall, ...).

    Warnings are no topic: category "warning" and urgent messages reach every subscriber.
    ``name`` and ``description`` are a row of WhatsApp's list message, hence Meta's
    lengths (24 and 72 characters); ``keyword`` is the word of the plain-text fallback
    ("Themen Abfall Baustellen").
    """

    name = models.CharField(_("Name"), max_length=24, unique=True)
    description = models.CharField(_("Short description"), max_length=72, blank=True)
    keyword = models.CharField(
        _("Keyword"),
        max_length=32,
        unique=True,
        help_text=_("One word residents use to choose the topic by text, e.g. “Abfall”."),
    )
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    default_on = models.BooleanField(
        _("Chosen for new subscribers"),
        default=True,
        help_text=_("New subscribers receive this topic until they choose themselves."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Topic")
        verbose_name_plural = _("Topics")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class SubscriberTopic(models.Model):
    """A subscriber receives a topic; the fan-out joins on (subscriber, topic)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "topic"], name="subscriber_topic_unique")
        ]

    def __str__(self):
        return f"{self.subscriber_id}:{self.topic_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The consent log is append-only.")

    def delete(self):
        raise PermissionError("The consent log is append-only (use the retention purge).")


class ConsentEvent(models.Model):
    """One entry of the append-only, hash-chained consent log (see ``subscribers.chain``).

    Rows are written by ``chain.append`` only and removed by the retention purge only;
    everything else raises, so an auditor can rely on what the log says.
    """

    class Action(models.TextChoices):
        OPT_IN = "opt_in", _("Opt-in")
        OPT_OUT = "opt_out", _("Opt-out")
        IDENTITY_CHANGED = "identity_changed", _("Number change")
        # A webhook named the number and the BSUID together (``services.link``).
        IDENTITY_LINKED = "identity_linked", _("Number and user ID linked")
        TOPICS_CHANGED = "topics_changed", _("Choice of topics")
        CHECKPOINT = "checkpoint", _("Checkpoint (retention period)")

    seq = models.PositiveBigIntegerField(_("No."), unique=True)
    occurred_at = models.DateTimeField(_("Time"), db_index=True)
    action = models.CharField(_("Event"), max_length=20, choices=Action.choices)
    subscriber_code = models.CharField(
        _("Reference code"), max_length=16, blank=True, db_index=True
    )
    number_hash = models.CharField(_("Number hash"), max_length=64, blank=True, db_index=True)
    user_id_hash = models.CharField(_("User ID hash"), max_length=64, blank=True, db_index=True)
    source = models.CharField(_("Source"), max_length=32, blank=True)
    message_id = models.CharField(_("Message ID"), max_length=255, blank=True)
    keyword = models.CharField(_("Keyword"), max_length=64, blank=True)
    actor = models.CharField(_("Staff member"), max_length=150, blank=True)
    details = models.JSONField(_("Details"), default=dict, blank=True)
    prev_hash = models.CharField(_("Previous hash"), max_length=64)
    hash = models.CharField(_("Hash"), max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("Consent event")
        verbose_name_plural = _("Consent log")
        ordering = ["seq"]
        permissions = [
            ("export_consentevent", "Can export the consent log"),
            ("lookup_consentevent", "Can look up consent events by phone number"),
            ("erase_on_request", "Can erase a subscription on request after a look-up"),
        ]

    def __str__(self):
        text = _("No. %(seq)s: %(action)s") % {"seq": self.seq, "action": self.get_action_display()}
        return f"{text} {self.subscriber_code}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The consent log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The consent log is append-only.")


class ChainHead(models.Model):
    """The last sequence number and hash of the consent log, one row.

    Appending locks this row, so concurrent opt-ins queue up for a moment instead of
    forking the chain; verification compares the log's end with it to notice truncation.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self):
        return f"#{self.seq} {self.hash}"


class ReplyText(models.Model):
    """The German texts residents get back; staff edit them, the keys are fixed."""

    class Key(models.TextChoices):
        WELCOME = "welcome", _("Opt-in confirmation")
        ALREADY_SUBSCRIBED = "already_subscribed", _("Already subscribed")
        GOODBYE = "goodbye", _("Opt-out confirmation")
        NOT_SUBSCRIBED = "not_subscribed", _("Opt-out while not subscribed")
        HELP = "help", _("Help")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        ACCESS = "access", _("Information about the stored data")
        TOPICS = "topics", _("List of topics")
        TOPICS_CHOSEN = "topics_chosen", _("Topics chosen")
        LANGUAGE = "language", _("List of languages")
        LANGUAGE_CHOSEN = "language_chosen", _("Language chosen")
        THROTTLED = "throttled", _("Answer already given a moment ago")
        OPT_IN_REFUSED = "opt_in_refused", _("Subscription refused (too many today)")

    key = models.CharField(_("Situation"), max_length=32, choices=Key.choices, unique=True)
    text = models.TextField(
        _("Text"),
        help_text=_(
            "Placeholders: {code}, {privacy_url}, {phone}, {email}, {address}, "
            "{start_keyword}, {stop_keyword}, {topics_keyword}, {language_keyword}, {topics}, "
            "{facts} (access answer only)"
        ),
    )
    updated_at = models.DateTimeField(_("Changed at"), auto_now=True)

    class Meta:
        verbose_name = _("Reply text")
        verbose_name_plural = _("Reply texts")
        ordering = ["key"]

    def __str__(self):
        return self.get_key_display()


class ProcessedMessage(models.Model):
    """Inbound message ids already handled: Meta redelivers webhooks for up to 7 days."""

    message_id = models.CharField(max_length=255, unique=True)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.message_id


class AutoReply(models.Model):
    """Reply throttling: when a resident last got an answer of a kind (``subscribers.replies``).

    Keyed by identity hash and kind (a ``ReplyText.Key``), never by number. One extra row
    per resident, kind ``replies.DAILY``, counts all answers (``count``) in the window that
    began at its ``last_sent_at``, for the daily cap. Each answer is a billed service
    message, so the rows are what keeps "Hilfe" x 1000 from costing 1000 answers. Rows
    are short-lived: the nightly retention purge drops expired ones.
    """

    identity_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, default="auto_reply")
    last_sent_at = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity_hash", "kind"], name="reply_throttle_key")
        ]

    def __str__(self):
        return f"{self.identity_hash[:12]} {self.kind} {self.last_sent_at:%Y-%m-%d %H:%M}"


class SentReply(models.Model):
    """An automatic answer that left (``tasks.send_reply``), so its priced statuses count.

    Meta bills replies since 1 October 2026; its status webhooks name them by wamid only.
    Kept: the keyed hash of the wamid (a wamid encodes the number), the kind and the
    calling code it is priced by, never the number. ``billed`` is claimed once by the
    status engine (``announcements.engine.statuses``), whatever order statuses come in.
    Purged with the handled message ids (``retention.purge_bookkeeping``): statuses come
    within Meta's redelivery period.
    """

    wamid_hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=ReplyKind.choices)
    calling_code = models.CharField(max_length=4, blank=True)
    sent_at = models.DateTimeField(db_index=True)
    billed = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.wamid_hash[:12]} {self.kind} {self.sent_at:%Y-%m-%d %H:%M}"


class SignedCheckpoint(models.Model):
    """A signature of the consent log's state at ``seq`` (see ``subscribers.checkpoints``).

    ``payload`` is the exact text that was signed (canonical JSON naming seq, hash, kind,
    time, key and the retention gaps it attests), ``signature`` its Ed25519 signature in
    base64; both go into every export as they are, so an auditor can check them with
    nothing but the public key. Rows are only ever added.
    """

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily")
        EXPORT = "export", _("Export")
        RETENTION = "retention", _("Retention period")
        FIRST = "first", _("First signature")

    seq = models.PositiveBigIntegerField(_("No."), db_index=True)
    hash = models.CharField(_("Hash"), max_length=64)
    kind = models.CharField(_("Kind"), max_length=16, choices=Kind.choices)
    signed_at = models.DateTimeField(_("Signed at"), db_index=True)
    key_id = models.CharField(_("Key"), max_length=16)
    payload = models.TextField()
    signature = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("Signed checkpoint")
        verbose_name_plural = _("Signed checkpoints")
        ordering = ["seq", "signed_at"]

    def __str__(self):
        return f"#{self.seq} {self.kind} {self.signed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Signed checkpoints are never changed.")
        super().save(*args, **kwargs)


class PendingTopicChoice(models.Model):
    """Topic changes not yet in the consent log: coalesced into one entry (``topics``).

    A resident tapping through the list writes one entry at the first tap; the taps that
    follow within ``TOPIC_CHANGES_COALESCE_MINUTES`` only update this row, and once the
    resident has been quiet that long, ``topics.log_pending`` appends the final choice as
    one entry (``details["coalesced"]`` counts the taps). Deleted with the subscriber,
    after an opt-out has logged it first.
    """

    subscriber = models.OneToOneField(Subscriber, on_delete=models.CASCADE)
    # The choice the log last recorded, to state what the coalesced entry added/removed.
    logged_topics = models.JSONField(default=list)
    changes = models.PositiveIntegerField(default=0)
    last_changed_at = models.DateTimeField(db_index=True)
    message_id = models.CharField(max_length=255, blank=True)
    keyword = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=32, blank=True)

    def __str__(self):
        return f"{self.subscriber_id}: {self.changes}"
