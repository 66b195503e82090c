"""Topics narrow a broadcast, warnings ignore them, each resident gets their language's
version: residents choose through the signed webhook, staff through the admin."""

import pytest
from django.urls import reverse

from announcements import tasks
from announcements.models import (
    Announcement,
    AnnouncementTopic,
    AnnouncementVersion,
    MessageTemplate,
)
from subscribers.models import Topic
from tests.fixtures import payloads
from tests.fixtures.broadcasts import NO_VERSIONS, approved_announcement
from titz_broadcast.celery import app as celery_app
from whatsapp import ratelimit
from whatsapp.backends import locmem

pytestmark = pytest.mark.django_db
ANNA, BERND = "4915100000001", "4915100000002"


@pytest.fixture(autouse=True)
def _embedded(settings):
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    def run():
        ratelimit.pair_gate.cache_clear()
        locmem.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_tick()
        return {m["to"]: m for m in locmem.outbox if m["type"] == "template"}

    return run


@pytest.fixture
def residents(webhook):
    """Anna chose waste only, in English; Bernd chose road works only, German."""
    for number in (ANNA, BERND):
        webhook(payloads.text(number, "Start"))
    webhook(payloads.text(ANNA, "Themen Abfall"))
    webhook(payloads.list_reply(ANNA, "lang:en", "English"))
    webhook(payloads.text(BERND, "Themen Baustellen"))


def english_template():
    """An approved English template the composer can fill (one paragraph slot)."""
    return MessageTemplate.objects.create(
        name="titz_info",
        language="en",
        category="UTILITY",
        status="APPROVED",
        body="Municipality of Titz informs:\n{{1}}",
        param_count=1,
    )


def german_template():
    """Its German counterpart, so the form's main text finds a template to fill."""
    return MessageTemplate.objects.create(
        name="titz_kurz",
        language="de",
        category="UTILITY",
        status="APPROVED",
        body="Gemeinde Titz informiert:\n{{1}}",
        param_count=1,
    )


def for_topic(announcement, keyword):
    AnnouncementTopic.objects.create(
        announcement=announcement, topic=Topic.objects.get(keyword=keyword)
    )


def test_a_topic_reaches_only_those_who_chose_it(residents, tick):
    for_topic(approved_announcement(title="Abfuhr"), "Abfall")

    sent = tick()

    assert set(sent) == {ANNA}


def test_choosing_changes_what_the_next_broadcast_reaches(residents, tick, webhook):
    webhook(payloads.text(BERND, "Themen alle"))
    for_topic(approved_announcement(title="Abfuhr"), "Abfall")

    assert set(tick()) == {ANNA, BERND}


def test_a_warning_reaches_everyone_whatever_they_chose(residents, tick):
    warning = approved_announcement(urgent=True, title="Unwetter")
    for_topic(warning, "Abfall")

    assert set(tick()) == {ANNA, BERND}


def test_each_resident_gets_the_version_in_their_language(residents, tick):
    announcement = approved_announcement(title="Straßenfest")
    AnnouncementVersion.objects.create(
        announcement=announcement,
        language="en",
        template=english_template(),
        body="The main street is closed tomorrow.",
        template_params=["The main street is closed tomorrow."],
    )

    sent = tick()

    assert (sent[ANNA]["language"], sent[ANNA]["body_params"]) == (
        "en",
        ("The main street is closed tomorrow.",),
    )
    assert (sent[BERND]["language"], sent[BERND]["body_params"]) == (
        "de",
        ("Die Hauptstraße ist morgen gesperrt.",),
    )
    counts = {row["language"]: row["total"] for row in _by_language(announcement)}
    assert counts == {"de": 1, "en": 1}


def _by_language(announcement):
    from announcements import stats

    return stats.by_language(announcement)


def test_the_approval_screen_shows_the_audience_per_topic(residents, client, make_user):
    announcement = approved_announcement(title="Abfuhr")
    announcement.status = Announcement.Status.SUBMITTED
    announcement.save()
    for_topic(announcement, "Abfall")
    client.force_login(make_user("clara", "Freigabe"))

    page = client.get(reverse("admin:announcements_announcement_change", args=[announcement.pk]))

    assert "erreicht 1 von 2 Abonnenten" in page.content.decode()


def test_editing_a_version_returns_the_announcement_to_draft(client, make_user, residents):
    announcement = approved_announcement(title="Abfuhr")
    german_template()
    template = english_template()
    editor = make_user("clara", "Freigabe")
    client.force_login(editor)
    url = reverse("admin:announcements_announcement_change", args=[announcement.pk])
    data = {
        "title": announcement.title,
        "category": "news",
        "body": announcement.body,
        "template": "",
        **NO_VERSIONS,
        "versions-TOTAL_FORMS": "1",
        "versions-0-language": "en",
        "versions-0-template": str(template.pk),
        "versions-0-body": "The collection moves to Tuesday.",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.DRAFT
    version = announcement.versions.get()
    assert version.template_params == ["The collection moves to Tuesday."]
    page = client.get(url).content.decode()
    assert 'data-testid="preview-en"' in page and "The collection moves to Tuesday." in page


def test_a_version_needs_a_template_of_its_language(client, make_user):
    announcement = approved_announcement(title="Abfuhr")
    client.force_login(make_user("clara", "Freigabe"))
    german = MessageTemplate.objects.get(language="de")
    data = {
        "title": announcement.title,
        "category": "news",
        "body": announcement.body,
        "template": "",
        **NO_VERSIONS,
        "versions-TOTAL_FORMS": "1",
        "versions-0-language": "ar",
        "versions-0-template": str(german.pk),
        "versions-0-body": "نص",
    }

    response = client.post(
        reverse("admin:announcements_announcement_change", args=[announcement.pk]), data
    )

    assert response.status_code == 200
    assert "nicht in der gewählten Sprache" in response.content.decode()
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.APPROVED


def test_a_new_announcement_gets_its_topics_and_version_on_the_add_page(client, make_user):
    german_template()
    english = english_template()
    waste = Topic.objects.get(keyword="Abfall")
    client.force_login(make_user("anna", "Redaktion"))
    data = {
        "title": "Abfuhr",
        "category": "news",
        "body": "Die Abfuhr ist am Dienstag.",
        "template": "",
        "topics": [str(waste.pk)],
        **NO_VERSIONS,
        "versions-TOTAL_FORMS": "1",
        "versions-0-language": "en",
        "versions-0-template": str(english.pk),
        "versions-0-body": "Collection is on Tuesday.",
    }

    response = client.post(reverse("admin:announcements_announcement_add"), data)

    assert response.status_code == 302
    created = Announcement.objects.get(title="Abfuhr")
    assert created.template.name == "titz_kurz"  # the English template is only a version
    assert created.versions.get().template_params == ["Collection is on Tuesday."]
    assert list(created.topic_links.values_list("topic__keyword", flat=True)) == ["Abfall"]
