"""What residents get back: rendered and throttled here, queued and sent by ``tasks``.

The texts live in ``ReplyText`` so staff can reword them; ``DEFAULTS`` seeds them (data
migration) and stands in for a row that is missing. Only known ``{placeholders}`` are
filled in, so a stray brace typed by staff can never break a reply.

German is what staff edit; the other offered languages (``languages``) read the same
defaults through gettext, so every text a resident can get is in ``RESIDENT_STRINGS``
and each resident catalog must translate all of them (``tests/test_resident_catalogs``).
Until a resident chooses a language, the answer is German.

Every answer is a service message Meta bills (since October 2026), and anyone can send
"Hilfe" a thousand times, so ``allow`` throttles them per resident: one answer of a kind
per ``REPLY_THROTTLE_MINUTES`` (the "information service only" answer once per
``AUTO_REPLY_INTERVAL_HOURS``) and at most ``REPLY_DAILY_CAP`` answers of all kinds per
24 hours. A question throttled by its kind gets, instead of silence, one short
``THROTTLED`` notice per ``REPLY_THROTTLE_MINUTES``; chatter (``AUTO_REPLY``) and a
resident at the daily cap get silence, so the notice cannot become a new flood.

The welcome and the goodbye (``ALWAYS``) are what the consent rests on: a resident must
see that "Start" and "Stop" worked, so neither throttle nor cap holds them back, and they
do not count towards the cap. What bounds them is the opt-in rule (``services``): each
needs an opt-in that took effect, and there are at most ``OPT_INS_PER_DAY`` of those.
A resident who chooses another language has the per-kind throttle forgotten
(``language_changed``): the next answer, in the new language, comes at once.
"""

import logging
import re
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from pricing.models import ReplyKind
from whatsapp.interactive import BODY_MAX

from . import languages
from .crypto import encrypt_identity, hash_identity
from .models import AutoReply, ReplyText

logger = logging.getLogger(__name__)
Key = ReplyText.Key
# The throttle row that counts a resident's answers of every kind (not a ReplyText key).
DAILY = "daily"
# The row that counts a resident's refused opt-ins in the daily window (not a reply).
COUNTED_OPT_INS = "refused_opt_ins"
DAY = timedelta(hours=24)

