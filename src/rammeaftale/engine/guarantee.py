"""The deficit guarantee for new places (Hovedstaden's economic model): the year's share of the deficit, split over
the region's municipalities by population to the øre.

Seed-003 («Ny økonomimodel»): a new offer or expansion may get "75 procents underskudsdækning … evt. med årlig
aftrapning (f.eks. 75-50-25)", shared "iblandt Hovedstadens 29 kommuner efter befolkningsandele". The steps and the
maximum come from the rulebook (`[new_places_model]`); population is passed in. Format: docs/engine-json.md.
"""
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rammeaftale.core.money import ORE_PER_KRONE, ore_to_kr


class GuaranteeInputError(ValueError):
    """Input the guarantee cannot be computed from: `field` names it, the message is Danish (English after)."""

    def __init__(self, *, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Municipality:
    """A municipality and its population on the date the split is made by."""

    code: str
    name: str
    population: int


@dataclass(frozen=True)
class GuaranteeShare:
    municipality_code: str
    municipality: str
    population: int
    share_ore: int
    extra_ore: int  # 1 when the largest remainder method gave this municipality one of the øre left over, else 0


@dataclass(frozen=True)
class Guarantee:
    year_of_operation: int
    guarantee_pct: Decimal
    deficit_kr: Decimal
    guaranteed_ore: int
    population_total: int
    shares: tuple[GuaranteeShare, ...]

    @property
    def guaranteed_kr(self) -> Decimal:
        return ore_to_kr(self.guaranteed_ore)

    @property
    def sum_ore(self) -> int:
        return sum(share.share_ore for share in self.shares)


def guarantee_pct(*, year_of_operation: int, steps_pct: Sequence[Decimal], max_pct: Decimal) -> Decimal:
    """The percentage of the deficit guaranteed in a year of operation (1 is the first): the rulebook's step."""
    if year_of_operation < 1:
        raise GuaranteeInputError(field="year_of_operation", message=(
            f"driftsåret skal være mindst 1 (det første driftsår), ikke {year_of_operation} "
            "(the first year of operation is 1)"))
    if year_of_operation > len(steps_pct):
        steps = "-".join(str(step) for step in steps_pct)
        raise GuaranteeInputError(field="year_of_operation", message=(
            f"regelbogen har garanti i {len(steps_pct)} driftsår ({steps} %), ikke i driftsår {year_of_operation} "
            "(a guarantee year beyond the rulebook's years)"))
    step = steps_pct[year_of_operation - 1]
    if not 0 <= step <= max_pct:
        raise GuaranteeInputError(field="year_of_operation", message=(
            f"trinnet for driftsår {year_of_operation} er {step} %, over den højeste garanti på {max_pct} % "
            "(a step above the maximum guarantee)"))
    return step


def guaranteed_ore(*, deficit_kr: Decimal, pct: Decimal) -> int:
    """The guaranteed amount: deficit × pct, rounded half up to øre (the named rounding point), computed exactly.

    A deficit below 0 is a surplus, which the guarantee does not cover; it is refused rather than read as 0, because
    a minus may as well be an accounts' sign on a deficit (docs/engine-json.md)."""
    if deficit_kr < 0:
        raise GuaranteeInputError(field="deficit", message=(
            f"underskuddet er negativt ({deficit_kr}), dvs. et overskud, som garantien ikke dækker; angiv "
            "underskuddet som et positivt beløb, eller 0 (a surplus is not guaranteed: give the deficit as a "
            "positive amount)"))
    exact_ore = Fraction(deficit_kr) * Fraction(pct) * ORE_PER_KRONE / 100
    return int(exact_ore + Fraction(1, 2))  # int() floors a non-negative fraction: + ½ then floor is half up


def guarantee_split(*, amount_ore: int, municipalities: Sequence[Municipality]) -> tuple[GuaranteeShare, ...]:
    """`amount_ore` shared by population with the largest remainder method, so the shares sum exactly to it.

    Each municipality first gets its exact share rounded down to the øre; the øre left over (fewer than the number
    of municipalities) go one each to the largest remainders, equal remainders to the lower municipality code
    (Danish codes are three digits, so this is their numeric order). The answer is in the input's order."""
    if amount_ore < 0:
        raise GuaranteeInputError(field="deficit", message=(
            f"et negativt beløb ({amount_ore} øre) kan ikke fordeles (a negative amount cannot be shared)"))
    if not municipalities:
        raise GuaranteeInputError(field="population", message="ingen kommuner at fordele på (no municipalities)")
    duplicate = next((code for code, count in Counter(m.code for m in municipalities).items() if count > 1), None)
    if duplicate is not None:
        raise GuaranteeInputError(field="population", message=(
            f"kommunekoden {duplicate} står mere end én gang (a municipality code twice)"))
    negative = next((m for m in municipalities if m.population < 0), None)
    if negative is not None:
        raise GuaranteeInputError(field="population", message=(
            f"{negative.name} har et negativt befolkningstal ({negative.population}) (negative population)"))
    total = sum(municipality.population for municipality in municipalities)
    if total == 0:
        raise GuaranteeInputError(field="population", message=(
            "kommunernes samlede befolkningstal er 0; der er ingen andele at fordele efter (no population)"))
    # Exact share = amount × population / total; with one denominator the remainders compare as integers.
    floors, remainders = zip(*(divmod(amount_ore * m.population, total) for m in municipalities), strict=True)
    left = amount_ore - sum(floors)
    by_remainder = sorted(range(len(municipalities)), key=lambda i: (-remainders[i], municipalities[i].code))
    extra = set(by_remainder[:left])
    return tuple(
        GuaranteeShare(municipality_code=m.code, municipality=m.name, population=m.population,
                       share_ore=floors[i] + int(i in extra), extra_ore=int(i in extra))
        for i, m in enumerate(municipalities)
    )


def guarantee_calculate(*, deficit_kr: Decimal, year_of_operation: int, steps_pct: Sequence[Decimal],
                        max_pct: Decimal, municipalities: Sequence[Municipality]) -> Guarantee:
    """A year's deficit → the guaranteed part and every municipality's share of it. A deficit of 0 guarantees
    nothing (every share 0); a negative one (a surplus) is refused."""
    if isinstance(deficit_kr, float):
        raise TypeError("money must not pass through float")
    pct = guarantee_pct(year_of_operation=year_of_operation, steps_pct=steps_pct, max_pct=max_pct)
    amount_ore = guaranteed_ore(deficit_kr=deficit_kr, pct=pct)
    shares = guarantee_split(amount_ore=amount_ore, municipalities=municipalities)
    return Guarantee(year_of_operation=year_of_operation, guarantee_pct=pct, deficit_kr=deficit_kr,
                     guaranteed_ore=amount_ore, population_total=sum(m.population for m in municipalities),
                     shares=shares)
