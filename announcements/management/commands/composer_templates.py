"""Print the composer's message templates as Meta's create-template requests take them.

An operator submits each object to ``POST /<WABA-ID>/message_templates`` (or enters it in
WhatsApp Manager), waits for approval and runs ``sync_templates``; see README, "Writing
messages: paragraphs and templates".
"""

import json

from django.core.management.base import BaseCommand

from announcements import template_rules, template_set


class Command(BaseCommand):
    help = "Gibt die Vorlagen des Editors als JSON für Meta aus (eine pro Zeile)."

    def handle(self, *args, **options):
        for definition in template_set.for_settings():
            problems = template_rules.problems(definition)
            if problems:  # the tests keep this from happening; say so rather than submit
                self.stderr.write(f"{definition['name']}: {'; '.join(problems)}")
            self.stdout.write(json.dumps(definition, ensure_ascii=False))
