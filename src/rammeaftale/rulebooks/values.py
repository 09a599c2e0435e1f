"""Value types for rulebook parameters: decimals from strings, month-days, ISO dates, fractions, codes."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

CategoryCode = Literal["hoejt_specialiseret", "klynge", "lokal", "landsdaekkende", "sikret"]
OfferTypeCode = Literal["residential", "day", "outpatient", "education"]
OFFER_TYPES: tuple[OfferTypeCode, ...] = ("residential", "day", "outpatient", "education")
# What an offer over the occupancy deviation threshold is reported with (the fields of an occupancy report line).
ReportTextCode = Literal["assessment", "challenges", "initiatives"]

REGION_NAMES = {
    1081: "Nordjylland",
    1082: "Midtjylland",
    1083: "Syddanmark",
    1084: "Hovedstaden",
    1085: "Sjælland",
}


def rule_error(*, key: str | None, problem: str) -> PydanticCustomError:
    """A validation error with a bilingual message; `key` names the field a cross-field rule blames."""
    context: dict[str, Any] = {"problem": problem}
    if key:
        context["key"] = key
    return PydanticCustomError("rulebook_rule", "{problem}", context)


def _decimal_from_text(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # TOML floats are binary: 0.1 is not 0.1. Rules about money and percentages must stay exact.
    if isinstance(value, (bool, int, float)):
        raise rule_error(
            key=None,
            problem=(
                f'decimaltal skal skrives som tekst, fx "{value}" i stedet for {value} '
                "(decimals must be written as strings)"
            ),
        )
    if not isinstance(value, str):
        raise rule_error(
            key=None, problem='skal være et decimaltal skrevet som tekst, fx "5" (must be a decimal string)'
        )
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return Decimal(value)
    hint = '; brug punktum som decimaltegn, fx "2.5"' if "," in value else ""
    raise rule_error(key=None, problem=f'ugyldigt decimaltal "{value}"{hint} (not a decimal number)')


def _within_percent(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise rule_error(
            key=None, problem=f"en procentsats skal ligge fra 0 til 100, ikke {value} (percent out of range)"
        )
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise rule_error(
            key=None, problem=f"beløbet må ikke være negativt: {value} (amount must not be negative)"
        )
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise rule_error(key=None, problem="må ikke være tom (must not be empty)")
    return value


def month_day_parse(value: str) -> tuple[int, int]:
    found = re.fullmatch(r"(\d\d)-(\d\d)", value)
    if found:
        month, day = int(found.group(1)), int(found.group(2))
        try:
            # A non-leap year: a yearly deadline must exist every year, so 02-29 is refused.
            date(2001, month, day)
        except ValueError:
            pass
        else:
            return month, day
    raise rule_error(
        key=None,
        problem=(f'ugyldig dato "{value}"; skriv måned-dag som "MM-DD", fx "05-01" (not a valid month-day)'),
    )


def _month_day(value: str) -> str:
    month_day_parse(value)
    return value


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise rule_error(
        key=None, problem=f'ugyldig dato {value!r}; skriv "ÅÅÅÅ-MM-DD", fx "2022-01-01" (not an ISO date)'
    )


def _fraction(value: str) -> str:
    found = re.fullmatch(r"(\d+)/(\d+)", value)
    if not found or int(found.group(1)) == 0 or int(found.group(2)) == 0:
        raise rule_error(
            key=None, problem=f'ugyldig brøk "{value}"; skriv fx "365/12" (not a fraction like "365/12")'
        )
    return value


def _region_code(value: int) -> int:
    if value not in REGION_NAMES:
        known = ", ".join(f"{code} {name}" for code, name in REGION_NAMES.items())
        raise rule_error(
            key=None, problem=f"ukendt regionskode {value}; kendte: {known} (unknown region code)"
        )
    return value


Text = Annotated[str, Strict(), AfterValidator(_non_blank)]
Flag = Annotated[bool, Strict()]
Count = Annotated[int, Strict(), Field(ge=0)]
PositiveCount = Annotated[int, Strict(), Field(ge=1)]
Year = Annotated[int, Strict(), Field(ge=2000, le=2100)]
RegionCode = Annotated[int, Strict(), AfterValidator(_region_code)]
Percent = Annotated[Decimal, BeforeValidator(_decimal_from_text), AfterValidator(_within_percent)]
Kroner = Annotated[Decimal, BeforeValidator(_decimal_from_text), AfterValidator(_not_negative)]
MonthDay = Annotated[str, Strict(), AfterValidator(_month_day)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
FractionText = Annotated[str, Strict(), AfterValidator(_fraction)]
Identifier = Annotated[str, Strict(), Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
