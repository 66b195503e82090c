"""Fill the running demo with life: three simulated residents, one sent and one scheduled
announcement.

The residents subscribe the way real ones do, by writing "Start" on the simulator's phone,
which posts a signed webhook to the running web app; nothing bypasses the webhook path.
The command waits (bounded) for the web app and the simulator, so ``make run`` can start
it beside them. It syncs the templates once the simulator answers, seeds only when the
demo has no announcements yet, and ends by printing the addresses and logins: the last
lines of the terminal when everything runs.
"""

import time
from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from announcements import services
from announcements.forms import AnnouncementForm
from announcements.management.demo_terminal import print_logins, sync_templates_patiently
from announcements.models import Announcement
from subscribers.models import Subscriber

# Anna, Bernd and Clara of the simulator's phone page (templates/simulator/phone.html).
DEMO_PHONES = ["4915100000001", "4915100000002", "4916000000003"]
WAIT_SECONDS = 120


class Command(BaseCommand):
    help = "Subscribe three simulated residents and create one sent and one scheduled message."

    def add_arguments(self, parser):
        parser.add_argument("--web-url", default="http://127.0.0.1:8000")
        parser.add_argument("--wait", type=float, default=WAIT_SECONDS)

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_seed is for the embedded demo only (DEBUG on).")
        simulator = settings.WHATSAPP_API_BASE_URL.rstrip("/")
        deadline = time.monotonic() + options["wait"]
        self._wait_for(f"{options['web_url']}/healthz", deadline)
        self._wait_for(f"{simulator}/_sim/stats", deadline)
        sync_templates_patiently(self.stdout, wait=10)
        if Announcement.objects.exists():
            self.stdout.write("Demo schon eingerichtet.")
        else:
            self._seed(simulator, deadline)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "=" * 64,
                    "Alles läuft.",
                    f"  Verwaltung:        {options['web_url']}/admin/",
                    f"  Telefon-Simulator: {simulator}/",
                    "  Anmeldungen (Rolle, Benutzer / Passwort):",
                ]
            )
        )
        print_logins(self.stdout)
        self.stdout.write("Strg-C beendet alles.\n" + "=" * 64)

    def _seed(self, simulator, deadline):
        for phone in DEMO_PHONES:
            response = requests.post(
                f"{simulator}/_sim/inbound", json={"from": phone, "text": "Start"}, timeout=10
            )
            response.raise_for_status()
        while Subscriber.objects.count() < len(DEMO_PHONES):
            if time.monotonic() > deadline:
                raise CommandError("the demo residents did not subscribe in time")
            time.sleep(0.5)
        User = get_user_model()
        editor = User.objects.get(username="redaktion")
        approver = User.objects.get(username="freigabe")
        sent = self._create(
            editor,
            title="Willkommen",
            heading="Willkommen beim Infodienst",
            body="Ab heute informiert die Gemeinde hier über *Neuigkeiten* und _Warnungen_.",
        )
        services.submit(sent, editor)
        services.approve(sent, approver)
        scheduled = self._create(
            editor,
            title="Straßensperrung",
            heading="Landstraße gesperrt",
            body="Die Landstraße ist am Montag von 8 bis 16 Uhr *gesperrt*.",
        )
        services.submit(scheduled, editor)
        services.approve(scheduled, approver)
        tomorrow = timezone.localtime() + timedelta(days=1)
        services.schedule(
            scheduled, approver, tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
        )
        self.stdout.write(
            f"Demo eingerichtet: {len(DEMO_PHONES)} Abonnenten, eine Nachricht unterwegs, "
            "eine geplant."
        )

    def _create(self, user, **fields):
        form = AnnouncementForm(data={"category": "news", **fields})
        if not form.is_valid():
            raise CommandError(f"demo announcement invalid: {form.errors.as_text()}")
        announcement = form.save(commit=False)
        announcement.created_by = user
        announcement.save()
        return announcement

    def _wait_for(self, url, deadline):
        while True:
            try:
                if requests.get(url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"{url} did not answer; is `make run` running?")
            time.sleep(0.5)
