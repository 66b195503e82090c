"""What ``make run`` prints: the demo logins, and the templates synced without a false alarm.

``demo_setup`` runs before the simulator is up and ``demo_seed`` beside it, so the sync
retries a few seconds while the simulator is still starting and only then reports; the
logins are printed once more at the end, when everything runs, so they are the last
thing on the screen and not lost among the workers' start-up lines.
"""

import time

from announcements.template_sync import sync_templates
from staff.demo import DEMO_USERS
from whatsapp.exceptions import TransientError, WhatsAppError

RETRY_SECONDS = 0.5


def print_logins(stdout):
    for username, (group_name, password) in DEMO_USERS.items():
        stdout.write(f"  {group_name or 'Superuser':<10} {username} / {password}")


def sync_templates_patiently(stdout, wait: float) -> bool:
    """Sync the templates, retrying transient failures (a simulator still starting) for
    up to ``wait`` seconds; says what happened in one line. True when synced."""
    deadline = time.monotonic() + wait
    while True:
        try:
            created, updated, gone = sync_templates()
        except TransientError:
            if time.monotonic() + RETRY_SECONDS <= deadline:
                time.sleep(RETRY_SECONDS)
                continue
            stdout.write(
                "Vorlagen noch nicht abgeglichen: WhatsApp (hier der Simulator) antwortet "
                "nicht. Später im Verwaltungsbereich „Mit WhatsApp abgleichen“ wählen."
            )
            return False
        except WhatsAppError as error:
            stdout.write(f"Vorlagen nicht abgeglichen: {error.explanation or error}")
            return False
        stdout.write(f"Vorlagen: {created} neu, {updated} aktualisiert, {gone} entfallen.")
        return True
