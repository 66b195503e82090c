"""The overview puts imported warnings waiting first and says when the import is down."""

import pytest
from django.urls import reverse

from nina import health
from nina.tasks import run_poll

pytestmark = pytest.mark.django_db


def overview(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_waiting_warnings_come_first_and_automatic_sends_say_no_person_approved(
    client, authority, warning_template, staff, settings
):
    settings.NINA_AUTO_SEND_SEVERITIES = ["Extreme"]
    authority.warn("Großbrand in Titz", severity="Severe")
    authority.warn("Explosion in Titz", severity="Extreme")
    run_poll()

    page = overview(client, staff["freigabe"])

    waiting = page.index('data-testid="nina-waiting"')
    assert waiting < page.index('data-testid="overview"')
    assert "Amtliche Warnungen zur Freigabe" in page
    assert "NINA: Großbrand in Titz" in page[waiting:]
    assert "keine Person hat sie freigegeben" in page
    assert "gestört" not in page


def test_import_disturbed_after_three_failures(client, authority, warning_template, staff):
    authority.mode("fail")
    run_poll()
    run_poll()
    assert "Import amtlicher Warnungen gestört" not in overview(client, staff["freigabe"])

    run_poll()

    page = overview(client, staff["freigabe"])
    assert "Import amtlicher Warnungen gestört seit" in page
    assert "NINA antwortet mit dem Fehler 503." in page
    assert health.current().consecutive_failures == 3
