"""JSON in and out for the tariff engine (CLI and API): typed input, decimals as strings, errors naming the field.

Formats and worked examples: docs/engine-json.md and docs/examples/.
"""
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, BinaryIO, Literal, TextIO

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from rammeaftale.core.messages import message_da
from rammeaftale.engine.budgeted_occupancy import budgeted_occupancy_check
from rammeaftale.engine.indexation import overhead_share_pct
from rammeaftale.engine.tariff import (
    ServiceBudget,
    TariffInputError,
    Unit,
    days_per_month_text,
    tariff_calculate,
)
from rammeaftale.engine.true_up import TariffIncome, TrueUpInput, true_up_calculate
from rammeaftale.rulebooks import RulebookError, rulebook_load


def _exact(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("et beløb kan ikke være sand/falsk (an amount cannot be a boolean)")  # noqa: TRY004
    if isinstance(value, float):
        raise ValueError("decimaltal skal skrives som tekst, fx \"2554.67\" (decimals must be strings)")
    return value


# Every decimal the engine takes from outside: under 10^12 (a trillion kroner) with at most 10 decimals. Beyond
# that a figure is a mistake, and it would overflow the 28-digit decimal context or the øre in the database.
MAX_DIGITS, MAX_DECIMALS = 12, 10
MAX_PLACES = 100_000


def too_many_digits(number: Decimal) -> bool:
    """More than MAX_DIGITS before or MAX_DECIMALS after the decimal point; trailing zeros are free."""
    if number == 0:
        return False
    _, digits, exponent = number.as_tuple()  # not normalize(): it rounds to the context's 28 digits
    decimals = -(exponent + len(digits) - len("".join(map(str, digits)).rstrip("0")))
    return number.adjusted() >= MAX_DIGITS or decimals > MAX_DECIMALS


def digits_message(value: Any) -> str:
    limit = f"{10 ** MAX_DIGITS:,}".replace(",", ".")
    return (f"«{value}» har for mange cifre: højst {MAX_DIGITS} før og {MAX_DECIMALS} efter kommaet, dvs. under "
            f"{limit} (too many digits)")


def bounded_decimal(value: Decimal) -> Decimal:
    """A pydantic after-validator: the decimal within MAX_DIGITS and MAX_DECIMALS, or a Danish ValueError."""
    if too_many_digits(value):
        raise ValueError(digits_message(value))
    if value == 0 and not -MAX_DECIMALS <= value.as_tuple().exponent < MAX_DIGITS:
        return Decimal(0)  # 0E-1000000 is zero, but its exponent would overflow a rounding
    return value


Amount = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0), AfterValidator(bounded_decimal)]
SignedAmount = Annotated[Decimal, BeforeValidator(_exact), AfterValidator(bounded_decimal)]
Percent = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0, le=100), AfterValidator(bounded_decimal)]
OccupancyPercent = Annotated[Decimal, BeforeValidator(_exact), Field(gt=0, le=100), AfterValidator(bounded_decimal)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Costs(_Input):
    salaries: Amount = Decimal(0)
    property: Amount = Decimal(0)
    other_direct: Amount = Decimal(0)
    overhead: Amount | None = None
    overhead_pct: Percent | None = None
    depreciation: Amount = Decimal(0)
    capital_book_value: Amount = Decimal(0)
    interest_rate_pct: Percent = Decimal(0)
    civil_servant_pension: Amount = Decimal(0)


class ServiceIn(_Input):
    name: str = Field(min_length=1)
    kind: Literal["basis", "tilvalg", "tillaeg"] = "basis"
    unit: Literal["day", "month", "hour"] = "day"
    places: int | None = Field(default=None, ge=0, le=MAX_PLACES, strict=True)  # strict: `true` is not 1 place
    budgeted_occupancy_pct: OccupancyPercent | None = None
    budgeted_hours: Amount | None = None
    short_stay: bool = False
    costs: Costs
    other_income: Amount = Decimal(0)
    true_up: SignedAmount = Decimal(0)

    @model_validator(mode="after")
    def _denominator(self) -> "ServiceIn":
        if self.unit == "hour" and self.budgeted_hours is None:
            raise ValueError("budgeted_hours mangler for en timebaseret ydelse (required for hour-based services)")
        if self.unit != "hour" and (self.places is None or self.budgeted_occupancy_pct is None):
            raise ValueError("places og budgeted_occupancy_pct mangler (required for day and month services)")
        return self


class BudgetIn(_Input):
    rulebook: str
    year: int = Field(ge=2000, le=2100, strict=True)
    offer: str = ""
    services: list[ServiceIn] = Field(min_length=1)


class IncomeIn(_Input):
    occupied_days: Amount
    tariff: Amount


class AccountsIn(_Input):
    rulebook: str
    year: int = Field(ge=2000, le=2100, strict=True)
    offer: str = ""
    cost_based_budget: Amount
    cost_based_accounts: Amount
    income: list[IncomeIn] = []
    other_tariff_income: Amount = Decimal(0)
    keep: Amount | None = None


class EngineInputError(Exception):
    """Bad JSON input: `field` is the dotted path of the first problem, `message` Danish (English after)."""

    def __init__(self, *, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_dict(self) -> dict:
        return {"error": {"field": self.field, "message": self.message}}


MAX_INPUT_BYTES = 1024 * 1024  # the largest worked budget is 1 kB; a megabyte is hundreds of services
MAX_DEPTH = 20  # the formats nest four levels deep (services[].costs.salaries); deeper is not one of them


def json_file_run(file: str, calculate: Callable[[Any], dict], *, stdin: BinaryIO | TextIO | None = None
                  ) -> tuple[dict, int]:
    """What the JSON console commands share: read `file` (`-`: standard input), parse it, `calculate`; the answer
    and the exit code, 0, or 2 with `{"error": {"field", "message"}}` for bad input: a file that cannot be read,
    larger than `MAX_INPUT_BYTES`, not UTF-8, not JSON, or nested deeper than `MAX_DEPTH`."""
    try:
        return calculate(json_input_parse(_input_read(file, stdin=stdin))), 0
    except EngineInputError as exc:
        return exc.as_dict(), 2


def _input_read(file: str, *, stdin: BinaryIO | TextIO | None) -> bytes:
    """At most one byte more than the cap, so an endless stream or a huge file is never read whole."""
    try:
        if file == "-":
            stream = stdin or sys.stdin
            content = getattr(stream, "buffer", stream).read(MAX_INPUT_BYTES + 1)
            if isinstance(content, str):  # a text stream without a byte buffer (tests, embedding)
                content = content.encode("utf-8", errors="surrogateescape")
        else:
            with open(file, "rb") as handle:
                content = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise EngineInputError(field="file", message=f"filen kan ikke læses: {exc.strerror} ({file})") from exc
    if len(content) > MAX_INPUT_BYTES:
        raise EngineInputError(field="file", message=(
            f"inddata er større end {MAX_INPUT_BYTES // 1024} kB; et budget, et regnskab eller en takstrække fylder "
            "langt mindre (input too large)"))
    return content


def json_input_parse(content: bytes) -> Any:
    """UTF-8 JSON (a byte order mark is allowed), nested at most `MAX_DEPTH` levels; else a Danish error."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise EngineInputError(field="(json)", message=(
            f"inddata er ikke UTF-8: byte 0x{content[exc.start]:02x} i linje {line} (position {exc.start}) kan ikke læses; gem filen som UTF-8 (input must be UTF-8)")) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineInputError(field="(json)", message=f"ugyldig JSON i linje {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise EngineInputError(field="(json)", message=_too_deep()) from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise EngineInputError(field="(json)", message=(
            f"et tal i JSON har for mange cifre (a number has too many digits): {exc}")) from exc
    if _depth(data) > MAX_DEPTH:
        raise EngineInputError(field="(json)", message=_too_deep())
    return data


def _too_deep() -> str:
    return (f"JSON er indlejret mere end {MAX_DEPTH} niveauer; formaterne i docs/engine-json.md bruger højst fire "
            "(nested too deeply)")


def _depth(data: Any) -> int:
    """How deep lists and objects nest, counted without recursion."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                pending.extend((item, level + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def _path(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def error_message(error: dict) -> str:
    """Danish first, the library's English after; our own ValueErrors are written in both already."""
    if error["type"] == "value_error":
        return error["msg"].removeprefix("Value error, ")
    danish = message_da(error)  # the one Danish wording of pydantic's errors, shared with the API
    return f"{danish[:1].lower()}{danish[1:].rstrip('.')} ({error['msg']})"


def _parse(model: type[BaseModel], data: Any):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EngineInputError(field=_path(first["loc"]) or "(rod)", message=error_message(first)) from exc


def _rulebook(key: str):
    try:
        return rulebook_load(key=key)
    except RulebookError as exc:
        raise EngineInputError(field="rulebook", message=f"ukendt eller ugyldig regelbog «{key}»: {exc}") from exc


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def tariff_calculate_json(data: Any) -> dict:
    """A budget as JSON → every service's tariff with its breakdown and the rulebook's checks."""
    budget = _parse(BudgetIn, data)
    rulebook = _rulebook(budget.rulebook)
    norm = rulebook.tariffs.overhead_norm_pct
    services, checks = [], []
    for index, service in enumerate(budget.services):
        costs = service.costs
        # No overhead given is no overhead, as on the budget page: the norm is "et gennemsnitligt mål for
        # kommunerne under ét" (seed 003), a target across offers, checked below, never a value put in a budget.
        services.append(ServiceBudget(
            name=service.name, kind=service.kind, unit=Unit(service.unit), salaries_kr=costs.salaries,
            property_kr=costs.property, other_direct_kr=costs.other_direct, overhead_kr=costs.overhead,
            overhead_pct=costs.overhead_pct, depreciation_kr=costs.depreciation,
            capital_book_value_kr=costs.capital_book_value, interest_rate_pct=costs.interest_rate_pct,
            pension_kr=costs.civil_servant_pension, other_income_kr=service.other_income, true_up_kr=service.true_up,
            places=service.places or 0, budgeted_occupancy_pct=service.budgeted_occupancy_pct or Decimal(0),
            budgeted_hours=service.budgeted_hours or Decimal(0),
        ))
        if service.unit != "hour":
            low, high = rulebook.budgeted_occupancy_bounds(short_stay=service.short_stay)
            occupancy = budgeted_occupancy_check(
                value_pct=service.budgeted_occupancy_pct, min_pct=low, max_pct=high,
                recommended_max_pct=rulebook.budgeted_occupancy.recommended_max_pct.value,
            )
            checks.append({"service": service.name, "check": "budgeted_occupancy",
                           "ok": occupancy.within_bounds and not occupancy.above_recommended,
                           "needs_approval": not occupancy.within_bounds
                           and rulebook.budgeted_occupancy.deviation_needs_approval.value,
                           "message": occupancy.message_da()})
    conversion = rulebook.monthly_conversion_fraction(budget.year)
    try:
        result = tariff_calculate(services=services, year=budget.year, monthly_conversion=conversion)
    except TariffInputError as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    if norm is not None:
        for service, tariff in zip(services, result.services):
            direct = service.salaries_kr + service.property_kr + service.other_direct_kr
            overhead = next((line.amount_kr for line in tariff.breakdown if line.element == "overhead"), Decimal(0))
            if direct > 0:
                share = overhead_share_pct(overhead_kr=overhead, direct_costs_kr=direct)
                checks.append({"service": service.name, "check": "overhead_norm", "ok": share <= norm.value,
                               "needs_approval": False,
                               "message": f"Overhead {share} % af direkte omkostninger; normen er {norm.value} %."})
    return {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version, "year": budget.year, "offer": budget.offer,
        "monthly_conversion": days_per_month_text(conversion),
        "services": [
            {
                "name": tariff.name, "kind": tariff.kind, "unit": str(tariff.unit), "basis": str(tariff.basis_kr),
                "units": str(tariff.units), "tariff": str(tariff.unit_tariff_kr), "tariff_ore": tariff.unit_tariff_ore,
                "monthly_tariff": _text(tariff.monthly_tariff_kr),
                "breakdown": [
                    {"element": str(line.element), "label": line.label_da, "amount": str(line.amount_kr),
                     "per_unit": str(line.per_unit_kr)}
                    for line in tariff.breakdown
                ],
                "rounding": str(tariff.rounding_kr),
            }
            for tariff in result.services
        ],
        "checks": checks,
    }


def true_up_calculate_json(data: Any) -> dict:
    """A year's accounts as JSON → the result, what may be kept, and what enters the tariff of t+2."""
    accounts = _parse(AccountsIn, data)
    rulebook = _rulebook(accounts.rulebook)
    rules = rulebook.true_up
    try:
        result = true_up_calculate(
            data=TrueUpInput(
                year=accounts.year, cost_based_budget_kr=accounts.cost_based_budget,
                cost_based_accounts_kr=accounts.cost_based_accounts,
                income=tuple(TariffIncome(occupied_days=i.occupied_days, tariff_kr=i.tariff) for i in accounts.income),
                other_tariff_income_kr=accounts.other_tariff_income, keep_kr=accounts.keep,
            ),
            mode=rules.mode.value, limit_pct=rules.limit_pct.value, year_offset=rules.enters_tariff_year_offset.value,
            reserve_use_within_years=rules.reserve_use_within_years.value if rules.reserve_use_within_years else None,
        )
    except TariffInputError as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    return {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version, "year": result.year, "offer": accounts.offer,
        "mode": rules.mode.value, "tariff_income": str(result.tariff_income_kr), "result": str(result.result_kr),
        "surplus": result.is_surplus, "limit": str(result.limit_kr), "kept": str(result.kept_kr),
        "kept_as": result.kept_as, "to_tariff": str(result.to_tariff_kr),
        "enters_tariff_year": result.enters_tariff_year, "reserve_expires_year": result.reserve_expires_year,
    }
