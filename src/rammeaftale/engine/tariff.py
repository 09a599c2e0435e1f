"""Cost-based tariff: a service's budget over its budgeted occupancy days (or hours), with every element per unit.

Method (research/domain_rules.md § 1.2, from Serviceloven § 174 stk. 1 "samtlige budgetterede, direkte og indirekte
langsigtede omkostninger"): tariff basis = direct costs + overhead + depreciation + interest on capital
+ civil-servant pension − income that is not tariff income ± true-up from year t−2, divided by
places × days in the year × budgeted occupancy (or, for hour-based services, by budgeted citizen-facing hours).
Rounding points: the unit tariff is rounded half up to øre; the monthly tariff is the rounded daily tariff times the
rulebook's conversion for the year (e.g. 365/12, in a leap year its own parameter), rounded half up to øre. The
per-unit breakdown is rounded per line and a rounding line makes the lines add up to the tariff exactly.
"""
import calendar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

ORE = Decimal("0.01")


class TariffInputError(ValueError):
    """Bad budget input; `field` names it, the message is Danish."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


class Unit(StrEnum):
    DAY = "day"
    MONTH = "month"
    HOUR = "hour"


class Element(StrEnum):
    """The lines of a tariff basis, in the order a tariff sheet shows them."""

    SALARIES = "salaries"
    PROPERTY = "property"
    OTHER_DIRECT = "other_direct"
    OVERHEAD = "overhead"
    DEPRECIATION = "depreciation"
    INTEREST = "interest"
    PENSION = "pension"
    INCOME = "income"
    TRUE_UP = "true_up"


ELEMENT_LABELS_DA = {
    Element.SALARIES: "Lønninger",
    Element.PROPERTY: "Ejendomsudgifter",
    Element.OTHER_DIRECT: "Øvrige direkte omkostninger",
    Element.OVERHEAD: "Indirekte omkostninger (overhead)",
    Element.DEPRECIATION: "Afskrivninger",
    Element.INTEREST: "Forrentning af kapital",
    Element.PENSION: "Tjenestemandspensionsbidrag",
    Element.INCOME: "Indtægter, der ikke er takstindtægter",
    Element.TRUE_UP: "Efterregulering fra år t−2",
}


def round_ore(amount: Decimal) -> Decimal:
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def days_per_month_text(conversion: Fraction) -> str:
    """A conversion as the rulebooks write it, over twelve months where it is one: 365/12, 366/12 (not 61/2)."""
    per_year = conversion * 12
    if per_year.denominator == 1:
        return f"{per_year.numerator}/12"
    return f"{conversion.numerator}/{conversion.denominator}"


@dataclass(frozen=True)
class ServiceBudget:
    """One service's budget for a year, in kroner (Decimal). Overhead is an amount or a percentage of direct costs."""

    name: str
    unit: Unit = Unit.DAY
    kind: str = "basis"
    salaries_kr: Decimal = Decimal(0)
    property_kr: Decimal = Decimal(0)
    other_direct_kr: Decimal = Decimal(0)
    overhead_kr: Decimal | None = None
    overhead_pct: Decimal | None = None
    depreciation_kr: Decimal = Decimal(0)
    capital_book_value_kr: Decimal = Decimal(0)
    interest_rate_pct: Decimal = Decimal(0)
    pension_kr: Decimal = Decimal(0)
    other_income_kr: Decimal = Decimal(0)
    true_up_kr: Decimal = Decimal(0)
    places: int = 0
    budgeted_occupancy_pct: Decimal = Decimal(0)
    budgeted_hours: Decimal = Decimal(0)


@dataclass(frozen=True)
class BreakdownLine:
    element: Element
    label_da: str
    amount_kr: Decimal
    per_unit_kr: Decimal


@dataclass(frozen=True)
class ServiceTariff:
    name: str
    kind: str
    unit: Unit
    basis_kr: Decimal
    units: Decimal
    unit_tariff_kr: Decimal
    monthly_tariff_kr: Decimal | None
    breakdown: tuple[BreakdownLine, ...]
    rounding_kr: Decimal

    @property
    def unit_tariff_ore(self) -> int:
        return int(self.unit_tariff_kr * 100)


@dataclass(frozen=True)
class TariffResult:
    year: int
    services: tuple[ServiceTariff, ...]


def _not_negative(value: Decimal, field: str) -> None:
    if isinstance(value, float):
        raise TariffInputError(f"{field}: beløb må ikke være kommatal i binær form (float)", field=field)
    if value < 0:
        raise TariffInputError(f"{field}: må ikke være negativ ({value})", field=field)


