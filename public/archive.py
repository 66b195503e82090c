"""The public archive: which messages, in which order, and how each reads.

Which messages is ``announcements.models.IN_ARCHIVE`` (sent to everyone, not kept out by
staff); the order is the moment sending started, newest first. A page is one query (the
rows of the page and one more, to know whether an older page exists; no count), served
by the partial indexes of ``Announcement``. The text is built by
``announcements.templating``, the same code as the staff's preview of what is sent.

Filters: ``Filter`` parses the query string (``?kategorie=warnungen``); adding a topic
filter is one field, one line in ``from_query`` and one in ``apply``.
"""

import html
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format, time_format
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from announcements import templating
from announcements.models import IN_ARCHIVE, Announcement

PAGE_SIZE = 20
FEED_SIZE = 50
HEADING_CHARS = 90
Category = Announcement.Category
# Category slugs of the URLs (German, as residents read them) and back.
CATEGORY_SLUGS = {
    "meldungen": Category.NEWS,
    "ankuendigungen": Category.ANNOUNCEMENT,
    "warnungen": Category.WARNING,
}
SLUG_OF = {category: slug for slug, category in CATEGORY_SLUGS.items()}
# The filter's names (what a visitor picks: all warnings, not one).
PLURALS = {
    Category.NEWS: _("News"),
    Category.ANNOUNCEMENT: _("Announcements"),
    Category.WARNING: _("Warnings"),
}
# Only what a page shows: no title (internal), no author, no counts.
COLUMNS = (
    "id",
    "category",
    "urgent",
    "body",
    "template_params",
    "media",
    "started_at",
    "template__body",
)


@dataclass(frozen=True)
class Filter:
    """What a visitor narrowed the archive to; empty shows everything."""

    category: str = ""

    @classmethod
    def from_query(cls, query):
        """From a request's GET; an unknown value is a 404 (a mistyped link), never all."""
        slug = query.get("kategorie", "")
        if slug and slug not in CATEGORY_SLUGS:
            raise Http404
        return cls(category=CATEGORY_SLUGS.get(slug, ""))

    def apply(self, rows):
        if self.category:
            rows = rows.filter(category=self.category)
        return rows

    def query(self, **extra):
        """The query string for this filter (and ``extra``), "" when empty."""
        params = {"kategorie": SLUG_OF[self.category]} if self.category else {}
        params.update({key: value for key, value in extra.items() if value})
        return "?" + urlencode(params) if params else ""

    @property
    def label(self):
        return PLURALS[self.category] if self.category else ""


@dataclass(frozen=True)
class Entry:
    """One archived message as residents got it; the HTML and labels are made on first use."""

    pk: int
    sent_at: datetime
    category: str
    urgent: bool
    text: str
    media_kind: str  # "image", "document" or ""

    @cached_property
    def html(self):
        return templating.whatsapp_to_html(self.text)

    @cached_property
    def heading(self):
        """The first line without WhatsApp's markers: the feeds' item title."""
        first = next((line for line in plain(self.text).splitlines() if line.strip()), "")
        return Truncator(first.strip()).chars(HEADING_CHARS)

    @property
    def label(self):
        """ "Warnung vom 1. Dezember 2026, 10:15 Uhr": the internal title is never shown."""
        when = localtime(self.sent_at)
        return gettext("%(category)s of %(day)s, %(time)s") % {
            "category": self.category_label,
            "day": date_format(when, "j. F Y"),
            "time": time_format(when, "H:i"),
        }

    @property
    def category_label(self):
        return Category(self.category).label

    @property
    def category_plural(self):
        return PLURALS[self.category]

    @property
    def category_slug(self):
        return SLUG_OF[self.category]

    @property
    def url(self):
        return reverse("public:entry", args=[self.pk])

    @property
    def media_url(self):
        return reverse("public:media", args=[self.pk]) if self.media_kind else ""


@dataclass(frozen=True)
class Page:
    entries: list
    number: int
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1


def _rows():
    return (
        Announcement.objects.filter(IN_ARCHIVE)
        .select_related("template")
        .only(*COLUMNS)
        .order_by("-started_at", "-id")
    )


def sent_text(announcement):
    """The message text as it reached the phones (template filled in)."""
    if announcement.template is None:
        return announcement.body
    return templating.render_body(announcement.template.body, announcement.template_params)


def plain(text):
    """The text without WhatsApp's markers, for headings and feed titles."""
    return html.unescape(strip_tags(templating.whatsapp_to_html(text)))


def entry(announcement):
    media_kind = ""
    if announcement.media:
        media_kind = "document" if announcement.media.name.lower().endswith(".pdf") else "image"
    return Entry(
        pk=announcement.pk,
        sent_at=announcement.started_at,
        category=announcement.category,
        urgent=announcement.urgent,
        text=sent_text(announcement),
        media_kind=media_kind,
    )


def page(archive_filter, number):
    """Page ``number`` (from 1) of the archive; 404 past the end (page 1 may be empty)."""
    if number < 1:
        raise Http404
    start = (number - 1) * PAGE_SIZE
    rows = list(archive_filter.apply(_rows())[start : start + PAGE_SIZE + 1])
    if not rows and number > 1:
        raise Http404
    return Page([entry(row) for row in rows[:PAGE_SIZE]], number, len(rows) > PAGE_SIZE)


def latest(archive_filter, count=FEED_SIZE):
    """The newest ``count`` entries, for the feeds."""
    return [entry(row) for row in archive_filter.apply(_rows())[:count]]


def get(pk):
    """One archived entry; 404 for anything not in the archive (a draft's id included)."""
    row = _rows().filter(pk=pk).first()
    if row is None:
        raise Http404
    return entry(row)


def media(pk):
    """The attached file of an archived message; 404 if it has none or is not archived."""
    row = Announcement.objects.filter(IN_ARCHIVE, pk=pk).only("id", "media").first()
    if row is None or not row.media:
        raise Http404
    return row.media
