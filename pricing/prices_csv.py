"""Read the price table from the CSV an operator keeps (``manage.py load_prices``, admin).

Format: a header line ``Kategorie;Ländervorwahl;gültig ab;Euro je Nachricht;Quelle``, then
one rate per line, e.g. ``marketing;49;2026-10-01;0,1131;Meta-Preisliste 10/2026``.
Semicolons or commas separate the fields (what a German spreadsheet writes); amounts take
a decimal comma or point; an empty calling code is the rate for every other country.
Lines starting with ``#`` are comments. The whole file is checked before anything is
stored: one bad line rejects it with the line number, and nothing changes.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Category, Price

COLUMNS = 5


class PriceFileError(ValueError):
    """The file is not a price table; ``errors`` holds German messages with line numbers."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Loaded:
    created: int
    updated: int


def parse(text):
    """The ``Price`` rows (unsaved) of the CSV ``text``; raises ``PriceFileError``."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise PriceFileError([_("The file holds no prices.")])
    dialect = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows, errors, seen = [], [], set()
    numbered = list(enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=dialect), 1))
    for number, fields in numbered[1:]:  # the first line is the header
        try:
            row = _row(fields)
        except ValueError as error:
            errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": error})
            continue
        key = (row.category, row.calling_code, row.valid_from)
        if key in seen:
            errors.append(_("Line %(line)d: duplicate price.") % {"line": number})
        seen.add(key)
        rows.append(row)
    if errors:
        raise PriceFileError(errors)
    if not rows:
        raise PriceFileError([_("The file holds no prices.")])
    return rows


def _row(fields):
    fields = [field.strip() for field in fields]
    if len(fields) < COLUMNS - 1:
        raise ValueError(_("expected are category, country calling code, valid from and amount."))
    category, code, valid_from, amount = fields[:4]
    source = fields[4] if len(fields) >= COLUMNS else ""
    if category.lower() not in Category.values:
        raise ValueError(
            _("unknown category “%(value)s” (allowed: %(allowed)s).")
            % {"value": category, "allowed": ", ".join(Category.values)}
        )
    code = code.lstrip("+")
    if code and not (code.isdigit() and len(code) <= 4):
        raise ValueError(_("“%(value)s” is not a country calling code.") % {"value": code})
    try:
        day = date.fromisoformat(valid_from)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": valid_from}
        ) from None
    try:
        euros = Decimal(amount.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": amount}) from None
    if not euros.is_finite() or euros < 0 or euros >= 1000:
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": amount})
    return Price(
        category=category.lower(),
        calling_code=code,
        valid_from=day,
        amount=euros.quantize(Decimal("0.0001")),
        source=source[:300],
    )


def load(text):
    """Store the rates of the CSV ``text`` (new ones added, existing ones updated)."""
    rows = parse(text)
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            _, was_created = Price.objects.update_or_create(
                category=row.category,
                calling_code=row.calling_code,
                valid_from=row.valid_from,
                defaults={"amount": row.amount, "source": row.source},
            )
            created += was_created
            updated += not was_created
    return Loaded(created, updated)
