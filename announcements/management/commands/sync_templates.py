"""``manage.py sync_templates``: refresh the local copy of the WhatsApp templates."""

from django.core.management.base import BaseCommand

import audit
from announcements.template_sync import sync_templates


class Command(BaseCommand):
    help = "Fetch the message templates of the WhatsApp Business Account."

    def handle(self, *args, **options):
        created, updated, gone = sync_templates()
        audit.record(None, "templates.sync", "", created=created, updated=updated, gone=gone)
        self.stdout.write(f"Templates: {created} new, {updated} updated, {gone} no longer listed.")
