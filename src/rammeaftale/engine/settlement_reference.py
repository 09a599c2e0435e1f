"""Monthly settlement, day by day in plain Python: slow on purpose and simple enough to check `settlement` against.

For every charge it walks the days of the month, looks up the tariff of each day, and makes one line of every run
of consecutive days at the same tariff. Rounding is Decimal ROUND_HALF_UP, not the engine's integer arithmetic, so
the two reach the same øre by different roads.
"""
import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.engine.settlement import (
    RATE_LABELS_DA,
    RULES,
    UNITS,
    Charge,
    HoursRecord,
    SettlementInputError,
    SettlementLine,
    TariffPeriod,
)


def _da(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def _covers(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day < end)


def _half_up(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _inputs_check(charges: list[Charge], tariffs: list[TariffPeriod], hours: list[HoursRecord]) -> None:
    for attribute, label, allowed in (("unit", "ukendt enhed", "day, month eller hour"),
                                      ("rule", "ukendt afregningsregel", "daily eller monthly_pro_rata")):
        for index, c in enumerate(charges):
            if getattr(c, attribute) not in (UNITS if attribute == "unit" else RULES):
                raise SettlementInputError(
                    f"placering {c.placement_id}, ydelse {c.service_id}: {label} «{getattr(c, attribute)}» "
                    f"({allowed})", field=f"charges[{index}].{attribute}",
                )
    for index, c in enumerate(charges):
        if c.charge_to is not None and c.charge_to <= c.charge_from:
            raise SettlementInputError(
                f"placering {c.placement_id}, ydelse {c.service_id}: slutdatoen {_da(c.charge_to)} "
                f"skal ligge efter startdatoen {_da(c.charge_from)}", field=f"charges[{index}].charge_to",
            )
    for index, t in enumerate(tariffs):
        if t.valid_to is not None and t.valid_to <= t.valid_from:
            raise SettlementInputError(
                f"ydelse {t.service_id}: takstperioden fra {_da(t.valid_from)} skal slutte efter "
                f"sin startdato, ikke {_da(t.valid_to)}", field=f"tariffs[{index}].valid_to",
            )
    for column, label in RATE_LABELS_DA.items():
        for index, t in enumerate(tariffs):
            value = getattr(t, column)
            if value is not None and value < 0:
                raise SettlementInputError(
                    f"ydelse {t.service_id}: {label}en fra {_da(t.valid_from)} må ikke være negativ ({value} øre)",
                    field=f"tariffs[{index}].{column}",
                )
    ordered = sorted(range(len(tariffs)), key=lambda i: (tariffs[i].service_id, tariffs[i].valid_from, i))
    for before, after in zip(ordered, ordered[1:]):
        first, second = tariffs[before], tariffs[after]
        if first.service_id == second.service_id and not (
                first.valid_to is not None and first.valid_to <= second.valid_from):
            raise SettlementInputError(
                f"ydelse {second.service_id}: takstperioderne fra {_da(first.valid_from)} og fra "
                f"{_da(second.valid_from)} overlapper", field=f"tariffs[{after}].valid_from",
            )
    for index, h in enumerate(hours):
        if h.minutes < 0:
            raise SettlementInputError(
                f"placering {h.placement_id}, ydelse {h.service_id}: minutterne den {_da(h.day)} "
                f"må ikke være negative ({h.minutes})", field=f"hours[{index}].minutes",
            )


def settlement_month_reference(*, charges: Iterable[Charge], tariffs: Iterable[TariffPeriod],
                               hours: Iterable[HoursRecord] = (), year: int, month: int) -> list[SettlementLine]:
    """Same answer as `settlement.settlement_month`, found by walking every day of the month."""
    charges, tariffs, hours = list(charges), list(tariffs), list(hours)
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise SettlementInputError(f"måneden skal være et tal fra 1 til 12, ikke {month!r}", field="month")
    if not isinstance(year, int) or not 1 <= year <= 9998:
        raise SettlementInputError(f"året skal være et tal fra 1 til 9998, ikke {year!r}", field="year")
    _inputs_check(charges, tariffs, hours)
    days_in_month = calendar.monthrange(year, month)[1]
    month_days = [date(year, month, 1) + timedelta(days=n) for n in range(days_in_month)]

    charged = []  # (charge index, its days in the month), in the order the engine reports problems
    for index, c in enumerate(charges):
        days = [day for day in month_days if _covers(c.charge_from, c.charge_to, day)]
        if days:
            charged.append((index, days))
    charged.sort(key=lambda item: (charges[item[0]].placement_id, charges[item[0]].service_id, item[1][0], item[0]))

    seen: set[tuple[int, int, date]] = set()
    for index, days in charged:
        c = charges[index]
        for day in days:
            if (c.placement_id, c.service_id, day) in seen:
                raise SettlementInputError(
                    f"placering {c.placement_id}: ydelse {c.service_id} afregnes to gange den {_da(day)} "
                    f"(to perioder overlapper)", field=f"charges[{index}].charge_from",
                )
            seen.add((c.placement_id, c.service_id, day))

    tariffs_of: dict[int, list] = {}  # a plain index by service, so each day looks at its own service's periods
    for tariff in tariffs:
        tariffs_of.setdefault(tariff.service_id, []).append(tariff)
    runs = []  # [charge, tariff, first day, number of days]
    for index, days in charged:
        c = charges[index]
        for day in days:
            found = [t for t in tariffs_of.get(c.service_id, ()) if _covers(t.valid_from, t.valid_to, day)]
            if not found:
                raise SettlementInputError(
                    f"placering {c.placement_id}: ydelse {c.service_id} har ingen takst den {_da(day)}",
                    field="tariffs",
                )
            if runs and runs[-1][0] is c and runs[-1][1] is found[0]:
                runs[-1][3] += 1
            else:
                runs.append([c, found[0], day, 1])

    lines = []
    for c, tariff, first_day, days in runs:
        period_to = first_day + timedelta(days=days)
        column = "hourly_ore" if c.unit == "hour" else "daily_ore" if c.rule == "daily" else "monthly_ore"
        rate = getattr(tariff, column)
        if rate is None:
            raise SettlementInputError(
                f"placering {c.placement_id}: ydelse {c.service_id} har ingen {RATE_LABELS_DA[column]} den "
                f"{_da(first_day)}", field="tariffs",
            )
        if c.unit == "hour":
            quantity = sum(h.minutes for h in hours if h.placement_id == c.placement_id
                           and h.service_id == c.service_id and first_day <= h.day < period_to)
            amount, basis = _half_up(quantity * rate, 60), "hours"
        elif c.rule == "daily":
            quantity, amount, basis = days, days * rate, "days"
        elif days == days_in_month:
            quantity, amount, basis = days, rate, "month"
        else:
            quantity, amount, basis = days, _half_up(rate * days, days_in_month), "pro_rata"
        lines.append(SettlementLine(
            placement_id=c.placement_id, service_id=c.service_id, seller_id=c.seller_id, buyer_id=c.buyer_id,
            period_from=first_day, period_to=period_to, unit=c.unit, quantity=quantity, rate_ore=rate,
            amount_ore=amount, basis=basis,
        ))
    lines.sort(key=lambda line: (line.seller_id, line.buyer_id, line.placement_id, line.service_id, line.period_from))
    return lines
