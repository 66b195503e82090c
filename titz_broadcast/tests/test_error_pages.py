"""Staff never meet a bare (English) error page: 403, 404, CSRF failure and 500 are German,
in the admin's look, and lead back to the overview."""

import pytest
from django.test import RequestFactory
from django.views import defaults
from django.views.csrf import csrf_failure


def assert_german_page(response, heading):
    text = response.content.decode()
    assert heading in text
    assert 'href="/admin/"' in text and "admin/css/base.css" in text
    assert "Not Found" not in text and "Server Error" not in text


@pytest.mark.django_db
def test_an_unknown_address_is_a_german_404(client, settings):
    settings.DEBUG = False
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert_german_page(response, "Diese Seite gibt es nicht")


def test_a_server_error_is_a_german_500_without_any_context(settings):
    settings.DEBUG = False
    response = defaults.server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    assert_german_page(response, "Das hat leider nicht geklappt")


def test_forbidden_and_an_expired_form_are_german(settings):
    settings.DEBUG = False
    request = RequestFactory().get("/admin/")
    forbidden = defaults.permission_denied(request, exception=None)
    assert forbidden.status_code == 403
    assert_german_page(forbidden, "Dafür fehlt Ihnen die Berechtigung")
    expired = csrf_failure(RequestFactory().post("/admin/login/"))
    assert expired.status_code == 403
    assert_german_page(expired, "Das Formular ist abgelaufen")
