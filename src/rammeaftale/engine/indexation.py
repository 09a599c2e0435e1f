"""Tariff growth against the price and wage index (P/L) per the rulebook, and the overhead share.

The rulebooks differ in what the P/L cap is measured on: Hovedstaden caps the expense per day of each tariff at the
base year's level indexed with P/L ("ift. pris- og lønniveauet i 2019"), so the cap cumulates every year's P/L since
then; Syddanmark caps the municipalities' total expenses, so no single tariff is over a cap; Sjælland reports
expense increases above 5 % in residential offers. Every decision here is exact: the cap is a product of finite
decimals and a percentage is compared by cross-multiplying, never through a rounded quotient.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, Rounded
from fractions import Fraction
from typing import Literal

from rammeaftale.rulebooks.display import OFFER_TYPE_NAMES_DA
from rammeaftale.rulebooks.models import Rulebook

PCT = Decimal("0.01")
ORE = Decimal("0.01")
# Products of finite decimals are exact given enough digits; the traps make any rounding an error, not a wrong flag.
_EXACT = Context(prec=2000, traps=[Inexact, Rounded])

CapBasis = Literal["cumulative", "year_on_year", "total_expenses", "none"]


@dataclass(frozen=True)
class GrowthRules:
    """The rulebook's growth rules as plain values (`growth_rules_of` reads them from a rulebook)."""

    cap: Literal["pl", "none"]
    applies_to: Literal["per_tariff", "total_expenses"] | None = None
    base_year: int | None = None
    explanation_required: bool = False
    report_above_pct: Decimal | None = None
    report_offer_types: tuple[str, ...] = ()

    @property
    def per_tariff_cap(self) -> bool:
        return self.cap == "pl" and self.applies_to == "per_tariff"

    def description_da(self) -> str:
        """The rule in one Danish sentence, for the head of a list or a JSON result."""
        if self.cap != "pl":
            parts = ["Regelbogen har intet loft for takststigninger"]
        elif self.applies_to == "total_expenses":
            parts = ["P/L-loftet gælder kommunernes og regionens samlede udgifter, ikke den enkelte takst: "
                     "ingen takst markeres over loftet"]
        elif self.base_year is not None:
            parts = [f"Taksten må højst stige med P/L i forhold til pris- og lønniveauet i {self.base_year} "
                     f"(loftet er {self.base_year}-taksten fremskrevet med hvert års P/L)"]
        else:
            parts = ["Taksten må højst stige med årets P/L i forhold til året før"]
        if self.per_tariff_cap:
            parts.append("en stigning over loftet skal forklares" if self.explanation_required
                         else "en stigning over loftet skal ikke forklares")
        if self.report_above_pct is not None:
            kinds = " og ".join(OFFER_TYPE_NAMES_DA.get(code, code).lower() for code in self.report_offer_types)
            parts.append(f"en udgiftsstigning på mere end {self.report_above_pct} % fra året før i {kinds} "
                         "skal indberettes")
        return "; ".join(parts) + "."


def growth_rules_of(rulebook: Rulebook) -> GrowthRules:
    rules = rulebook.tariffs
    report_pct = rulebook.tariffs.expense_increase_report_pct
    report_types = rulebook.tariffs.expense_increase_report_offer_types
    return GrowthRules(
        cap=rules.growth_cap.value,
        applies_to=rules.growth_cap_applies_to.value if rules.growth_cap_applies_to else None,
        base_year=rules.growth_cap_base_year.value if rules.growth_cap_base_year else None,
        explanation_required=rules.growth_deviation_needs_explanation.value,
        report_above_pct=report_pct.value if report_pct else None,
        report_offer_types=tuple(report_types.value) if report_types else (),
    )


@dataclass(frozen=True)
class YearGrowth:
    """One year of a tariff series: the growth from the year before, the cap and the flags the rulebook sets."""

    year: int
    tariff_kr: Decimal
    previous_kr: Decimal | None  # the year before's tariff; None if there is none on record
    growth: Fraction | None  # exact growth in percent; None without a previous tariff
    pl_pct: Decimal | None  # this year's P/L (growth from the year before); None if missing
    cap_basis: CapBasis
    cap_kr: Decimal | None  # exact; None where there is no per-tariff cap this year or a P/L is missing
    cap_from_year: int | None  # the year whose tariff the cap indexes
    cap_pl_years: tuple[int, ...]  # the years whose P/L the cap cumulates
    pl_missing_years: tuple[int, ...]
    over_cap: bool
    needs_explanation: bool  # over the cap and the rulebook requires an explanation (recorded or not)
    report_required: bool
    notes: tuple[str, ...]  # Danish, what a reader must know about this year's cap

    @property
    def growth_pct(self) -> Decimal | None:
        """The growth as a Decimal, unrounded to the context's 28 significant digits (for display use the next)."""
        if self.growth is None:
            return None
        return Decimal(self.growth.numerator) / Decimal(self.growth.denominator)

    @property
    def growth_pct_display(self) -> Decimal | None:
        """The growth rounded half up to two decimals: what the pages, exports and JSON show."""
        return None if self.growth is None else _half_up(self.growth)

    @property
    def cap_kr_display(self) -> Decimal | None:
        return None if self.cap_kr is None else self.cap_kr.quantize(ORE, rounding=ROUND_HALF_UP)

    def basis_da(self) -> str:
        """Which tariff and which years' P/L the cap is made of, in Danish."""
        if self.cap_basis == "total_expenses":
            return "loftet gælder de samlede udgifter, ikke den enkelte takst"
        if self.cap_basis == "none" or self.cap_from_year is None:
            return "intet loft"
        years = self.cap_pl_years
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
        return f"takst {self.cap_from_year} × P/L {span}"


