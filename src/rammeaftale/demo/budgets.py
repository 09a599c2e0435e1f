"""Demo budgets behind the calculated tariffs: cost lines derived from a target tariff, drawn from one seed.

Pure: no database, no clock. For each offer the planner draws, from its own stream
`random.Random(f"rammeaftale-demo:{seed}:{region code}:budgets")` and in plan order, the offer's cost profile
(overhead, depreciation, capital, pension, other income, hours per place), two or three years of actual occupancy,
and for each calculated year whether the tariff rises above P/L (and whether that is already explained). The
target tariff of a year is last year's tariff grown by P/L minus a small margin, or by P/L plus an excess for the
offers picked to rise above it; the budget is that target times the budgeted days (or hours), split into the cost
lines, so the engine lands on the target to within an øre. How the shares are chosen: `demo/DEMO.md`.
"""
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

KRONE = Decimal(1)
PCT = Decimal("0.01")

OVER_PL_PCT = {0: 8, 1: 12}  # share of offers rising above P/L in the first and second calculated year
EXPLAINED_PCT = {0: 80, 1: 40}  # of those, the share whose explanation is already recorded
LOW_OCCUPANCY_PCT = 5  # offers budgeted below the rulebook's lowest occupancy, with an approval
OVERHEAD_AS_AMOUNT_PCT = 25  # offers budgeting overhead in kroner rather than as a percentage
PENSION_PCT = 30  # public offers with civil-servant pension contributions
OTHER_INCOME_PCT = 15  # offers with income that is not tariff income
# Shares of the direct costs (salaries ~72 %, property ~9 %, other direct ~10 % of the whole budget).
SALARIES_OF_DIRECT, PROPERTY_OF_DIRECT = Decimal(72) / 91, Decimal(9) / 91

EXPLANATIONS = (
    "Ny nattevagt efter tilsynets påbud; normeringen er øget fra 1. januar.",
    "Øget normering til borgere med massive støttebehov efter revisitation.",
    "Huslejen er steget efter renoveringen af bygningerne (ny lejekontrakt).",
    "Færre pladser fra årets start fordeler de faste udgifter på færre døgn.",
    "Overenskomstbestemte lønstigninger ud over KL's skøn og højere vikarudgifter.",
    "Ny specialiseret indsats for borgere med autisme kræver efteruddannelse af personalet.",
)
APPROVAL_REASONS = (
    "Tilbuddet omstilles til en ny målgruppe; belægningen er lavere i overgangen.",
    "Færre henvisninger efter kommunernes hjemtagning; belægningen budgetteres efter de seneste års faktiske tal.",
    "Nyt tilbud under indfasning; pladserne tages i brug gradvist.",
)
APPROVERS = ("Den administrative styregruppe", "Socialdirektørforum")