DEFAULTS = {
    Key.WELCOME: gettext_noop(
        "Welcome to the WhatsApp information service of {municipality}! From now on "
        "you will receive news, announcements and warnings. Your reference number: "
        "{code}.\n\nTo unsubscribe, send “{stop_keyword}” at any time. Your number will then "
        "be deleted.\nPrivacy notice: {privacy_url}"
    ),
    Key.ALREADY_SUBSCRIBED: gettext_noop(
        "You are already subscribed to the WhatsApp information service of {municipality} "
        "(reference number {code}). To unsubscribe, send “{stop_keyword}”."
    ),
    Key.GOODBYE: gettext_noop(
        "You have unsubscribed and will receive no more messages. Your number has been "
        "deleted. Send “{start_keyword}” to subscribe again at any time."
    ),
    Key.NOT_SUBSCRIBED: gettext_noop(
        "This number is not subscribed to the WhatsApp information service of "
        "{municipality}. We keep only a coded form of your number, for at most {kept_hours} "
        "hours, so that we do not answer you too often. To subscribe, send “{start_keyword}”."
    ),
    Key.HELP: gettext_noop(
        "WhatsApp information service of {municipality}: “{start_keyword}” "
        "subscribes you, “{stop_keyword}” unsubscribes you and deletes your "
        "number.\n“{topics_keyword}” chooses your topics, “{language_keyword}” your "
        "language.\nWe are happy to answer questions: phone {phone}, email {email}, "
        "{address}.\nPrivacy notice: {privacy_url}"
    ),
    Key.AUTO_REPLY: gettext_noop(
        "Thank you for your message. This is an information service only; messages sent here "
        "are not read. Please contact the municipal administration: phone {phone}, email "
        "{email}, post: {address}."
    ),
    Key.ACCESS: gettext_noop(
        "Information from the WhatsApp service of {municipality}: this is what we "
        "store about your number:\n{facts}\n\nWe store your number itself only encrypted. "
        "“{stop_keyword}” unsubscribes you and deletes it. Privacy notice: {privacy_url}"
    ),
    Key.TOPICS: gettext_noop(
        "Which topics would you like to receive? Tap “Choose topics”, then tap a topic to "
        "switch it on or off. You can also write it, e.g. “{topics_keyword} {topic_example}” "
        "or “{topics_keyword} {all_keyword}”.\n\nYour topics: {topics}\nYou always receive "
        "warnings and urgent messages."
    ),
    Key.TOPICS_CHOSEN: gettext_noop(
        "Saved. Your topics: {topics}\nYou always receive warnings and urgent messages."
    ),
    Key.LANGUAGE: gettext_noop(
        "In which language would you like our replies? Tap “Choose language”."
    ),
    Key.LANGUAGE_CHOSEN: gettext_noop(
        "From now on we will reply in English. Messages from the municipality come in English "
        "where available, otherwise in German."
    ),
    Key.THROTTLED: gettext_noop(
        "You have just received an answer to this. Please wait up to {minutes} minutes "
        "before asking again."
    ),
    Key.OPT_IN_REFUSED: gettext_noop(
        "You have subscribed and unsubscribed several times today, so we cannot subscribe "
        "you again right now. Please send “{start_keyword}” again in {hours} hours."
    ),
}
# The short texts of list messages and buttons (Meta: buttons 20 characters, rows 24).
LABELS = {
    "choose_topics": gettext_noop("Choose topics"),
    "choose_language": gettext_noop("Choose language"),
    "topics_section": gettext_noop("Topics"),
    "all_topics": gettext_noop("All topics"),
    "all_topics_description": gettext_noop("Receive all topics"),
    "no_topics": gettext_noop("none (warnings only)"),
}
# The lines of an Art. 15 answer ("Auskunft", ``subscribers.access``), one per fact.
FACTS = {
    "code": gettext_noop("Reference code: {code}"),
    "since": gettext_noop("subscribed since: {since}"),
    "topics": gettext_noop("Topics: {topics}"),
    "language": gettext_noop("Language: {language}"),
    "sent": gettext_noop(
        "Messages to you whose delivery is still stored: {sent} (kept for {days} days after "
        "sending)"
    ),
    "undeliverable": gettext_noop("Your number is marked as undeliverable."),
}
# Everything a resident can read from us, in one place: the resident catalogs' checklist.
RESIDENT_STRINGS = [*DEFAULTS.values(), *LABELS.values(), *FACTS.values()]
# Answers to a tap on a row or button are not throttled per kind (each tap is a choice
# the resident makes on purpose), only by the daily cap.
PER_TAP = frozenset({Key.TOPICS_CHOSEN, Key.LANGUAGE_CHOSEN})
# Always sent, never counted: the proof to the resident that "Start"/"Stop" took effect.
ALWAYS = frozenset({Key.WELCOME, Key.GOODBYE})
# Throttled, these get silence rather than a notice: nobody asked a question.
SILENT = frozenset({Key.AUTO_REPLY, Key.THROTTLED})


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def default_text(key: str, language: str = languages.DEFAULT) -> str:
    """The built-in wording of ``key`` in ``language`` (the msgids are English; German,
    the default, is a translation like the others)."""
    with translation.override(language):
        return translation.gettext(DEFAULTS[key])


