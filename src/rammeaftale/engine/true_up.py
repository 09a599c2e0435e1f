"""True-up (efterregulering): a year's tariff result, what the operator may keep, and what enters the tariff of t+2.

result(t) = occupied days × tariffs charged + other tariff income − cost-based accounts(t)   (positive = surplus)
Two rulebook modes (research/domain_rules.md § 1.4):
- carry_over (Syddanmark): up to ±limit % of the cost-based budget moves to next year's operating budget;
  the rest enters the tariff of t+offset.
- reserve (Hovedstaden): a surplus up to limit % of the tariff basis may be reserved and used within N years;
  a deficit, and any surplus not reserved, enters the tariff of t+offset.
The amount entering the later tariff has the opposite sign of the result: a surplus lowers it, a deficit raises it.
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rammeaftale.engine.tariff import TariffInputError, round_ore

Mode = Literal["carry_over", "reserve"]


@dataclass(frozen=True)
class TariffIncome:
    """Days charged at one tariff (a year may have several tariffs, e.g. after a mid-year change)."""

    occupied_days: Decimal
    tariff_kr: Decimal


@dataclass(frozen=True)
class TrueUpInput:
    year: int
    cost_based_budget_kr: Decimal
    cost_based_accounts_kr: Decimal
    income: tuple[TariffIncome, ...] = ()
    other_tariff_income_kr: Decimal = Decimal(0)
    keep_kr: Decimal | None = None  # what the operator chooses to keep; None = as much as the rule allows


@dataclass(frozen=True)
class TrueUpResult:
    year: int
    tariff_income_kr: Decimal
    result_kr: Decimal
    limit_kr: Decimal
    kept_kr: Decimal
    kept_as: Literal["operating_budget", "reserve", "none"]
    to_tariff_kr: Decimal
    enters_tariff_year: int
    reserve_expires_year: int | None

    @property
    def is_surplus(self) -> bool:
        return self.result_kr > 0


def true_up_calculate(*, data: TrueUpInput, mode: Mode, limit_pct: Decimal, year_offset: int,
                      reserve_use_within_years: int | None = None) -> TrueUpResult:
    for name in ("cost_based_budget_kr", "cost_based_accounts_kr", "other_tariff_income_kr"):
        if getattr(data, name) < 0:
            raise TariffInputError(f"{name}: må ikke være negativ", field=name)
    for index, line in enumerate(data.income):
        if line.occupied_days < 0 or line.tariff_kr < 0:
            raise TariffInputError(f"income[{index}]: dage og takst må ikke være negative", field=f"income[{index}]")
    tariff_income = sum((round_ore(line.occupied_days * line.tariff_kr) for line in data.income), Decimal(0))
    result = tariff_income + data.other_tariff_income_kr - data.cost_based_accounts_kr
    limit = round_ore(data.cost_based_budget_kr * limit_pct / 100)
    if mode == "carry_over":
        allowed = min(abs(result), limit)
        kept_as = "operating_budget"
    elif mode == "reserve":
        allowed = min(result, limit) if result > 0 else Decimal(0)
        kept_as = "reserve"
    else:
        raise TariffInputError(f"ukendt efterreguleringsmodel «{mode}»", field="mode")
    if data.keep_kr is not None:
        if not Decimal(0) <= data.keep_kr <= allowed:
            raise TariffInputError(
                f"keep_kr: der kan højst beholdes {allowed} kr. (grænsen er {limit_pct} % af {data.cost_based_budget_kr})",
                field="keep_kr",
            )
        allowed = data.keep_kr
    kept = allowed if result >= 0 else -allowed
    return TrueUpResult(
        year=data.year,
        tariff_income_kr=tariff_income,
        result_kr=result,
        limit_kr=limit,
        kept_kr=kept,
        kept_as=kept_as if kept else "none",
        to_tariff_kr=-(result - kept),
        enters_tariff_year=data.year + year_offset,
        reserve_expires_year=(data.year + reserve_use_within_years) if kept_as == "reserve" and kept else None,
    )
