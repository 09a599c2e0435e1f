"""The tariff of a service on any day, from one place: the year's tariff (approved or provisional) from 1 January,
split at every mid-year change, merged once here and read by the purchase, the placement page, the settlement, the
occupancy estimates and the exports alike.

A span is half-open, [valid_from, valid_to). A day no span covers has no tariff: `tariffs_missing` says, in Danish,
what is missing and why (no tariff for the year; no provisional one because last year's is missing or the year's
P/L is not in the P/L table), so a purchase or a month's settlement can list it instead of failing.
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from rammeaftale.bulk import id_lists
from rammeaftale.registry.models import Service
from rammeaftale.tariffs.models import PriceIndex, Tariff, TariffChange, TariffOrigin


@dataclass(frozen=True)
class TariffSpan:
    """One tariff in force from `valid_from` up to, not including, `valid_to` (per the service's unit, in øre)."""

    service_id: int
    valid_from: date
    valid_to: date
    amount_ore: int
    monthly_ore: int | None
    provisional: bool
    tariff_id: int | None  # the year's Tariff row the span starts from (None: a change in a year without one)
    change_id: int | None  # the mid-year change, if the span starts at one

    def covers(self, day: date) -> bool:
        return self.valid_from <= day < self.valid_to


class _YearTariff(NamedTuple):
    pk: int
    amount_ore: int
    monthly_ore: int | None
    is_provisional: bool


class _Change(NamedTuple):
    pk: int
    valid_from: date
    amount_ore: int
    monthly_ore: int | None


def _year_spans(service_id: int, year: int, tariff: _YearTariff | None, changes: list[_Change]) -> list[TariffSpan]:
    starts = []
    if tariff is not None:
        starts.append((date(year, 1, 1), tariff.amount_ore, tariff.monthly_ore, tariff.is_provisional, None))
    starts += [(c.valid_from, c.amount_ore, c.monthly_ore, False, c.pk) for c in changes]
    starts.sort(key=lambda item: item[0])
    spans = []
    for index, (valid_from, amount_ore, monthly_ore, provisional, change_id) in enumerate(starts):
        valid_to = starts[index + 1][0] if index + 1 < len(starts) else date(year + 1, 1, 1)
        if valid_to > valid_from:
            spans.append(TariffSpan(service_id=service_id, valid_from=valid_from, valid_to=valid_to,
                                    amount_ore=amount_ore, monthly_ore=monthly_ore, provisional=provisional,
                                    tariff_id=tariff.pk if tariff is not None else None, change_id=change_id))
    return spans


def tariff_spans(*, service_ids: Iterable[int], first_day: date, last_day: date) -> dict[int, list[TariffSpan]]:
    """Every span of the services' tariffs in the years [first_day, last_day) touches, by service, in date order.

    Two narrow queries per chunk of services, whatever the number of years (a national month reads some 20,000
    tariffs: as tuples, not model objects).
    """
    years = range(first_day.year, (last_day.year if last_day.month == 1 and last_day.day == 1 else last_day.year + 1))
    tariffs: dict[tuple[int, int], _YearTariff] = {}
    changes: dict[tuple[int, int], list[_Change]] = defaultdict(list)
    for chunk in id_lists(service_ids):
        for service_id, year, pk, amount_ore, monthly_ore, origin in Tariff.objects.filter(
                service_id__in=chunk, year__in=list(years)).order_by().values_list(
                "service_id", "year", "pk", "amount_ore", "monthly_ore", "origin"):
            tariffs[(service_id, year)] = _YearTariff(pk, amount_ore, monthly_ore, origin == TariffOrigin.PROVISIONAL)
        for service_id, *change in TariffChange.objects.filter(
                service_id__in=chunk, valid_from__gte=date(years[0], 1, 1),
                valid_from__lt=date(years[-1] + 1, 1, 1)).order_by("valid_from", "pk").values_list(
                "service_id", "pk", "valid_from", "amount_ore", "monthly_ore"):
            changes[(service_id, change[1].year)].append(_Change(*change))
    spans: dict[int, list[TariffSpan]] = defaultdict(list)
    for service_id, year in sorted(set(tariffs) | set(changes)):
        spans[service_id] += _year_spans(service_id, year, tariffs.get((service_id, year)), changes[(service_id, year)])
    return dict(spans)


def tariffs_on(*, service_ids: Iterable[int], day: date) -> dict[int, TariffSpan]:
    """The tariff of each service on a day, by service (a service without one is left out)."""
    spans = tariff_spans(service_ids=service_ids, first_day=day, last_day=date(day.year + 1, 1, 1))
    return {service_id: span for service_id, service_spans in spans.items() for span in service_spans
            if span.covers(day)}


def tariff_at_year_end(*, service_ids: Iterable[int], year: int) -> dict[int, TariffSpan]:
    """The tariff in force on 31 December of `year` (the year's last span), by service."""
    spans = tariff_spans(service_ids=service_ids, first_day=date(year, 1, 1), last_day=date(year + 1, 1, 1))
    last = date(year, 12, 31)
    return {service_id: span for service_id, service_spans in spans.items() for span in service_spans
            if span.covers(last)}


# What is missing, and why


@dataclass(frozen=True)
class MissingTariff:
    service: Service
    year: int
    first_day: date  # the first day of the period with no tariff
    reason_da: str

    @property
    def message_da(self) -> str:
        return f"«{self.service.name}» ({self.service.offer.name}) fra {self.first_day:%d.%m.%Y}: {self.reason_da}"


def uncovered_from(spans: list[TariffSpan], start: date, end: date) -> date | None:
    """The first day in [start, end) no span covers, or None."""
    day = start
    for span in spans:
        if span.valid_to <= day:
            continue
        if span.valid_from > day:
            return day
        day = span.valid_to
        if day >= end:
            return None
    return day if day < end else None


def _reason(year: int, previous: TariffSpan | None, pl_known: bool) -> str:
    if previous is None:
        return (f"ingen takst for {year} og ingen for {year - 1} at fremskrive; driftsherren beregner eller "
                "indberetter taksten.")
    if previous.provisional:
        return (f"ingen takst for {year}, og {year - 1}-taksten er selv foreløbig; en foreløbig takst fremskrives "
                "kun fra en godkendt takst. Driftsherren beregner taksten.")
    if not pl_known:
        return (f"ingen takst for {year}, og den foreløbige takst ({year - 1}-taksten × P/L) kan ikke dannes, fordi "
                f"P/L for {year} mangler i P/L-tabellen; sekretariatet indtaster den under Takster → P/L-tabel.")
    return (f"ingen takst for {year} endnu; den foreløbige takst ({year - 1}-taksten × P/L {year}) dannes med "
            f"`rammeaftale tariff provisional --year {year}` eller fra takstoversigten.")


def tariffs_missing(*, service_ids: Iterable[int], first_day: date, last_day: date) -> list[MissingTariff]:
    """Every service and year in [first_day, last_day) with days no tariff covers, with the reason in Danish."""
    service_ids = sorted(set(service_ids))
    spans = tariff_spans(service_ids=service_ids, first_day=first_day, last_day=last_day)
    gaps: list[tuple[int, int, date]] = []
    for service_id in service_ids:
        for year in range(first_day.year, (last_day - date.resolution).year + 1):
            start, end = max(first_day, date(year, 1, 1)), min(last_day, date(year + 1, 1, 1))
            gap = uncovered_from(spans.get(service_id, []), start, end)
            if gap is not None:
                gaps.append((service_id, year, gap))
    if not gaps:
        return []
    services = Service.objects.select_related("offer").in_bulk({service_id for service_id, _, _ in gaps})
    known_pl = set(PriceIndex.objects.filter(year__in={year for _, year, _ in gaps}).values_list("year", flat=True))
    previous: dict[tuple[int, int], TariffSpan] = {}
    for year in {year for _, year, _ in gaps}:
        for service_id, span in tariff_at_year_end(service_ids={s for s, y, _ in gaps if y == year},
                                                   year=year - 1).items():
            previous[(service_id, year)] = span
    return [MissingTariff(service=services[service_id], year=year, first_day=gap,
                          reason_da=_reason(year, previous.get((service_id, year)), year in known_pl))
            for service_id, year, gap in gaps]