def render(key: str, language: str = languages.DEFAULT, **context) -> str:
    """``key``'s text in ``language``: staff's German wording, else the catalog's."""
    text = None
    if language == languages.DEFAULT:
        text = ReplyText.objects.filter(key=key).values_list("text", flat=True).first()
    text = text or default_text(key, language)
    values = {
        "municipality": settings.MUNICIPALITY_NAME,
        "privacy_url": settings.PRIVACY_NOTICE_URL,
        "phone": settings.OFFICIAL_CONTACT_PHONE,
        "email": settings.OFFICIAL_CONTACT_EMAIL,
        "address": settings.OFFICIAL_CONTACT_ADDRESS,
        "start_keyword": settings.KEYWORDS_START[0],
        "stop_keyword": settings.KEYWORDS_STOP[0],
        "topics_keyword": settings.KEYWORDS_TOPICS[0],
        "language_keyword": settings.KEYWORDS_LANGUAGE[0],
        "all_keyword": settings.KEYWORDS_TOPICS_ALL[0],
        "kept_hours": round(kept_for().total_seconds() / 3600),
        **context,
    }
    return _PLACEHOLDER.sub(lambda match: str(values.get(match[1], match[0])), text)


def label(name: str, language: str = languages.DEFAULT) -> str:
    with translation.override(language):
        return translation.gettext(LABELS[name])


def fact(name: str, in_language: str = languages.DEFAULT, **values) -> str:
    """One line of an Art. 15 answer in ``in_language``."""
    with translation.override(in_language):
        text = translation.gettext(FACTS[name])
    return _PLACEHOLDER.sub(lambda match: str(values.get(match[1], match[0])), text)


def interval(key: str) -> timedelta:
    """How long after an answer of ``key`` the same resident gets that answer again."""
    minutes = settings.REPLY_THROTTLE_MINUTES
    if key in PER_TAP:
        return timedelta(0)
    if key == Key.AUTO_REPLY:
        minutes = max(minutes, settings.AUTO_REPLY_INTERVAL_HOURS * 60)
    return timedelta(minutes=minutes)


def allow(identity_hash: str, key: str, now: datetime | None = None) -> bool:
    """Claim the right to answer ``key`` now; False if the resident is throttled.

    ``ALWAYS`` keys pass without a claim (module docstring).

    Call inside the transaction that queues the answer: if it rolls back, so does the
    claim. Each step is one conditional UPDATE, or the INSERT of a first row that loses to
    a concurrent one on the unique key, so two messages processed at once never both pass
    (PostgreSQL re-checks the WHERE after the row lock; SQLite serialises writers). The
    kind is claimed before the daily count, so repeating one keyword cannot use up the cap.
    """
    if key in ALWAYS:
        return True
    now = now or timezone.now()
    return _claim_kind(identity_hash, str(key), now) and _count_today(identity_hash, now)


def language_changed(identity_hash: str) -> None:
    """Forget which kinds were answered: they were answered in the old language.

    The daily cap and the longer "information service only" interval stay, so changing
    the language back and forth cannot buy more than the cap.
    """
    AutoReply.objects.filter(identity_hash=identity_hash).exclude(
        kind__in=[DAILY, Key.AUTO_REPLY, COUNTED_OPT_INS]
    ).delete()


def count_refused_opt_in(identity_hash: str, now: datetime | None = None) -> int:
    """Count a refused "Start" (``services``' opt-in rule); returns the count in the window.

    Counted here, beside the throttle, not in the consent chain: nothing took effect, and
    the chain must not grow with every attempt. The row expires with the daily window.
    """
    now = now or timezone.now()
    rows = AutoReply.objects.filter(identity_hash=identity_hash, kind=COUNTED_OPT_INS)
    counted = rows.filter(last_sent_at__gt=now - DAY).update(count=F("count") + 1)
    if not counted and not rows.update(last_sent_at=now, count=1):
        _insert(identity_hash, COUNTED_OPT_INS, now)
    return rows.values_list("count", flat=True).first() or 1


def _claim_kind(identity_hash, kind, now):
    period = interval(kind)
    if period <= timedelta(0):
        return True  # 0: this kind is not throttled on its own
    rows = AutoReply.objects.filter(identity_hash=identity_hash, kind=kind)
    if rows.filter(last_sent_at__lte=now - period).update(last_sent_at=now):
        return True
    return _insert(identity_hash, kind, now)


