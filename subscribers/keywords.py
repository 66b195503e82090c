"""Recognising "Start", "Stop", "Hilfe" and "Auskunft" the way residents actually type them.

Residents write ``"Start!"``, ``" stopp "``, ``"ABMELDEN 🙏"`` or tap a quick-reply button;
all of those must count. Only the edges are forgiving: ``"bitte nicht stop"`` is not a
keyword, because a resident asking a question must not be unsubscribed by accident.
"""

import unicodedata

from django.conf import settings

START = "start"
STOP = "stop"
HELP = "help"
ACCESS = "access"  # Art. 15: what is stored about me (``subscribers.access``)
TOPICS = "topics"
LANGUAGE = "language"


def normalize(text: str) -> str:
    """Case-folded text without surrounding white space, punctuation, symbols or emoji."""
    text = unicodedata.normalize("NFKC", text or "")
    start, end = 0, len(text)
    while start < end and not _is_word_char(text[start]):
        start += 1
    while end > start and not _is_word_char(text[end - 1]):
        end -= 1
    return " ".join(text[start:end].split()).casefold()


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _keywords() -> dict[str, str]:
    table = {}
    for intent, words in (
        (HELP, settings.KEYWORDS_HELP),
        (ACCESS, settings.KEYWORDS_ACCESS),
        (TOPICS, settings.KEYWORDS_TOPICS),
        (LANGUAGE, settings.KEYWORDS_LANGUAGE),
        (START, settings.KEYWORDS_START),
        (STOP, settings.KEYWORDS_STOP),
    ):
        # Later intents win a clash, so a word configured as both start and stop stops:
        # wrongly keeping a resident is worse than wrongly letting one go.
        table.update({normalize(word): intent for word in words if normalize(word)})
    return table


def classify(*candidates: str) -> tuple[str, str] | tuple[None, None]:
    """The first candidate that is a keyword, as ``(intent, normalized keyword)``.

    Callers pass a button's payload before its visible text: the payload is what the
    template author chose, the text may be translated by WhatsApp.
    """
    table = _keywords()
    for candidate in candidates:
        word = normalize(candidate)
        if word in table:
            return table[word], word
    return None, None


def topic_words(text: str) -> list[str] | None:
    """The words after a topics keyword ("Themen Abfall Baustellen"), else None.

    The plain-text way to choose topics, for WhatsApp clients that cannot show lists.
    """
    first, _, rest = normalize(text).partition(" ")
    topics = {normalize(word) for word in settings.KEYWORDS_TOPICS}
    if first not in topics or not rest:
        return None
    return [normalize(word) for word in rest.replace(",", " ").split() if normalize(word)]
