"""RSS 2.0 and Atom feeds of the archive (all messages or one category), Django's
syndication framework. The items are the archive's entries (``archive.latest``): the same
text, the same filter, so a feed never shows what the archive would not."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

from . import archive


@dataclass(frozen=True)
class Scope:
    """The filter of this feed and the site's address (feed readers need absolute links)."""

    filter: archive.Filter
    origin: str


@dataclass(frozen=True)
class Item:
    entry: archive.Entry
    origin: str


class ArchiveFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request):
        return Scope(archive.Filter.from_query(request.GET), request.build_absolute_uri("/")[:-1])

    def title(self, obj):
        name = settings.MUNICIPALITY_NAME
        title = _("WhatsApp information service %(name)s") % {"name": name} if name else ""
        title = title or _("WhatsApp information service")
        label = obj.filter.label
        return f"{title}: {label}" if label else title

    def description(self, obj):
        return _("The messages that went to all subscribers.")

    def subtitle(self, obj):
        return self.description(obj)

    def link(self, obj):
        return reverse("public:archive") + obj.filter.query()

    def items(self, obj):
        return [Item(entry, obj.origin) for entry in archive.latest(obj.filter)]

    def item_title(self, item):
        """Escaped once here, and again as XML: feed readers show a title as HTML, and a
        staff-written heading is text (Django's own default escapes it so, see #6533)."""
        return escape(item.entry.heading or item.entry.category_label)

    def item_description(self, item):
        entry = item.entry
        if not entry.media_kind:
            return entry.html
        label = _("PDF document") if entry.media_kind == "document" else _("Image")
        return format_html(
            '{}<p><a href="{}{}">{}</a></p>', entry.html, item.origin, entry.media_url, label
        )

    def item_link(self, item):
        return item.entry.url

    def item_pubdate(self, item):
        return item.entry.sent_at

    def item_categories(self, item):
        return [item.entry.category_label]


class ArchiveAtomFeed(ArchiveFeed):
    feed_type = Atom1Feed
