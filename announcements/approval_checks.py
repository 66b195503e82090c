"""What the approver must know before pressing "Freigeben", as data for the screen.

One place for the approval screen's facts about money and Meta's verdicts, so that the
composer (whatever its layout) renders them and never computes them itself:

- the expected cost of the broadcast by the audience's countries and, apart, of the
  replies it will provoke: measured from the last weeks' billed replies when there are
  any, else assumed (``pricing.estimate``, whose docstring states the assumptions);
- whether it would pass the monthly budget (``PRICING_MONTHLY_BUDGET``), counting what
  Meta billed this month so far;
- a template Meta paused or disabled (approval is refused: ``services.check_content``);
- a template Meta re-categorised as marketing (approval needs the explicit confirmation
  ``services.approve(confirm_marketing=True)`` asks for).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from pricing import estimate, reports
from pricing.table import PriceTable

from . import services, template_health
from .models import recipients


@dataclass(frozen=True)
class ApprovalChecks:
    estimate: estimate.Estimate | None  # None without a template, or once sending began
    month_spent: Decimal
    budget: Decimal  # 0: no budget set
    over_budget: bool
    blocked_reason: str  # the German reason a paused/disabled template gives, else ""
    marketing_warning: str  # the German warning of a re-categorisation, else ""
    billed: reports.CostRow | None = None  # what Meta billed for it so far (once started)

    @property
    def month_total(self):
        return self.month_spent + (self.estimate.total if self.estimate else Decimal(0))


def check(announcement, *, audience=None):
    """The ``ApprovalChecks`` for ``announcement`` now (a handful of queries).

    The template's verdicts are shown on every announcement that uses it; the estimate
    and the budget only before sending, what Meta billed once it has begun.
    """
    template = announcement.template
    table = PriceTable.load()
    forecast = billed = None
    if announcement.started_at is not None:
        billed = reports.costs("announcement", announcement_ids=[announcement.pk], table=table)
        billed = billed[0] if billed else None
    elif template is not None:
        counts = estimate.audience(recipients(announcement)) if audience is None else audience
        forecast = estimate.estimate(
            template.category, counts, table=table, reply_rate=reports.measured_reply_rate()
        )
    spent = reports.month_to_date(table=table)
    budget = Decimal(str(settings.PRICING_MONTHLY_BUDGET))
    total = spent + (forecast.total if forecast else Decimal(0))
    blocked = ""
    if template is not None and template_health.is_blocked(template.status):
        blocked = template_health.pause_reason(template.status, template.name)
    marketing = ""
    if template is not None and template.became_marketing:
        marketing = str(services.MARKETING_WARNING % {"name": template.name})
    return ApprovalChecks(
        estimate=forecast,
        month_spent=spent,
        budget=budget,
        over_budget=bool(budget) and total > budget,
        blocked_reason=blocked,
        marketing_warning=marketing,
        billed=billed,
    )