def _count_today(identity_hash, now):
    cap = settings.REPLY_DAILY_CAP
    if cap <= 0:
        return True  # 0: no daily cap
    rows = AutoReply.objects.filter(identity_hash=identity_hash, kind=DAILY)
    # Twice: a concurrent reset or first insert may win in between; then count on its row.
    for _ in range(2):
        if rows.filter(last_sent_at__gt=now - DAY, count__lt=cap).update(count=F("count") + 1):
            return True
        if rows.filter(last_sent_at__gt=now - DAY).exists():
            return False  # capped until this window ends
        if rows.filter(last_sent_at__lte=now - DAY).update(last_sent_at=now, count=1):
            return True
        if _insert(identity_hash, DAILY, now):
            return True
    return False


def _insert(identity_hash, kind, now):
    try:
        with transaction.atomic():
            AutoReply.objects.create(identity_hash=identity_hash, kind=kind, last_sent_at=now)
    except IntegrityError:
        return False
    return True


def _longest() -> timedelta:
    return max(interval(Key.AUTO_REPLY), interval(Key.HELP), DAY)


def expired(now: datetime):
    """Throttle rows that no longer hold anything back (for the retention purge)."""
    return AutoReply.objects.filter(last_sent_at__lt=now - _longest())


def kept_for() -> timedelta:
    """How long a throttle row, a keyed hash of a number, can stay: its longest period,
    and up to a day more until the daily purge (``privacy.purge.bookkeeping``) runs.

    What a stranger is told ("we keep only a coded form of your number, for at most ...")
    and the Art. 13 page both read this, so neither can promise less than is kept.
    """
    return _longest() + DAY


def _minutes(value: float) -> str:
    return f"{value:g}"


class Reply(NamedTuple):
    """An answer ready to leave: the recipient encrypted, so the broker never sees a number."""

    token: str  # ``encrypt_identity`` of the recipient
    body: str
    interactive: dict | None = None  # a list or buttons (``whatsapp.interactive``) around body
    kind: str = ReplyKind.OTHER  # what the cost report counts it as (``KINDS``)


# The cost report's kind of each answer (``pricing.models.ReplyKind``); others are "other".
KINDS = {
    Key.WELCOME: ReplyKind.WELCOME,
    Key.GOODBYE: ReplyKind.GOODBYE,
    Key.HELP: ReplyKind.HELP,
    Key.TOPICS: ReplyKind.TOPICS,
    Key.TOPICS_CHOSEN: ReplyKind.TOPICS,
    Key.LANGUAGE: ReplyKind.LANGUAGE,
    Key.LANGUAGE_CHOSEN: ReplyKind.LANGUAGE,
}


def answer(
    identity: str, key: str, *, language: str = languages.DEFAULT, interactive=None, **context
) -> list[Reply]:
    """``key``'s text for ``identity``: one ``Reply``, or none if the resident is throttled.

    Claims the throttle (``allow``; module docstring) in the current transaction. The
    caller hands the result to ``tasks.send_replies``, which queues it only once that
    transaction has committed: a rolled-back opt-in sends nothing and uses up no throttle.
    Queuing is left to the caller so that this logic never touches Celery.
    ``interactive(body)`` wraps the text into a list or buttons; a text too long for them
    goes out plain (the text fallback still works).
    """
    digest = hash_identity(identity)
    if not allow(digest, key):
        logger.info("reply %s throttled", key)
        if key in SILENT or not allow(digest, Key.THROTTLED):
            return []
        key, interactive = Key.THROTTLED, None
        context = {"minutes": _minutes(settings.REPLY_THROTTLE_MINUTES)}
    body = render(key, language, **context)
    wrapped = None
    if interactive is not None and len(body) <= BODY_MAX:
        wrapped = interactive(body)
    return [Reply(encrypt_identity(identity), body, wrapped, KINDS.get(key, ReplyKind.OTHER))]
