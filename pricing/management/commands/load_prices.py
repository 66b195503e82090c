"""``manage.py load_prices [FILE]``: read Meta's rates from the office's CSV.

Without a file, the starting table shipped with the project (``pricing/data/prices.csv``,
its sources in its comments) is loaded: check its figures against Meta's current rate
card before relying on them.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pricing import prices_csv

STARTING_TABLE = Path(__file__).resolve().parents[2] / "data" / "prices.csv"


class Command(BaseCommand):
    help = "Preistabelle aus einer CSV-Datei einlesen (ohne Datei: die mitgelieferte)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(STARTING_TABLE))

    def handle(self, *args, file, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Datei nicht lesbar: {error}") from error
        try:
            loaded = prices_csv.load(text)
        except prices_csv.PriceFileError as error:
            raise CommandError("\n".join(error.errors)) from error
        self.stdout.write(f"{loaded.created} Preise neu, {loaded.updated} geändert.")
