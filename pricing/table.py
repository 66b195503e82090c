"""The price table in memory: the rate of a category and country on a given day.

One query loads every row (a rate card has a few hundred); the look-up then costs a few
dict reads, so an estimate over a dozen countries or a yearly report needs no query per
figure. A country without a row of its own costs the "" row's rate (all other countries).
"""

import bisect
from collections import defaultdict
from decimal import Decimal

from .models import Price


class PriceTable:
    def __init__(self, rows):
        self._rates = defaultdict(list)  # (category, code) -> [(valid_from, amount)], sorted
        for row in rows:
            self._rates[(row.category, row.calling_code)].append((row.valid_from, row.amount))
        for rates in self._rates.values():
            rates.sort()

    @classmethod
    def load(cls):
        return cls(Price.objects.only("category", "calling_code", "valid_from", "amount"))

    def rate(self, category, calling_code, on):
        """Euros per message of ``category`` to ``calling_code`` valid on the date ``on``.

        ``None`` when the table has no rate for it (neither the country's nor the "" row),
        so the screen can say the figure is missing instead of showing 0 €.
        """
        for code in (calling_code, ""):
            rates = self._rates.get((category, code))
            if rates:
                index = bisect.bisect_right(rates, (on, Decimal("Infinity"))) - 1
                if index >= 0:
                    return rates[index][1]
        return None