def _half_up(value: Fraction) -> Decimal:
    scaled = value * 100
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return (Decimal(whole if scaled >= 0 else -whole) / 100).quantize(PCT)


def _index(amount: Decimal, rates: list[Decimal]) -> Decimal:
    cap = amount
    for rate in rates:
        cap = _EXACT.divide(_EXACT.multiply(cap, _EXACT.add(Decimal(100), rate)), Decimal(100))
    return cap


class GrowthInputError(ValueError):
    """A tariff series the engine cannot read; `year` names the entry."""

    def __init__(self, message: str, *, year: int):
        super().__init__(message)
        self.year = year


def tariff_growth_series(*, tariffs_kr: Mapping[int, Decimal], pl_pct: Mapping[int, Decimal], rules: GrowthRules,
                         offer_type: str) -> list[YearGrowth]:
    """Every year of a tariff series with its growth, cap and flags, oldest first.

    `tariffs_kr` is year → the tariff of that year (gaps allowed: the year after a gap has no growth, and a
    cumulative cap does not need the years between); `pl_pct` is year → P/L, the growth from the year before into
    that year. Cumulative cap (a base year): the base year's tariff, or where it is not on record the earliest
    tariff after it, indexed with every year's P/L up to the year. Year on year (no base year): last year's tariff
    indexed with this year's P/L. A missing P/L leaves the year without a cap and says so.
    """
    for year, amount in tariffs_kr.items():
        if isinstance(amount, float) or not isinstance(amount, Decimal | int):
            raise GrowthInputError(f"takst {year} skal være Decimal, ikke {type(amount).__name__}", year=year)
        if amount <= 0:
            raise GrowthInputError(f"takst {year} skal være større end 0 (tariff must be positive)", year=year)
    for year, rate in pl_pct.items():
        if isinstance(rate, float):
            raise GrowthInputError(f"P/L {year} skal være Decimal, ikke float", year=year)
    years = sorted(tariffs_kr)
    anchor = None
    if rules.per_tariff_cap and rules.base_year is not None:
        anchor = next((year for year in years if year >= rules.base_year), None)
    return [_year(year=year, tariffs_kr=tariffs_kr, pl_pct=pl_pct, rules=rules, offer_type=offer_type, anchor=anchor)
            for year in years]


def _year(*, year: int, tariffs_kr: Mapping[int, Decimal], pl_pct: Mapping[int, Decimal], rules: GrowthRules,
          offer_type: str, anchor: int | None) -> YearGrowth:
    tariff = Decimal(tariffs_kr[year])
    previous = Decimal(tariffs_kr[year - 1]) if year - 1 in tariffs_kr else None
    growth = None if previous is None else (Fraction(tariff) - Fraction(previous)) * 100 / Fraction(previous)
    notes: list[str] = []
    cap_from, cap_years = None, ()
    if not rules.per_tariff_cap:
        basis: CapBasis = "total_expenses" if rules.cap == "pl" else "none"
    elif rules.base_year is None:
        basis = "year_on_year"
        if previous is not None:
            cap_from, cap_years = year - 1, (year,)
    else:
        basis = "cumulative"
        if anchor is None or year < rules.base_year:
            notes.append(f"før loftets basisår {rules.base_year}")
        elif year == anchor:
            notes.append(f"basisår for loftet ({rules.base_year})" if anchor == rules.base_year else
                         f"loft fra {anchor}; basisåret {rules.base_year} findes ikke")
        else:
            cap_from, cap_years = anchor, tuple(range(anchor + 1, year + 1))
            if anchor != rules.base_year:
                notes.append(f"loft fra {anchor}; basisåret {rules.base_year} findes ikke")
    missing = tuple(y for y in cap_years if y not in pl_pct)
    cap = None
    if cap_from is not None and not missing:
        cap = _index(Decimal(tariffs_kr[cap_from]), [Decimal(pl_pct[y]) for y in cap_years])
    if missing:
        notes.append(f"P/L mangler for {', '.join(str(y) for y in missing)}; intet loft")
    over = cap is not None and tariff > cap
    report = (growth is not None and rules.report_above_pct is not None and offer_type in rules.report_offer_types
              and _EXACT.multiply(_EXACT.subtract(tariff, previous), Decimal(100))
              > _EXACT.multiply(rules.report_above_pct, previous))
    return YearGrowth(
        year=year, tariff_kr=tariff, previous_kr=previous, growth=growth,
        pl_pct=Decimal(pl_pct[year]) if year in pl_pct else None, cap_basis=basis, cap_kr=cap,
        cap_from_year=cap_from, cap_pl_years=cap_years, pl_missing_years=missing, over_cap=over,
        needs_explanation=over and rules.explanation_required, report_required=bool(report), notes=tuple(notes),
    )


def overhead_share_pct(*, overhead_kr: Decimal, direct_costs_kr: Decimal) -> Decimal:
    """Overhead as a percentage of direct costs, the measure Hovedstaden's 6 % norm is stated in."""
    if direct_costs_kr <= 0:
        raise ValueError("direct_costs_kr must be positive")
    return (overhead_kr * 100 / direct_costs_kr).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
