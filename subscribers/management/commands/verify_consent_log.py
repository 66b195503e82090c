"""``manage.py verify_consent_log [FILE]``: check the chain in the database or an export.

Prints the same German verdict the admin's "Prüfen" page shows; exits non-zero when the
chain is broken, so a script can rely on it.
"""

from django.core.management.base import BaseCommand, CommandError

from subscribers import chain, export


class Command(BaseCommand):
    help = "Prüft die Hash-Kette des Einwilligungsprotokolls, nennt den ersten Fehler."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="ein Export (CSV oder JSONL); ohne Angabe: das gespeicherte Protokoll",
        )

    def handle(self, *, file, **options):
        if file:
            with open(file, encoding="utf-8", newline="") as stream:
                verdict = export.verify_stream(stream)
        else:
            verdict = chain.verify_database()
        if not verdict.ok:
            raise CommandError(str(verdict))
        self.stdout.write(str(verdict))
