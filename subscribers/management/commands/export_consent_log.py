"""``manage.py export_consent_log --from DATE --to DATE --format csv|jsonl [--output FILE]``."""

from datetime import date

from django.core.management.base import BaseCommand

from subscribers import export


class Command(BaseCommand):
    help = "Exportiert das Einwilligungsprotokoll mit seiner Hash-Kette (als Datenstrom)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
        parser.add_argument("--to", dest="end", type=date.fromisoformat, default=None)
        parser.add_argument("--format", choices=export.FORMATS, default="csv")
        parser.add_argument("--output", help="Zieldatei (ohne Angabe: Standardausgabe)")

    def handle(self, *, start, end, format, output, **options):
        lines = export.lines(format, start, end)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as target:
                target.writelines(lines)
        else:
            self.stdout.writelines(lines)
