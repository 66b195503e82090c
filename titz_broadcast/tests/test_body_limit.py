"""Request bodies are capped before they are read (issue 27): the review's 200 MB
anonymous multipart POST to the login page was accepted and spooled to disk."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from titz_broadcast import webhook_settings

pytestmark = pytest.mark.django_db
VERIFY = "/admin/subscribers/consentevent/verify/"


def big_file(size):
    return SimpleUploadedFile("gross.csv", b"x" * size, content_type="text/csv")


def test_an_oversized_anonymous_post_is_refused_in_german_unread(client, settings):
    settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES = 50_000
    response = client.post(
        "/admin/login/", {"username": "a", "password": "b", "file": big_file(60_000)}
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "zu groß" in text and "0,05 MB" in text
    # A normal login form still gets through.
    assert client.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 200


def test_staff_may_send_more_but_not_without_limit(client, settings):
    settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES = 50_000
    settings.REQUEST_BODY_MAX_BYTES = 200_000
    user = User.objects.create_user("pruefer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_consentevent"))
    client.force_login(user)
    accepted = client.post(VERIFY, {"file": big_file(60_000), "upload": "1"})
    assert accepted.status_code == 200  # read and verified (it is no export)
    refused = client.post(VERIFY, {"file": big_file(250_000), "upload": "1"})
    assert refused.status_code == 413 and "zu groß" in refused.content.decode()
    assert AuditEntry.objects.filter(action="consent_log_verified").count() == 1


def test_the_webhook_process_caps_bodies_too():
    assert "titz_broadcast.bodylimit.RequestBodyLimitMiddleware" in webhook_settings.MIDDLEWARE


def test_an_oversized_webhook_is_refused(client, settings):
    settings.ANONYMOUS_REQUEST_BODY_MAX_BYTES = 1_000
    response = client.post(
        "/whatsapp/webhook/", data=b"{" + b" " * 2_000 + b"}", content_type="application/json"
    )
    assert response.status_code == 413


def test_the_cap_leaves_the_session_of_a_public_page_alone(client):
    """Looking up the user would add ``Vary: Cookie`` to cacheable public pages."""
    response = client.get(reverse("public:signup"))
    assert response.status_code == 200 and "Cookie" not in response.get("Vary", "")
