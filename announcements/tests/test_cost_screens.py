"""What Freigabe and Prüfung see of cost: the approval screen, the cost report, its CSV."""

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements.models import Announcement
from pricing import prices_csv
from pricing.models import BilledCount, Price
from subscribers.models import Subscriber

pytestmark = pytest.mark.django_db
S = Announcement.Status


@pytest.fixture(autouse=True)
def _prices(settings):
    Price.objects.all().delete()
    prices_csv.load(
        "Kategorie;Ländervorwahl;gültig ab;Euro je Nachricht\n"
        "utility;49;2025-07-01;0,0456\nmarketing;49;2025-07-01;0,1131\n"
    )
    settings.PRICING_MONTHLY_BUDGET = 0.05
    settings.LANGUAGE_CODE = "de"


def _subscribers(count):
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(code=f"K-{i}", number_hash=f"{i:064d}", consented_at=now, calling_code="49")
        for i in range(count)
    )


def test_approval_screen_shows_cost_budget_and_marketing_confirmation(
    client, freigeber, make_announcement, text_template
):
    _subscribers(2)
    text_template.category, text_template.previous_category = "MARKETING", "UTILITY"
    text_template.save()
    announcement = make_announcement(S.SUBMITTED)
    client.force_login(freigeber)
    page = client.get(reverse("admin:announcements_announcement_change", args=[announcement.pk]))
    html = page.content.decode()
    assert "Voraussichtliche Kosten" in html and "Deutschland (+49)" in html
    assert "0,23 €" in html  # 2 x 0.1131 (marketing now)
    assert "das Monatsbudget überschreiten" in html
    assert 'name="confirm_marketing"' in html
    url = reverse("admin:announcement_transition", args=[announcement.pk, "approve"])
    client.post(url, {"scheduled_at": ""})
    announcement.refresh_from_db()
    assert announcement.status == S.SUBMITTED
    client.post(url, {"scheduled_at": "", "confirm_marketing": "1"})
    announcement.refresh_from_db()
    assert announcement.status == S.APPROVED


@pytest.mark.parametrize("role", ["Freigabe", "Prüfung"])
def test_cost_report_and_csv_for_freigabe_and_pruefung(role, users, client, make_announcement):
    announcement = make_announcement(S.SENT, title="Sperrung L 12", started_at=timezone.now())
    BilledCount.objects.create(
        announcement_id=announcement.pk, calling_code="49", category="utility",
        day=timezone.localdate(), messages=1,
    )  # fmt: skip
    client.force_login(users[role])
    page = client.get(reverse("costs"))
    assert page.status_code == 200
    assert "Sperrung L 12" in page.content.decode() and "0,05 €" in page.content.decode()
    csv = client.get(reverse("costs"), {"csv": "month"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("Monat;Abgerechnete Nachrichten")
    sent = client.get(reverse("admin:announcements_announcement_change", args=[announcement.pk]))
    assert "Kosten laut WhatsApp" in sent.content.decode()


def test_redaktion_sees_no_cost_report(client, redakteur):
    client.force_login(redakteur)
    assert client.get(reverse("costs")).status_code == 403
