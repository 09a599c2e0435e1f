"""State refusion for especially expensive single cases (Serviceloven § 176): a year's bands applied per case.

Pure: the year's thresholds are passed in (the sourced rows are `economy/data/refusion_thresholds.csv`, with the law's
words in `economy/data/README.md`). The state refunds each band's percentage of the part of a person's yearly expense
that lies in the band; children under 18 in one household are summed as one case before the bands apply.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from rammeaftale.engine.tariff import round_ore

HUNDRED = Decimal(100)
ADULT_AGE = 18  # "children under 18 in one household are summed as one case"


class RefusionInputError(ValueError):
    """Bad cases; `field` is the dotted path (`cases[2].expenses`), the message Danish with English after it."""

    def __init__(self, message_da: str, *, field: str, message_en: str):
        super().__init__(f"{message_da} ({message_en})")
        self.field = field
        self.message_da = message_da


@dataclass(frozen=True)
class RefusionBand:
    """From `threshold_kr` up to the next band's threshold the state refunds `rate_pct` % of the expense."""
    threshold_kr: Decimal
    rate_pct: Decimal


@dataclass(frozen=True)
class RefusionThresholds:
    """One year's bands with their price level and source, as the secretariat entered them."""
    year: int
    bands: tuple[RefusionBand, ...]
    level: str
    source: str
    source_url: str = ""

    def __post_init__(self):
        if not self.bands:
            raise ValueError(f"{self.year}: mindst én tærskel (at least one band)")
        if not self.source.strip():
            raise ValueError(f"{self.year}: tærsklerne skal have en kilde (a source is required)")
        previous = None
        for band in self.bands:
            if band.threshold_kr < 0 or not Decimal(0) < band.rate_pct <= HUNDRED:
                raise ValueError(f"{self.year}: tærskel {band.threshold_kr} kr. med {band.rate_pct} % er uden for "
                                 "0 kr. og 0–100 % (band out of range)")
            if previous and not (band.threshold_kr > previous.threshold_kr and band.rate_pct > previous.rate_pct):
                raise ValueError(f"{self.year}: tærsklerne og procenterne skal stige (bands must rise)")
            previous = band


@dataclass(frozen=True)
class RefusionCase:
    """A person's yearly expense; `household` joins children under 18 of one household into one case."""
    case_id: str
    expenses_kr: Decimal
    household: str | None = None
    age: int | None = None


@dataclass(frozen=True)
class BandShare:
    """The part of an expense in one band and the refusion of it, exact (not rounded)."""
    threshold_kr: Decimal
    rate_pct: Decimal
    amount_kr: Decimal
    refusion_kr: Decimal


@dataclass(frozen=True)
class RefusionLine:
    """One case: a person, or a household's children summed (`household` set, `case_ids` its members)."""
    case_ids: tuple[str, ...]
    household: str | None
    expenses_kr: Decimal
    bands: tuple[BandShare, ...]
    refusion_exact_kr: Decimal
    refusion_kr: Decimal  # the named rounding point: the case's refusion, half up to øre


@dataclass(frozen=True)
class RefusionResult:
    year: int
    thresholds: RefusionThresholds
    lines: tuple[RefusionLine, ...]
    total_kr: Decimal  # the sum of the rounded lines


def refusion_bands_apply(*, expenses_kr: Decimal, bands: Sequence[RefusionBand]) -> tuple[BandShare, ...]:
    """Each band's part of the expense, min(E, next threshold) − threshold, when positive, and its refusion."""
    shares = []
    for index, band in enumerate(bands):
        ceiling = bands[index + 1].threshold_kr if index + 1 < len(bands) else None
        top = expenses_kr if ceiling is None else min(expenses_kr, ceiling)
        amount = max(top - band.threshold_kr, Decimal(0))
        shares.append(BandShare(threshold_kr=band.threshold_kr, rate_pct=band.rate_pct, amount_kr=amount,
                                refusion_kr=amount * band.rate_pct / HUNDRED))
    return tuple(shares)


def _checked(cases: Sequence[RefusionCase]) -> None:
    seen: set[str] = set()
    for index, case in enumerate(cases):
        if not case.case_id.strip():
            raise RefusionInputError("sagen mangler et id", field=f"cases[{index}].id", message_en="id required")
        if case.case_id in seen:
            raise RefusionInputError(f"id «{case.case_id}» findes to gange; hver sag skal have sit eget id",
                                     field=f"cases[{index}].id", message_en="duplicate id")
        seen.add(case.case_id)
        if case.expenses_kr < 0:
            raise RefusionInputError(f"udgiften kan ikke være negativ ({case.expenses_kr} kr.)",
                                     field=f"cases[{index}].expenses", message_en="an expense cannot be negative")
        if case.age is not None and case.age < 0:
            raise RefusionInputError(f"alderen kan ikke være negativ ({case.age})", field=f"cases[{index}].age",
                                     message_en="an age cannot be negative")
        if case.household is not None and case.age is not None and case.age >= ADULT_AGE:
            raise RefusionInputError(
                f"husstanden «{case.household}» blander voksne og børn: «{case.case_id}» er {case.age} år; kun børn "
                f"under {ADULT_AGE} år i samme husstand lægges sammen som én sag (SEL § 176); angiv en voksen uden "
                "husstand", field=f"cases[{index}].age",
                message_en="a household mixing adults and children: only children under 18 are summed")


def refusion_calculate(*, cases: Sequence[RefusionCase], thresholds: RefusionThresholds) -> RefusionResult:
    """Every case's refusion under the year's bands: single cases as they come, each household once, at the place
    of its first member; rounded half up to øre per case, and the total is the sum of the rounded cases."""
    _checked(cases)
    groups: dict[tuple[str, str], list[RefusionCase]] = {}
    for case in cases:
        key = ("household", case.household) if case.household is not None else ("case", case.case_id)
        groups.setdefault(key, []).append(case)
    lines = []
    for (kind, _), members in groups.items():
        expenses = sum((member.expenses_kr for member in members), Decimal(0))
        shares = refusion_bands_apply(expenses_kr=expenses, bands=thresholds.bands)
        exact = sum((share.refusion_kr for share in shares), Decimal(0))
        lines.append(RefusionLine(
            case_ids=tuple(member.case_id for member in members),
            household=members[0].household if kind == "household" else None, expenses_kr=expenses, bands=shares,
            refusion_exact_kr=exact, refusion_kr=round_ore(exact),
        ))
    return RefusionResult(year=thresholds.year, thresholds=thresholds, lines=tuple(lines),
                          total_kr=sum((line.refusion_kr for line in lines), Decimal(0)))