def _kr(value: Decimal) -> Decimal:
    return value.quantize(KRONE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostProfile:
    """An offer's way of budgeting, the same in every year."""

    overhead_pct: Decimal
    overhead_as_amount: bool
    depreciation_share: Decimal
    capital_multiple: int
    interest_rate_pct: Decimal
    pension_share: Decimal
    other_income_share: Decimal
    hours_per_place: int


@dataclass(frozen=True)
class YearDraw:
    over_pl: bool
    explained: bool
    margin_pct: Decimal  # below P/L, for a tariff that keeps within it
    excess_pct: Decimal  # above P/L, for a tariff that rises above it
    approval_reason: str
    approver: str
    approval_day: int
    explanation: str


@dataclass
class OfferBudgetPlan:
    profile: CostProfile
    low_occupancy: bool
    actual_occupancy: dict[int, Decimal]
    years: dict[int, YearDraw] = field(default_factory=dict)


@dataclass(frozen=True)
class LineAmounts:
    """One service's budget in kroner, as `tariffs.ServiceBudget` stores it (after kr → øre).

    Percentages and hours carry two decimals, as the database gives them back, so the stored calculation is the one
    `tariff_budget_calculate` makes from the saved budget.
    """

    salaries_kr: Decimal
    property_kr: Decimal
    other_direct_kr: Decimal
    overhead_kr: Decimal | None
    overhead_pct: Decimal | None
    depreciation_kr: Decimal
    capital_book_value_kr: Decimal
    interest_rate_pct: Decimal
    pension_kr: Decimal
    other_income_kr: Decimal
    budgeted_hours: Decimal | None


class BudgetPlanner:
    def __init__(self, *, rng: random.Random, calculated_years: tuple[int, ...]):
        self.rng = rng
        self.calculated_years = calculated_years

    def _chance(self, pct: int) -> bool:
        return self.rng.randint(1, 100) <= pct

    def _tenths(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low, high)) / 10

    def actual_years(self) -> tuple[int, ...]:
        """The closed years a calculated year's budgeted occupancy averages: the two before each."""
        if not self.calculated_years:
            return ()
        return tuple(range(self.calculated_years[0] - 2, self.calculated_years[-1]))

    def offer(self, *, public: bool, short_stay: bool, min_pct: Decimal,
              short_stay_min_pct: Decimal) -> OfferBudgetPlan:
        """Every draw for one offer, always in the same order so one offer's draws never shift another's."""
        overhead_as_amount = self._chance(OVERHEAD_AS_AMOUNT_PCT)
        profile = CostProfile(
            overhead_pct=self._tenths(40, 90), overhead_as_amount=overhead_as_amount,
            depreciation_share=self._tenths(15, 35) / 100, capital_multiple=self.rng.randint(8, 15),
            interest_rate_pct=Decimal(self.rng.randint(8, 16)) / 4,
            pension_share=self._tenths(8, 20) / 100 if self._chance(PENSION_PCT) and public else Decimal(0),
            other_income_share=self._tenths(5, 30) / 100 if self._chance(OTHER_INCOME_PCT) else Decimal(0),
            hours_per_place=self.rng.randint(120, 200),
        )
        low = self._chance(LOW_OCCUPANCY_PCT)
        floor = short_stay_min_pct if short_stay else min_pct
        actual = {}
        for year in self.actual_years():
            # Tenths of a per cent: high enough to average inside the bounds, or clearly below them.
            tenths = self.rng.randint(int(floor * 10) - 90, int(floor * 10) - 15) if low else self.rng.randint(
                int(floor * 10) + 5, 998)
            actual[year] = Decimal(tenths) / 10
        plan = OfferBudgetPlan(profile=profile, low_occupancy=low, actual_occupancy=actual)
        for index, year in enumerate(self.calculated_years):
            plan.years[year] = YearDraw(
                over_pl=self._chance(OVER_PL_PCT[min(index, 1)]),
                explained=self._chance(EXPLAINED_PCT[min(index, 1)]),
                margin_pct=self._tenths(2, 9), excess_pct=self._tenths(12, 55),
                approval_reason=self.rng.choice(APPROVAL_REASONS), approver=self.rng.choice(APPROVERS),
                approval_day=self.rng.randint(1, 28), explanation=self.rng.choice(EXPLANATIONS),
            )
        return plan


def budgeted_occupancy(plan: OfferBudgetPlan, year: int) -> Decimal | None:
    """The average of the two years before, as `tariff_budget_save` takes it from the actual occupancy."""
    before = [plan.actual_occupancy.get(year - 2), plan.actual_occupancy.get(year - 1)]
    if None in before:
        return None
    return (sum(before, Decimal(0)) / 2).quantize(PCT, rounding=ROUND_HALF_UP)


def target_tariff_kr(*, previous_kr: Decimal | None, planned_kr: Decimal, pl_pct: Decimal | None,
                     draw: YearDraw) -> Decimal:
    """Last year's tariff grown by P/L less a margin, or by P/L plus an excess; the planned level without one."""
    if previous_kr is None or pl_pct is None:
        return planned_kr
    growth = pl_pct + draw.excess_pct if draw.over_pl else pl_pct - draw.margin_pct
    return previous_kr * (1 + growth / 100)


def line_amounts(*, profile: CostProfile, target_kr: Decimal, units: Decimal, hourly: bool) -> LineAmounts:
    """Cost lines whose sum over `units` is the target tariff (to within rounding of whole kroner)."""
    basis = target_kr * units
    depreciation = _kr(basis * profile.depreciation_share)
    capital = depreciation * profile.capital_multiple
    interest = capital * profile.interest_rate_pct / 100
    pension = _kr(basis * profile.pension_share)
    income = _kr(basis * profile.other_income_share)
    with_overhead = basis - depreciation - interest - pension + income
    overhead_kr = None
    if profile.overhead_as_amount:
        overhead_kr = _kr(with_overhead * profile.overhead_pct / (100 + profile.overhead_pct))
        direct = with_overhead - overhead_kr
    else:
        direct = with_overhead * 100 / (100 + profile.overhead_pct)
    salaries, property_ = _kr(direct * SALARIES_OF_DIRECT), _kr(direct * PROPERTY_OF_DIRECT)
    return LineAmounts(
        salaries_kr=salaries, property_kr=property_, other_direct_kr=_kr(direct) - salaries - property_,
        overhead_kr=overhead_kr,
        overhead_pct=None if profile.overhead_as_amount else profile.overhead_pct.quantize(PCT),
        depreciation_kr=depreciation, capital_book_value_kr=capital,
        interest_rate_pct=profile.interest_rate_pct.quantize(PCT), pension_kr=pension, other_income_kr=income,
        budgeted_hours=units.quantize(PCT) if hourly else None,
    )


def approval_date(year: int, draw: YearDraw) -> date:
    """Approved in the autumn before the tariff year, when the budgets are made."""
    return date(year - 1, 9, draw.approval_day)
