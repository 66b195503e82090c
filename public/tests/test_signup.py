"""The sign-up page and its Art. 13 text follow the settings; every page is cacheable,
cookie-free, needs no third party, and the system checks name what is missing."""

import re

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import reverse

PAGES = ["signup", "poster", "archive", "accessibility", "easy_language", "feed_rss", "feed_atom"]


def text_of(client, name="public:signup"):
    return client.get(reverse(name)).content.decode()


@pytest.mark.django_db
def test_retention_texts_follow_the_settings(client):
    with override_settings(
        CONSENT_LOG_RETENTION_DAYS=30, WHATSAPP_EVENT_RETENTION_DAYS=3, DELIVERY_RETENTION_DAYS=9
    ):
        html = text_of(client)
    assert "Das Einwilligungsprotokoll: 30 Tage nach Ihrer Abmeldung" in html
    assert "ohne Inhalt): 3 Tage" in html
    assert "gelesen): 9 Tage nach dem Versand" in html
    with override_settings(CONSENT_LOG_RETENTION_DAYS=1, AUTO_REPLY_INTERVAL_HOURS=48):
        html = text_of(client)
    assert "Das Einwilligungsprotokoll: 1 Tag nach Ihrer Abmeldung" in html
    assert "höchstens 72 Stunden" in html  # 48 and the day until the purge


@pytest.mark.django_db
def test_processor_and_controller_follow_the_settings(client, settings):
    html = text_of(client)
    assert "Dafür verarbeitet Meta Platforms Ireland Limited" in html
    assert "Data Privacy Framework" in html and "Art. 17 DSGVO" in html and "Art. 21" in html
    settings.PRIVACY_PROCESSOR = "Beispiel-Dienstleister GmbH, Köln"
    settings.PRIVACY_CONTROLLER = "Stadt Musterhausen"
    settings.PRIVACY_SUPERVISORY_AUTHORITY = "Landesamt Muster"
    html = text_of(client)
    assert "Dafür verarbeitet Beispiel-Dienstleister GmbH, Köln" in html
    assert "Meta Platforms Ireland" not in html
    assert "Stadt Musterhausen" in html and "Landesamt Muster" in html


@pytest.mark.django_db
def test_signup_shows_number_link_and_qr_code(client, settings):
    settings.PUBLIC_WHATSAPP_NUMBER = "+49 2463 123456"
    html = text_of(client)
    assert 'href="https://wa.me/492463123456?text=Start"' in html
    assert "+49 2463 123456" in html
    response = client.get(reverse("public:qr"))
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"viewBox" in response.content


@pytest.mark.django_db
def test_signup_is_robust_without_settings_or_database(client, settings, django_assert_num_queries):
    for name in ("MUNICIPALITY_NAME", "MUNICIPALITY_CONTACT", "PUBLIC_WHATSAPP_NUMBER"):
        setattr(settings, name, "")
    settings.MUNICIPALITY_COLOR = "rot"
    with django_assert_num_queries(0):
        response = client.get(reverse("public:signup"))
    html = response.content.decode()
    assert response.status_code == 200 and "wa.me" not in html
    assert "Die WhatsApp-Nummer des Dienstes wird hier bald bekannt gegeben." in html
    assert client.get(reverse("public:qr")).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_pages_are_cacheable_and_cookie_free(client, name, settings, make_announcement):
    make_announcement()  # an empty feed says it was updated now, at every request
    response = client.get(reverse(f"public:{name}"))
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={settings.PUBLIC_CACHE_SECONDS}"
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    again = client.get(reverse(f"public:{name}"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_archive_last_modified(client, template):
    from announcements.models import Announcement

    first = Announcement.objects.create(
        title="x", body="a", template=template, template_params=["a"], status="sent"
    )
    Announcement.objects.filter(pk=first.pk).update(started_at="2026-11-30T09:00:00Z")
    response = client.get(reverse("public:archive"))
    assert response["Last-Modified"] == "Mon, 30 Nov 2026 09:00:00 GMT"
    again = client.get(
        reverse("public:archive"), HTTP_IF_MODIFIED_SINCE="Mon, 30 Nov 2026 09:00:00 GMT"
    )
    assert again.status_code == 304


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES[:5])
def test_no_third_party_resources(client, name):
    html = text_of(client, f"public:{name}")
    loaded = re.findall(r'<(?:img|script|link|iframe|source)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)
    assert "<script" not in html


def test_checks_warn_about_what_the_pages_would_miss(settings):
    assert [m for m in run_checks() if m.id.startswith("public.")] == []
    settings.MUNICIPALITY_CONTACT = ""
    settings.PRIVACY_PROCESSOR = " "
    settings.PUBLIC_WHATSAPP_NUMBER = "keine Nummer"
    settings.MUNICIPALITY_COLOR = "blue"
    found = {(m.id, m.msg.split(" ", 1)[0]) for m in run_checks() if m.id.startswith("public.")}
    assert found == {
        ("public.W001", "MUNICIPALITY_CONTACT"),
        ("public.W001", "PRIVACY_PROCESSOR"),
        ("public.W002", "PUBLIC_WHATSAPP_NUMBER"),
        ("public.W003", "MUNICIPALITY_COLOR"),
    }
