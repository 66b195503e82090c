"""Opt-in, opt-out and identity changes: the one place that changes who is subscribed.

The webhook receivers, the admin and the tests all call these functions. Each change to a
subscription and its consent event commit together. The functions that answer a resident
return the answers (``replies.Reply``); the receivers queue them to leave only after that
commit (``tasks.send_replies``).
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

import audit
from whatsapp.events import InboundMessage, StatusUpdate, UserPreference
from whatsapp.numbers import calling_code

from . import access, chain, choices, keywords, topics
from .codes import new_code
from .crypto import encrypt_identity, hash_identity, is_bsuid
from .models import ConsentEvent, ProcessedMessage, ReplyText, Subscriber
from .replies import Reply, answer, count_refused_opt_in

logger = logging.getLogger(__name__)
Action = ConsentEvent.Action
Key = ReplyText.Key

# Only these carry something a resident typed or tapped; a caption on a photo is not a
# keyword (an image captioned "Ende" is more likely a picture of the end of something).
KEYWORD_TYPES = {"text", "button", "interactive"}
NO_REPLY_TYPES = {"reaction", "system"}
META_OPT_OUT_CODE = 131050
# Meta's system messages that move a resident to a new identity (system messages
# webhook reference, 11 Aug 2026): a new number (and with it a new BSUID), or a new BSUID
# alone, when the new number may not be shared with us.
IDENTITY_CHANGES = frozenset({"user_changed_number", "user_changed_user_id"})
CODE_ATTEMPTS = 5
# The opt-in rule: at most ``OPT_INS_PER_DAY`` opt-ins that take effect per identity in
# any ``OPT_IN_WINDOW``; ``opt_in_refused`` says why and ``export.header`` states it.
OPT_IN_WINDOW = timedelta(hours=24)


class Subscribed(NamedTuple):
    """The subscription an opt-in created or confirmed (None: refused), and the answer."""

    subscriber: Subscriber | None
    replies: list[Reply]


class Unsubscribed(NamedTuple):
    """Whether an opt-out erased a subscriber, and the answer to send."""

    erased: bool
    replies: list[Reply]


class Identity:
    """A resident's address as Meta sent it: a phone number, a BSUID, or both."""

    def __init__(self, sender: str, user_id: str | None = None):
        self.number = "" if is_bsuid(sender) else sender
        self.user_id = user_id or (sender if is_bsuid(sender) else "")
        self.address = self.number or self.user_id

    @property
    def number_hash(self):
        return hash_identity(self.number) if self.number else None

    @property
    def user_id_hash(self):
        return hash_identity(self.user_id) if self.user_id else None

    def lookup(self) -> Q:
        query = Q(pk__in=[])
        if self.number:
            query |= Q(number_hash=self.number_hash)
        if self.user_id:
            query |= Q(user_id_hash=self.user_id_hash)
        return query

    def fields(self) -> dict:
        return {
            "number_hash": self.number_hash,
            "number_encrypted": encrypt_identity(self.number) if self.number else "",
            "user_id_hash": self.user_id_hash,
            "user_id_encrypted": encrypt_identity(self.user_id) if self.user_id else "",
            "calling_code": calling_code(self.address),
        }


def find(identity: Identity) -> Subscriber | None:
    return Subscriber.objects.filter(identity.lookup()).first()


def handle_inbound(message: InboundMessage) -> list[Reply]:
    """React to one resident message exactly once, however often Meta delivers it.

    Returns the answers to send once the caller's transaction has committed.
    """
    intent, keyword = None, None
    if message.type in KEYWORD_TYPES:
        intent, keyword = keywords.classify(message.payload, message.text)
    topic_words = keywords.topic_words(message.text) if message.type == "text" else None
    tapped = message.type in KEYWORD_TYPES and choices.is_choice(message.payload)
    identity = Identity(message.sender, message.sender_user_id)
    with transaction.atomic():
        if not _first_delivery(message.message_id):
            return []
        if message.type == "system":
            if message.system_type in IDENTITY_CHANGES:
                change_identity(identity, message)
            return []
        link(identity, occurred_at=message.timestamp, message_id=message.message_id)
        if message.type in NO_REPLY_TYPES:
            return []
        if intent == keywords.START:
            return subscribe(
                identity,
                occurred_at=message.timestamp,
                message_id=message.message_id,
                keyword=keyword,
            ).replies
        if intent == keywords.STOP:
            return unsubscribe(
                identity,
                occurred_at=message.timestamp,
                message_id=message.message_id,
                keyword=keyword,
            ).replies
        if tapped or topic_words or intent in (keywords.TOPICS, keywords.LANGUAGE):
            return _choose(identity, message, intent, topic_words)
        if intent == keywords.HELP:
            return answer(identity.address, Key.HELP, language=_language(identity))
        if intent == keywords.ACCESS:
            return access.reply(identity.address, find(identity))
        return auto_reply(identity)


