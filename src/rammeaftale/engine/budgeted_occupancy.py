"""Budgeted occupancy: by default the average of two previous years' actual occupancy, checked against the bounds.

The bounds (e.g. 95–100 %, at least 90 % for short stays, acute and respite) come from the rulebook; a value outside
them is allowed only with an approval record, which the caller keeps.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.engine.tariff import TariffInputError

PCT = Decimal("0.01")


@dataclass(frozen=True)
class OccupancyCheck:
    value_pct: Decimal
    min_pct: Decimal
    max_pct: Decimal
    recommended_max_pct: Decimal | None

    @property
    def within_bounds(self) -> bool:
        return self.min_pct <= self.value_pct <= self.max_pct

    @property
    def above_recommended(self) -> bool:
        return self.recommended_max_pct is not None and self.value_pct > self.recommended_max_pct

    def message_da(self) -> str:
        value, low, high = _da(self.value_pct), _da(self.min_pct), _da(self.max_pct)
        if not self.within_bounds:
            return (f"Budgetteret belægning {value} % ligger uden for {low}–{high} % "
                    "og kræver en godkendelse med begrundelse.")
        if self.above_recommended:
            return (f"Budgetteret belægning {value} % er over de anbefalede højst "
                    f"{_da(self.recommended_max_pct)} %.")
        return "Inden for rammerne."


def _da(value: Decimal) -> str:
    """A percentage with the Danish decimal comma (98,95)."""
    return str(value).replace(".", ",")


def budgeted_occupancy_default(*, actual_pcts: tuple[Decimal, Decimal]) -> Decimal:
    """The average of the two years' actual occupancy, rounded half up to two decimals."""
    for index, value in enumerate(actual_pcts):
        if not Decimal(0) < value <= Decimal(100):
            raise TariffInputError(
                f"actual_pcts[{index}]: en faktisk belægning skal være over 0 og højst 100 %, ikke {value}",
                field=f"actual_pcts[{index}]",
            )
    return (sum(actual_pcts, Decimal(0)) / 2).quantize(PCT, rounding=ROUND_HALF_UP)


def budgeted_occupancy_check(*, value_pct: Decimal, min_pct: Decimal, max_pct: Decimal,
                             recommended_max_pct: Decimal | None = None) -> OccupancyCheck:
    if not Decimal(0) < value_pct <= Decimal(100):
        raise TariffInputError(
            f"budgeted_occupancy_pct: belægningsprocenten skal være over 0 og højst 100, ikke {value_pct}",
            field="budgeted_occupancy_pct",
        )
    return OccupancyCheck(value_pct=value_pct, min_pct=min_pct, max_pct=max_pct,
                          recommended_max_pct=recommended_max_pct)