def _elements(budget: ServiceBudget, prefix: str) -> list[tuple[Element, Decimal]]:
    for name in ("salaries_kr", "property_kr", "other_direct_kr", "depreciation_kr", "capital_book_value_kr",
                 "interest_rate_pct", "pension_kr", "other_income_kr"):
        _not_negative(getattr(budget, name), f"{prefix}.{name}")
    direct = budget.salaries_kr + budget.property_kr + budget.other_direct_kr
    if budget.overhead_kr is not None and budget.overhead_pct is not None:
        raise TariffInputError(
            f"{prefix}: angiv overhead som beløb eller som procent, ikke begge", field=f"{prefix}.overhead_pct"
        )
    if budget.overhead_pct is not None:
        _not_negative(budget.overhead_pct, f"{prefix}.overhead_pct")
        overhead = direct * budget.overhead_pct / 100
    else:
        overhead = budget.overhead_kr or Decimal(0)
        _not_negative(overhead, f"{prefix}.overhead_kr")
    interest = budget.capital_book_value_kr * budget.interest_rate_pct / 100
    return [
        (Element.SALARIES, budget.salaries_kr),
        (Element.PROPERTY, budget.property_kr),
        (Element.OTHER_DIRECT, budget.other_direct_kr),
        (Element.OVERHEAD, overhead),
        (Element.DEPRECIATION, budget.depreciation_kr),
        (Element.INTEREST, interest),
        (Element.PENSION, budget.pension_kr),
        (Element.INCOME, -budget.other_income_kr),
        (Element.TRUE_UP, budget.true_up_kr),
    ]


def _units(budget: ServiceBudget, *, year: int, prefix: str) -> Decimal:
    if budget.unit == Unit.HOUR:
        if budget.budgeted_hours <= 0:
            raise TariffInputError(
                f"{prefix}.budgeted_hours: budgetterede borgerrettede timer skal være større end 0",
                field=f"{prefix}.budgeted_hours",
            )
        return Decimal(budget.budgeted_hours)
    if budget.places <= 0:
        raise TariffInputError(f"{prefix}.places: kapaciteten skal være mindst 1 plads", field=f"{prefix}.places")
    occupancy = budget.budgeted_occupancy_pct
    if not Decimal(0) < occupancy <= Decimal(100):
        raise TariffInputError(
            f"{prefix}.budgeted_occupancy_pct: belægningsprocenten skal være over 0 og højst 100, ikke {occupancy}",
            field=f"{prefix}.budgeted_occupancy_pct",
        )
    return Decimal(budget.places) * days_in_year(year) * occupancy / 100


def service_tariff_calculate(*, budget: ServiceBudget, year: int, monthly_conversion: Fraction,
                             prefix: str = "service") -> ServiceTariff:
    elements = _elements(budget, prefix)
    basis = sum((amount for _, amount in elements), Decimal(0))
    if basis <= 0:
        raise TariffInputError(f"{prefix}: takstgrundlaget skal være positivt, ikke {basis}", field=prefix)
    units = _units(budget, year=year, prefix=prefix)
    unit_tariff = round_ore(basis / units)
    lines = tuple(
        BreakdownLine(element=element, label_da=ELEMENT_LABELS_DA[element], amount_kr=amount,
                      per_unit_kr=round_ore(amount / units))
        for element, amount in elements
        if amount != 0
    )
    rounding = unit_tariff - sum((line.per_unit_kr for line in lines), Decimal(0))
    monthly = None
    if budget.unit != Unit.HOUR:
        monthly = round_ore(unit_tariff * monthly_conversion.numerator / monthly_conversion.denominator)
    return ServiceTariff(
        name=budget.name, kind=budget.kind, unit=Unit(budget.unit), basis_kr=basis, units=units,
        unit_tariff_kr=unit_tariff, monthly_tariff_kr=monthly, breakdown=lines, rounding_kr=rounding,
    )


def tariff_calculate(*, services: tuple[ServiceBudget, ...] | list[ServiceBudget], year: int,
                     monthly_conversion: Fraction) -> TariffResult:
    """Every service of an offer (a basis tariff plus tilvalg/tillæg, as Hovedstaden's split from 2022 requires)."""
    if not services:
        raise TariffInputError("budgettet har ingen ydelser", field="services")
    names = [s.name for s in services]
    if len(set(names)) != len(names):
        raise TariffInputError("to ydelser har samme navn", field="services")
    return TariffResult(
        year=year,
        services=tuple(
            service_tariff_calculate(budget=budget, year=year, monthly_conversion=monthly_conversion,
                                     prefix=f"services[{index}]")
            for index, budget in enumerate(services)
        ),
    )