def _language(identity: Identity) -> str:
    """The language the resident chose; German for everyone else."""
    found = Subscriber.objects.filter(identity.lookup()).values_list("language", flat=True)
    return found.first() or "de"


def _choose(identity, message, intent, topic_words):
    """Topics and language (``choices``): only a subscriber has a choice to make."""
    subscriber = find(identity)
    if subscriber is None:
        return answer(identity.address, Key.NOT_SUBSCRIBED)
    if choices.is_choice(message.payload):
        return choices.tapped(identity, subscriber, message.payload, message)
    if topic_words:
        return choices.choose_topics_by_text(identity, subscriber, topic_words, message)
    if intent == keywords.LANGUAGE:
        return choices.show_languages(identity, subscriber)
    return choices.show_topics(identity, subscriber)


def _first_delivery(event_id: str) -> bool:
    try:
        with transaction.atomic():
            ProcessedMessage.objects.create(message_id=event_id)
    except IntegrityError:
        return False
    return True


def subscribe(
    identity: Identity, *, occurred_at: datetime, message_id="", keyword=""
) -> Subscribed:
    """Create the subscription (or confirm the existing one) and log the consent.

    Two "Start" messages processed at once both try to insert; the unique hashes let one
    win and the other, after the winner commits, finds it and says "already subscribed".
    """
    for _ in range(CODE_ATTEMPTS):
        existing = find(identity)
        if existing:
            replies = answer(
                identity.address,
                Key.ALREADY_SUBSCRIBED,
                language=existing.language,
                code=existing.code,
            )
            return Subscribed(existing, replies)
        if opt_in_refused(identity, occurred_at):
            count_refused_opt_in(hash_identity(identity.address))
            logger.info("opt-in refused: %s in the window", settings.OPT_INS_PER_DAY)
            refused = answer(
                identity.address,
                Key.OPT_IN_REFUSED,
                hours=int(OPT_IN_WINDOW.total_seconds() // 3600),
            )
            return Subscribed(None, refused)
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(
                    code=new_code(), consented_at=occurred_at, **identity.fields()
                )
        except IntegrityError:
            continue  # a concurrent opt-in of the same resident, or a code collision
        chosen = topics.give_defaults(subscriber)
        chain.append(
            Action.OPT_IN,
            occurred_at=occurred_at,
            subscriber_code=subscriber.code,
            number_hash=subscriber.number_hash or "",
            user_id_hash=subscriber.user_id_hash or "",
            source="keyword",
            message_id=message_id,
            keyword=keyword,
            details={"topics": chosen},
        )
        logger.info("subscriber %s opted in", subscriber.code)
        welcome = answer(
            identity.address,
            Key.WELCOME,
            interactive=choices.welcome_buttons(subscriber.language),
            code=subscriber.code,
        )
        return Subscribed(subscriber, welcome)
    raise RuntimeError("could not allocate a unique Kennziffer")


def opt_in_refused(identity: Identity, occurred_at: datetime) -> bool:
    """True if ``identity`` already opted in ``OPT_INS_PER_DAY`` times in the window.

    Every opt-in that takes effect writes two consent rows (opt-in, then the opt-out that
    will follow), a new Kennziffer and two answers that are always sent (``replies``), and
    the log is kept for years: 20 Start/Stop cycles must not cost 40 rows. The count is
    read from the chain itself (the opt-ins that took effect), so no other store has to
    agree with it; the refused attempts are counted beside the reply throttle, not chained.
    "Stop" is never limited: withdrawing consent must always work (Art. 7(3) GDPR).
    """
    limit = settings.OPT_INS_PER_DAY
    if limit <= 0:
        return False
    recent = ConsentEvent.objects.filter(
        identity.lookup(), action=Action.OPT_IN, occurred_at__gt=occurred_at - OPT_IN_WINDOW
    )
    return recent.count() >= limit


def link(
    identity: Identity, *, occurred_at: datetime, message_id: str = "", source: str = "inbound"
) -> None:
    """Backfill: a message naming both number and BSUID completes the one subscriber of either.

    So a resident who subscribed by number is still recognised when they later write by
    BSUID alone (a username, no recent chat), and one who subscribed by BSUID gets the
    number Meta now shares. What Meta sends together is taken as current: both identities
    are set to it. Two subscriptions (one by each identity) are left as they are: "Stop"
    erases both. Each change is logged in the consent chain, hashes only.
    """
    if not (identity.number and identity.user_id):
        return
    found = list(Subscriber.objects.filter(identity.lookup())[:2])
    if len(found) != 1:
        return
    subscriber, fields = found[0], identity.fields()
    complete = (
        subscriber.number_hash == fields["number_hash"]
        and subscriber.user_id_hash == fields["user_id_hash"]
    )
    if complete and subscriber.number_encrypted and subscriber.user_id_encrypted:
        return
    previous = _hashes(subscriber)
    for name, value in fields.items():
        setattr(subscriber, name, value)
    try:
        with transaction.atomic():
            subscriber.save(update_fields=list(fields))
    except IntegrityError:  # a concurrent subscription of the other identity
        logger.warning("subscriber %s: identity belongs to another one", subscriber.code)
        return
    if not complete:
        _log_identity(Action.IDENTITY_LINKED, subscriber, source, occurred_at, message_id, previous)


def link_statuses(statuses: list[StatusUpdate]) -> int:
    """Backfill from status webhooks: a number's subscriber learns the hash of its BSUID.

    Statuses carry only the keyed hashes (``parsing._link``), so the BSUID itself is not
    stored yet: the number keeps being the address, and the resident's next message by
    BSUID alone is recognised (and completes the encrypted copy, ``link``). One query per
    batch; only subscribers that do not know their BSUID yet are written, once each.
    """
    links = {s.recipient_number_hash: s for s in statuses if s.recipient_number_hash}
    if not links:
        return 0
    linked = 0
    unlinked = Subscriber.objects.filter(number_hash__in=links, user_id_hash__isnull=True)
    for subscriber in unlinked.only("pk", "code", "number_hash", "user_id_hash"):
        status = links[subscriber.number_hash]
        previous = _hashes(subscriber)
        subscriber.user_id_hash = status.recipient_user_id_hash
        try:
            with transaction.atomic():
                subscriber.save(update_fields=["user_id_hash"])
        except IntegrityError:  # the BSUID has a subscription of its own
            continue
        _log_identity(
            Action.IDENTITY_LINKED,
            subscriber,
            "status",
            status.timestamp,
            status.message_id,
            previous,
        )
        linked += 1
    return linked


def _hashes(subscriber: Subscriber) -> dict:
    return {
        "previous_number_hash": subscriber.number_hash or "",
        "previous_user_id_hash": subscriber.user_id_hash or "",
    }


def _log_identity(action, subscriber, source, occurred_at, message_id, previous):
    chain.append(
        action,
        occurred_at=occurred_at,
        subscriber_code=subscriber.code,
        number_hash=subscriber.number_hash or "",
        user_id_hash=subscriber.user_id_hash or "",
        source=source,
        message_id=message_id,
        details=previous,
    )
    logger.info("subscriber %s: %s (%s)", subscriber.code, action, source)


def unsubscribe(
    identity: Identity, *, occurred_at: datetime, message_id="", keyword=""
) -> Unsubscribed:
    """Say goodbye and erase; an unknown sender gets a polite answer and leaves no trace.

    Every subscription of either identity goes: a resident subscribed once by number and
    once by BSUID (before the two were linked) stops both with one "Stop".
    """
    subscribers = list(Subscriber.objects.filter(identity.lookup()))
    if not subscribers:
        return Unsubscribed(False, answer(identity.address, Key.NOT_SUBSCRIBED))
    replies = answer(identity.address, Key.GOODBYE, language=subscribers[0].language)
    erased = [
        erase(
            subscriber,
            source="keyword",
            occurred_at=occurred_at,
            message_id=message_id,
            keyword=keyword,
        )
        for subscriber in subscribers
    ]
    return Unsubscribed(any(erased), replies)


def erase(
    subscriber: Subscriber,
    *,
    source: str,
    occurred_at: datetime | None = None,
    message_id: str = "",
    keyword: str = "",
    user=None,
) -> bool:
    """Delete the subscriber and its encrypted identity, and log the opt-out, atomically.

    Deleting the row is what stops deliveries: ``announcements`` cancels queued ones in a
    ``pre_delete`` receiver, inside this same transaction. Returns False if a concurrent
    erasure got there first.
    """
    with transaction.atomic():
        locked = Subscriber.objects.select_for_update().filter(pk=subscriber.pk).first()
        if locked is None:
            return False
        topics.log_pending(subscriber=locked)  # the final choice, before consent ends
        locked.delete()
        chain.append(
            Action.OPT_OUT,
            occurred_at=occurred_at or timezone.now(),
            subscriber_code=locked.code,
            number_hash=locked.number_hash or "",
            user_id_hash=locked.user_id_hash or "",
            source=source,
            message_id=message_id,
            keyword=keyword,
            actor=user.get_username() if user is not None else "",
        )
        if user is not None:
            audit.record(user, "subscriber_erased", locked.code, source=source)
    logger.info("subscriber %s erased (%s)", locked.code, source)
    return True


def change_identity(old: Identity, message: InboundMessage) -> None:
    """Follow a resident to a new identity, keeping the Kennziffer.

    ``user_changed_number``: the new number, and the new BSUID if Meta sends it (it issues
    one with every new number, so an old BSUID is dropped). ``user_changed_user_id``: the
    new BSUID alone; the resident changed number but the new one may not be shared, so the
    number we hold is dropped (it may be handed to someone who never consented) and they
    are reached by BSUID from now on. If the new identity is already subscribed, the old
    subscription is erased. The consent chain records the change, hashes only.
    """
    subscriber = find(old)
    new_number = message.new_sender if message.system_type == "user_changed_number" else ""
    new = Identity(new_number or message.new_sender_user_id, message.new_sender_user_id)
    if subscriber is None or not new.address:
        return
    if Subscriber.objects.filter(new.lookup()).exclude(pk=subscriber.pk).exists():
        erase(
            subscriber,
            source=message.system_type,
            occurred_at=message.timestamp,
            message_id=message.message_id,
        )
        return
    previous = _hashes(subscriber)
    for name, value in new.fields().items():
        setattr(subscriber, name, value)
    subscriber.save(update_fields=list(new.fields()))
    _log_identity(
        Action.IDENTITY_CHANGED,
        subscriber,
        message.system_type,
        message.timestamp,
        message.message_id,
        previous,
    )


def auto_reply(identity: Identity) -> list[Reply]:
    """Answer "information service only"; ``answer``'s throttle lets it out at most once
    per ``AUTO_REPLY_INTERVAL_HOURS``, like every answer, in one place (``replies.allow``)."""
    return answer(identity.address, Key.AUTO_REPLY, language=_language(identity))


def handle_preference(preference: UserPreference) -> None:
    """WhatsApp's own "stop" control counts as an opt-out (Meta then blocks our sends)."""
    if preference.value != "stop":
        return
    with transaction.atomic():
        if not _first_delivery(f"user_preferences:{preference.event_id}"):
            return
        subscriber = find(Identity(preference.sender, preference.sender_user_id))
        if subscriber:
            erase(
                subscriber,
                source="user_preferences",
                occurred_at=preference.timestamp,
                message_id=preference.event_id,
            )


def handle_statuses(statuses: list[StatusUpdate]) -> None:
    """A send failing with 131050 means the resident stopped us in WhatsApp: erase them.

    Statuses arrive in large batches; only the rare refused ones cost a query, and the
    backfill of BSUIDs one per batch (``link_statuses``).
    """
    link_statuses(statuses)
    for status in statuses:
        if not any(error.code == META_OPT_OUT_CODE for error in status.errors):
            continue
        subscriber = find(Identity(status.recipient, status.recipient_user_id))
        if subscriber:
            erase(
                subscriber,
                source="meta_131050",
                occurred_at=status.timestamp,
                message_id=status.message_id,
            )
