"""RSS 2.0 and Atom parse cleanly (feedparser) and carry exactly the archive's entries."""

import html
import re

import feedparser
import pytest
from django.urls import reverse

from announcements.models import Announcement

Status = Announcement.Status
pytestmark = pytest.mark.django_db


def parse(client, name, query=""):
    response = client.get(reverse(name) + query)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def archive_links(client, query=""):
    html = client.get(reverse("public:archive") + query).content.decode()
    return [f"http://testserver{path}" for path in re.findall(r'href="(/archiv/\d+/)"', html)]


FEEDS = [("public:feed_rss", "rss20"), ("public:feed_atom", "atom10")]


@pytest.mark.parametrize("name,version", FEEDS)
def test_feed_items_match_the_archive(client, make_announcement, name, version):
    make_announcement(category="warning", urgent=True, text="*Sturm*: Bäume & Äste")
    make_announcement(category="news", text="Rathaus geschlossen")
    make_announcement(Status.CANCELLED, text="Abgebrochen")
    make_announcement(in_archive=False, text="Intern")
    feed = parse(client, name)
    assert feed.version == version
    assert [entry.link for entry in feed.entries] == archive_links(client)
    # A title is HTML to a reader: unescaped once, it is the text shown.
    assert [html.unescape(entry.title) for entry in feed.entries] == [
        "Gemeinde Titz informiert: Rathaus geschlossen",
        "Gemeinde Titz informiert: Sturm: Bäume & Äste",
    ]
    assert "<strong>Sturm</strong>" in feed.entries[1].summary
    assert feed.entries[1].tags[0].term == "Warnung"
    body = client.get(reverse(name)).content.decode()
    assert "Abgebrochen" not in body and "Intern" not in body
    assert "Interner Titel" not in body


@pytest.mark.parametrize("name", ["public:feed_rss", "public:feed_atom"])
def test_category_feed(client, make_announcement, name):
    make_announcement(category="warning", text="Sturm")
    make_announcement(category="news", text="Rathaus")
    feed = parse(client, name, "?kategorie=warnungen")
    assert [e.link for e in feed.entries] == archive_links(client, "?kategorie=warnungen")
    assert len(feed.entries) == 1 and feed.feed.title.endswith(": Warnungen")
    assert client.get(reverse(name) + "?kategorie=unbekannt").status_code == 404


def test_empty_feed_is_valid(client, db):
    assert parse(client, "public:feed_rss").entries == []


@pytest.mark.parametrize("name", ["public:feed_rss", "public:feed_atom"])
def test_markup_in_a_heading_reaches_feed_readers_as_text(client, make_announcement, name):
    """A reader shows a title as HTML: a heading's markup must arrive escaped (issue 27)."""
    make_announcement(category="news", text='<img src=x onerror="alert(1)"> <b>Fett</b> & gut')
    body = client.get(reverse(name)).content.decode()
    assert "&lt;img" not in re.sub(r"&amp;lt;img", "", body.split("<description>")[0])
    assert "&amp;lt;img src=x" in body and "&amp;lt;b&amp;gt;Fett" in body
    title = parse(client, name).entries[0].title  # HTML, as a reader sees it
    assert "<img" not in title and "<b>" not in title
    assert html.unescape(title).endswith('<img src=x onerror="alert(1)"> <b>Fett</b> & gut')
