"""Tariff growth against the price and wage index (P/L), and the rulebook's expense-increase report threshold."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.rulebooks.models import Rulebook


@dataclass(frozen=True)
class GrowthCheck:
    previous_kr: Decimal
    current_kr: Decimal
    increase_pct: Decimal
    pl_pct: Decimal | None
    exceeds_pl: bool
    report_required: bool

    def message_da(self) -> str:
        parts = [f"Stigning {self.increase_pct} %"]
        if self.pl_pct is None:
            parts.append("P/L for året mangler i P/L-tabellen")
        elif self.exceeds_pl:
            parts.append(f"over P/L ({self.pl_pct} %): forklaring kræves")
        if self.report_required:
            parts.append("udgiftsstigningen skal indberettes")
        return "; ".join(parts)


def tariff_growth_check(*, previous_kr: Decimal, current_kr: Decimal, pl_pct: Decimal | None,
                        rulebook: Rulebook | None = None, offer_type: str = "") -> GrowthCheck:
    """Growth from last year's tariff; flags growth above P/L and growth the rulebook requires reported."""
    if previous_kr <= 0:
        raise ValueError("previous_kr must be positive")
    increase = ((current_kr - previous_kr) * 100 / previous_kr).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    report = bool(rulebook and offer_type and rulebook.expense_increase_is_reportable(
        offer_type=offer_type, increase_pct=increase))
    return GrowthCheck(
        previous_kr=previous_kr, current_kr=current_kr, increase_pct=increase, pl_pct=pl_pct,
        exceeds_pl=pl_pct is not None and increase > pl_pct, report_required=report,
    )


def overhead_share_pct(*, overhead_kr: Decimal, direct_costs_kr: Decimal) -> Decimal:
    """Overhead as a percentage of direct costs, the measure Hovedstaden's 6 % norm is stated in."""
    if direct_costs_kr <= 0:
        raise ValueError("direct_costs_kr must be positive")
    return (overhead_kr * 100 / direct_costs_kr).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
