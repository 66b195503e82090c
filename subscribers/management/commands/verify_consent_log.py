"""``manage.py verify_consent_log [FILE]``: check the chain in the database or an export."""

from django.core.management.base import BaseCommand, CommandError

from subscribers import chain, export


class Command(BaseCommand):
    help = "Verify the consent log's hash chain; name the first broken row."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="an export (CSV or JSONL); default: the database"
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
