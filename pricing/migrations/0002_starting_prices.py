"""Load the starting price table (``pricing/data/prices.csv``) on a fresh installation.

Only where the table is still empty: the office's own rates are never overwritten. The
figures are starting values to be checked (the file names their sources).
"""

from pathlib import Path

from django.db import migrations

STARTING_TABLE = Path(__file__).resolve().parents[1] / "data" / "prices.csv"


def load(apps, schema_editor):
    from pricing.prices_csv import parse

    Price = apps.get_model("pricing", "Price")
    if Price.objects.exists():
        return
    rows = parse(STARTING_TABLE.read_text(encoding="utf-8"))
    Price.objects.bulk_create(
        Price(
            category=row.category,
            calling_code=row.calling_code,
            valid_from=row.valid_from,
            amount=row.amount,
            source=row.source,
        )
        for row in rows
    )


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_prices_and_billed_counts")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
