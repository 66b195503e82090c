"""``manage.py verify_consent_log [FILE] [--offline]``: check the stored log or an export.

Prints the same German verdict the admin's "Prüfen" page shows; exits non-zero when the
chain is broken, so a script can rely on it. The stored log is checked against its signed
checkpoints; a file against the checkpoints it carries and, unless ``--offline``, against
the stored log.
"""

from django.core.management.base import BaseCommand, CommandError

from subscribers import checkpoints, export


class Command(BaseCommand):
    help = "Prüft die Hash-Kette des Einwilligungsprotokolls, nennt den ersten Fehler."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="ein Export (CSV oder JSONL); ohne Angabe: das gespeicherte Protokoll",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="die Datei nur mit ihren signierten Prüfpunkten prüfen, ohne Datenbank",
        )

    def handle(self, *, file, offline, **options):
        if file:
            with open(file, encoding="utf-8", newline="") as stream:
                verdict = export.verify_stream(stream, stored=not offline)
        else:
            verdict = checkpoints.verify_database()
        if not verdict.ok:
            raise CommandError(str(verdict))
        self.stdout.write(str(verdict))
