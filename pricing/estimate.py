"""What a broadcast will cost before it is approved: the audience's countries x Meta's rates.

The broadcast: every recipient gets one template message of the template's category,
billed when delivered, at the rate of their country's calling code (subscribers of
unknown country at ``PRICING_DEFAULT_CALLING_CODE``'s). Assumed: every message is
delivered; failed ones cost nothing, so the real figure can only be lower.

The replies it provokes: some residents answer a broadcast ("Danke", a question), and
each gets one automatic answer, a service message billed since 1 October 2026. The
estimate assumes ``PRICING_REPLY_RATE`` of the recipients (2 % by default) write back
once each, and prices their answers at the service rate of their country. It ignores
Meta's free allowance of service messages (reported as the first 1,000 per month), so
it errs on the high side. Once replies are measured (``reports.measured_reply_rate``:
billed replies per billed broadcast message in the last four weeks), the caller passes
that share instead, and ``Estimate.reply_measured`` says the screen which one it shows.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from .countries import country_name, priced_code
from .models import Category
from .table import PriceTable

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One country of the audience."""

    calling_code: str
    country: str
    recipients: int
    rate: Decimal | None  # euros per message; None: the table has no rate
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    category: str  # Meta's pricing category of the broadcast (lower case)
    lines: list[Line]
    broadcast: Decimal  # euros for the broadcast
    replies: Decimal  # expected number of answers (not rounded)
    replies_cost: Decimal
    reply_rate: float
    missing: list[str] = field(default_factory=list)  # countries without a rate
    reply_measured: bool = False  # reply_rate measured from billed replies, not assumed

    @property
    def total(self):
        return self.broadcast + self.replies_cost

    @property
    def reply_percent(self):
        return self.reply_rate * 100

    @property
    def recipients(self):
        return sum(line.recipients for line in self.lines)


def audience(recipients=None):
    """Recipients by calling code (one GROUP BY) of a subscriber queryset.

    The caller passes who an announcement reaches (``announcements.models.recipients``);
    without it, every subscriber not marked undeliverable.
    """
    from subscribers.models import Subscriber

    if recipients is None:
        recipients = Subscriber.objects.filter(flagged_undeliverable=False)
    rows = recipients.values_list("calling_code").order_by().annotate(n=Count("pk"))
    counts = Counter()
    for code, n in rows:
        counts[priced_code(code)] += n
    return dict(counts)


def estimate(category, counts, *, on=None, table=None, reply_rate=None):
    """The ``Estimate`` for ``counts`` (calling code -> recipients) of ``category``.

    ``reply_rate``: the measured share of recipients who get a reply; None assumes
    ``PRICING_REPLY_RATE``.
    """
    on = on or timezone.localdate()
    table = table or PriceTable.load()
    measured = reply_rate is not None
    reply_rate = settings.PRICING_REPLY_RATE if reply_rate is None else reply_rate
    category = (category or Category.UTILITY).lower()
    lines, missing = [], []
    replies = replies_cost = Decimal(0)
    share = Decimal(str(reply_rate))
    for code, recipients in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rate = table.rate(category, code, on)
        if rate is None:
            missing.append(country_name(code))
        amount = (rate or 0) * recipients
        lines.append(Line(code, country_name(code), recipients, rate, amount))
        expected = share * recipients
        replies += expected
        replies_cost += (table.rate(Category.SERVICE, code, on) or 0) * expected
    return Estimate(
        category=category,
        lines=lines,
        broadcast=sum((line.amount for line in lines), Decimal(0)),
        replies=replies,
        replies_cost=replies_cost,
        reply_rate=reply_rate,
        missing=missing,
        reply_measured=measured,
    )
