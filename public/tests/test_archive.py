"""The archive shows exactly what went to everyone, as residents got it, in one query."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse

from announcements import services
from announcements.models import ARCHIVE_STATUSES, Announcement
from announcements.tests.media_samples import jpeg
from public import archive

Status = Announcement.Status
pytestmark = pytest.mark.django_db


def listed_ids(client, query=""):
    html = client.get(reverse("public:archive") + query).content.decode()
    return [int(pk) for pk in re.findall(r'href="/archiv/(\d+)/"', html)]


def test_archive_statuses_are_statuses():
    assert set(ARCHIVE_STATUSES) <= set(Status.values)


def test_archive_lists_exactly_what_went_to_everyone(client, make_announcement, settings):
    sent = make_announcement(Status.SENT, text="Gesendet an alle")
    partly = make_announcement(Status.PARTLY_FAILED, text="Fast alle erreicht")
    make_announcement(Status.FAILED, text="Niemand erreicht")
    make_announcement(Status.CANCELLED, text="Mitten im Versand beendet")
    make_announcement(Status.SENDING, text="Wird noch gesendet")
    make_announcement(Status.PAUSED, text="Angehalten")
    make_announcement(Status.SENT, text="Nur fürs Handy", in_archive=False)
    # A test send to the office's phones leaves the draft a draft: never in the archive.
    settings.TEST_RECIPIENTS = ["+4915199999999"]
    user = get_user_model().objects.create_user("anna", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    user = get_user_model().objects.get(pk=user.pk)
    tested = make_announcement(Status.DRAFT, text="Nur getestet", created_by=user)
    assert services.send_test_message(tested, user) == (1, [])

    assert listed_ids(client) == [partly.pk, sent.pk]
    html = client.get(reverse("public:archive")).content.decode()
    for hidden in ("Niemand", "Mitten", "noch gesendet", "Angehalten", "Handy", "getestet"):
        assert hidden not in html
    others = Announcement.objects.exclude(pk__in=[sent.pk, partly.pk])
    for other in others:
        assert client.get(reverse("public:entry", args=[other.pk])).status_code == 404


def test_entry_shows_the_text_as_sent_never_the_internal_title(client, make_announcement):
    item = make_announcement(text="*Achtung*: _heute_ ~nicht~ ```12:00``` <script>x</script>")
    html = client.get(reverse("public:entry", args=[item.pk])).content.decode()
    assert "Gemeinde Titz informiert: <strong>Achtung</strong>: <em>heute</em>" in html
    assert "<del>nicht</del> <code>12:00</code> &lt;script&gt;x&lt;/script&gt;" in html
    assert "Interner Titel" not in html
    assert "Kennziffer" not in html


def test_urgent_warnings_stand_out(client, make_announcement):
    urgent = make_announcement(category="warning", urgent=True, text="Hochwasser")
    make_announcement(category="news", text="Sprechstunde")
    html = client.get(reverse("public:archive")).content.decode()
    article = re.search(r'<article class="entry entry-urgent"[^>]*>(.*?)</article>', html, re.S)
    assert "Hochwasser" in article.group(1) and "Dringend:" in article.group(1)
    assert html.count("entry-urgent") == 1
    page = client.get(reverse("public:entry", args=[urgent.pk])).content.decode()
    assert "Dringend:" in page and "Warnung vom" in page


def test_category_filter(client, make_announcement):
    warning = make_announcement(category="warning")
    news = make_announcement(category="news")
    assert listed_ids(client, "?kategorie=warnungen") == [warning.pk]
    assert listed_ids(client, "?kategorie=meldungen") == [news.pk]
    assert client.get(reverse("public:archive") + "?kategorie=geheim").status_code == 404


def test_pages_newest_first_without_gaps(client, make_announcement):
    made = [make_announcement() for _ in range(archive.PAGE_SIZE + 3)]
    newest_first = [a.pk for a in reversed(made)]
    first, second = listed_ids(client), listed_ids(client, "?seite=2")
    assert first + second == newest_first
    page_one = client.get(reverse("public:archive")).content.decode()
    assert 'href="/archiv/?seite=2" rel="next"' in page_one
    assert client.get(reverse("public:archive") + "?seite=3").status_code == 404
    assert client.get(reverse("public:archive") + "?seite=x").status_code == 404


def test_a_page_is_one_query(client, make_announcement, django_assert_num_queries):
    for _ in range(5):
        make_announcement(category="warning")
    with django_assert_num_queries(1):
        assert client.get(reverse("public:archive") + "?kategorie=warnungen").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("public:archive")).status_code == 200


def test_media_is_public_only_for_archived_messages(client, make_announcement):
    shown = make_announcement()
    shown.media.save("bild.jpg", ContentFile(jpeg()))
    hidden = make_announcement(in_archive=False)
    hidden.media.save("bild.jpg", ContentFile(jpeg()))
    page = client.get(reverse("public:entry", args=[shown.pk])).content.decode()
    assert f'src="/archiv/{shown.pk}/datei/"' in page
    response = client.get(reverse("public:media", args=[shown.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == shown.media.open("rb").read()
    assert client.get(reverse("public:media", args=[hidden.pk])).status_code == 404
