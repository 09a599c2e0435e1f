"""The capacity and occupancy analysis (kapacitets- og belægningsanalysen) of a region over a span of years: offers,
places and occupancy by legal paragraph and target group, the nationwide offers and secured units in a section of
their own, and the places bought across municipalities (paying municipality × operator).

Aggregate figures only, no citizen data: every logged-in user may read it for any region (the secretariats publish
it), and reading it is not audited. Place-days come from the occupancy engine; a group's occupancy is its summed
occupied place-days over its summed capacity place-days (not an average of the offers' percentages).
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.limits import YEAR_MIN
from rammeaftale.engine.occupancy import (
    STAY_SCHEMA,
    Period,
    occupancy_frame,
    occupancy_pct,
    pct_text,
    periods_frame,
)
from rammeaftale.occupancy.inputs import charged_stays, first_stay_year, occupancy_capacities_frame
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import (
    Category,
    LegalParagraph,
    Offer,
    OfferCategory,
    ServiceKind,
    ServiceUnit,
    TargetGroup,
)

DEFAULT_YEARS = 5
MAX_YEARS = 10
TOP_PURCHASES = 30  # rows of the purchase table on the page and in the PDF (the XLSX has them all)

MAIN = "main"
SEPARATE = "nationwide_secured"
SEPARATE_CATEGORIES = (Category.NATIONWIDE, Category.SECURED)
SECTION_TITLES = {
    MAIN: "Regionens tilbud",
    SEPARATE: "Lands- og landsdelsdækkende tilbud og sikrede afdelinger",
}
NO_PARAGRAPH = ("", "Intet lovgrundlag angivet")
NO_TARGET_GROUP = ("", "Ingen målgruppe angivet")


@dataclass(frozen=True)
class YearFigure:
    """One year (the current year up to and including `last_day`): offers with capacity in the year, places on its
    last day, and place-days."""

    year: int
    last_day: date
    offers: int
    places: int
    occupied_days: int
    capacity_days: int

    @property
    def pct(self) -> Decimal | None:
        return occupancy_pct(self.occupied_days, self.capacity_days)


@dataclass(frozen=True)
class GroupRow:
    """A legal paragraph or target group within a section, year by year (oldest first)."""

    key: str
    label: str
    years: tuple[YearFigure, ...]

    @property
    def latest(self) -> YearFigure:
        return self.years[-1]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    total: GroupRow
    by_paragraph: tuple[GroupRow, ...]
    by_target_group: tuple[GroupRow, ...]

    @property
    def is_empty(self) -> bool:
        return not any(figure.offers or figure.occupied_days for figure in self.total.years)


@dataclass(frozen=True)
class Purchase:
    """Place-days and placements one municipality paid for in one operator's offers during the year."""

    buyer_id: int
    buyer: str
    operator_id: int
    operator: str
    occupied_days: int
    placements: int


@dataclass(frozen=True)
class PurchaseMatrix:
    year: int
    first_day: date
    last_day: date
    purchases: tuple[Purchase, ...]  # largest first

    @property
    def occupied_days(self) -> int:
        return sum(purchase.occupied_days for purchase in self.purchases)

    @property
    def placements(self) -> int:
        return sum(purchase.placements for purchase in self.purchases)

    @property
    def top(self) -> tuple[Purchase, ...]:
        return self.purchases[:TOP_PURCHASES]

    @property
    def buyers(self) -> int:
        return len({purchase.buyer_id for purchase in self.purchases})

    @property
    def operators(self) -> int:
        return len({purchase.operator_id for purchase in self.purchases})


@dataclass(frozen=True)
class OccupancyAnalysis:
    region: Organisation
    year_from: int
    year_to: int
    as_of: date  # the last day counted
    sections: tuple[Section, ...]
    purchases: PurchaseMatrix
    hour_offers: int = 0  # offers sold by the hour (e.g. SEL § 85 support): measured in hours, not in places

    @property
    def years(self) -> list[int]:
        return list(range(self.year_from, self.year_to + 1))

    @property
    def partial_last_year(self) -> bool:
        """The last year is the current one, counted up to today."""
        return self.as_of < date(self.year_to, 12, 31)

    @property
    def title(self) -> str:
        return f"Kapacitets- og belægningsanalyse {self.year_from}–{self.year_to}: {self.region}"


# Input


def _year(text, *, field: str, label: str) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    value = str(text).strip()
    if not value.isdigit() or len(value) != 4:
        raise DomainError(f"{label} skal være et årstal med fire cifre, ikke «{value}».", field=field,
                          code="invalid_year", message_en=f"{field} must be a four-digit year")
    return int(value)


def analysis_years(year_from, year_to, *, today: date, first_data_year: int | None = None) -> tuple[int, int]:
    """The span asked for (text or numbers; empty: the last five years up to this one, from `first_data_year` if
    the data begin later), checked."""
    last = _year(year_to, field="year_to", label="Til-året")
    first = _year(year_from, field="year_from", label="Fra-året")
    if last is None:
        last = today.year if first is None else min(today.year, first + DEFAULT_YEARS - 1)
    if first is None:
        first = last - DEFAULT_YEARS + 1
        if first_data_year is not None:
            first = min(max(first, first_data_year), last)
    for value, field in ((first, "year_from"), (last, "year_to")):
        if not YEAR_MIN <= value <= today.year:
            raise DomainError(f"Året {value} ligger uden for {YEAR_MIN}–{today.year}; analysen dækker ikke "
                              "fremtidige år.", field=field, code="invalid_year",
                              message_en=f"{field} outside {YEAR_MIN}-{today.year}")
    if first > last:
        raise DomainError(f"Fra-året {first} ligger efter til-året {last}.", field="year_from", code="invalid_year",
                          message_en="year_from is after year_to")
    if last - first + 1 > MAX_YEARS:
        raise DomainError(f"Højst {MAX_YEARS} år ad gangen ({first}–{last} er {last - first + 1} år).",
                          field="year_from", code="invalid_year", message_en=f"at most {MAX_YEARS} years")
    return first, last


def data_years(region: Organisation, *, today: date) -> list[int]:
    """The years the year selects offer, newest first: from the first year a place was held in the region's offers
    to this year (this year alone without any), not a fixed span from years before any data (issue 16)."""
    first = first_stay_year(region_id=region.pk) or today.year
    return list(range(today.year, min(first, today.year) - 1, -1))


def default_purchase_year(year_from: int, year_to: int, *, today: date) -> int:
    """The latest full year in the span; the current year only when the span holds nothing else."""
    if year_to < today.year:
        return year_to
    return max(year_from, year_to - 1)


def _year_period(year: int, *, today: date) -> Period:
    """The year, or the current year up to and including today."""
    return Period(str(year), date(year, 1, 1), min(date(year + 1, 1, 1), today + timedelta(days=1)))


# Figures


def _offer_sections(region: Organisation, offer_ids: list[int], years: list[int]) -> pl.DataFrame:
    """(offer_id, year, section): the offer's category that year, else its newest earlier one, else its first."""
    rows = sorted(OfferCategory.objects.filter(offer__municipality__region=region).order_by()
                  .values_list("offer_id", "year", "category"))
    categories: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for offer_id, year, category in rows:
        categories[offer_id].append((year, category))
    offers, years_out, sections = [], [], []
    for offer_id in offer_ids:
        known = categories.get(offer_id, [])
        for year in years:
            earlier = [category for known_year, category in known if known_year <= year]
            category = earlier[-1] if earlier else (known[0][1] if known else "")
            offers.append(offer_id)
            years_out.append(year)
            sections.append(SEPARATE if category in SEPARATE_CATEGORIES else MAIN)
    return pl.DataFrame({"offer_id": offers, "year": years_out, "section": sections},
                        schema={"offer_id": pl.Int64, "year": pl.Int64, "section": pl.Utf8})


def _periods(years: list[int], *, today: date) -> list[Period]:
    """Each year (to today in the current one) and its last day, "YYYY-last" (its capacity: the places then)."""
    periods = []
    for year in years:
        period = _year_period(year, today=today)
        periods += [period, Period(f"{year}-last", period.end - timedelta(days=1), period.end)]
    return periods


def _region_stays(offer_ids: list[int], periods: list[Period]) -> list[tuple]:
    """(offer_id, start, end, paying municipality, internal) of every charged stay in the offers meeting the
    periods: one read serves the occupancy figures and the purchases across municipalities."""
    if not offer_ids:
        return []
    return list(charged_stays(first_day=periods[0].start, last_day=periods[-1].end, offer_ids=offer_ids,
                              fields=("paying_municipality_id", "is_internal")))


def _offer_figures(offer_ids: list[int], periods: list[Period], stays: list[tuple]) -> pl.DataFrame:
    """(offer_id, year, occupied_days, capacity_days, places): place-days in the year, places on its last day."""
    schema = {"offer_id": pl.Int64, "year": pl.Int64, "occupied_days": pl.Int64, "capacity_days": pl.Int64,
              "places": pl.Int64}
    if not offer_ids:
        return pl.DataFrame(schema=schema)
    stays_frame = pl.DataFrame([row[:3] for row in stays], schema=STAY_SCHEMA, orient="row")
    frame = occupancy_frame(stays_frame, occupancy_capacities_frame(offer_ids=offer_ids), periods_frame(periods))
    frame = frame.with_columns(year=pl.col("period").str.slice(0, 4).cast(pl.Int64),
                               last=pl.col("period").str.ends_with("-last"))
    days = frame.filter(~pl.col("last")).select("offer_id", "year", "occupied_days", "capacity_days")
    places = frame.filter(pl.col("last")).select("offer_id", "year", pl.col("capacity_days").alias("places"))
    return days.join(places, on=["offer_id", "year"], how="left").select(list(schema))


def _memberships(region: Organisation, offer_ids: list[int], through, column: str,
                 labels: dict[int, tuple[str, str]], missing: tuple[str, str]) -> pl.DataFrame:
    """(offer_id, key, label): each offer once per paragraph (or target group); offers without one under
    `missing`."""
    pairs = list(through.objects.filter(offer__municipality__region=region).values_list("offer_id", column))
    seen = {offer_id for offer_id, _ in pairs}
    rows = [(offer_id, *labels[other_id]) for offer_id, other_id in pairs]
    rows += [(offer_id, *missing) for offer_id in offer_ids if offer_id not in seen]
    return pl.DataFrame(rows, schema={"offer_id": pl.Int64, "key": pl.Utf8, "label": pl.Utf8}, orient="row")


def _grouped(figures: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return figures.group_by(*by, "year").agg(
        offers=(pl.col("capacity_days") > 0).sum(), places=pl.col("places").sum(),
        occupied_days=pl.col("occupied_days").sum(), capacity_days=pl.col("capacity_days").sum(),
    )


def _row(key: str, label: str, values: dict[int, dict], years: list[int], last_days: dict[int, date]) -> GroupRow:
    empty = {"offers": 0, "places": 0, "occupied_days": 0, "capacity_days": 0}
    return GroupRow(key=key, label=label, years=tuple(
        YearFigure(year=year, last_day=last_days[year], **{name: int(values.get(year, empty)[name]) for name in empty})
        for year in years
    ))


def _sections(figures: pl.DataFrame, paragraphs: pl.DataFrame, groups: pl.DataFrame, *, years: list[int],
              last_days: dict[int, date], paragraph_order: dict[str, int]) -> tuple[Section, ...]:
    def rows_of(section: str, members: pl.DataFrame | None, order) -> tuple[GroupRow, ...]:
        data = figures.filter(pl.col("section") == section)
        if members is None:
            data = data.with_columns(key=pl.lit(""), label=pl.lit("I alt"))
        else:
            data = data.join(members, on="offer_id")
        by_key: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
        for record in _grouped(data, ["key", "label"]).iter_rows(named=True):
            by_key[(record["key"], record["label"])][record["year"]] = record
        rows = [_row(key, label, values, years, last_days) for (key, label), values in by_key.items()
                if any(v["offers"] or v["occupied_days"] for v in values.values())]
        return tuple(sorted(rows, key=order))

    sections = []
    for key in (MAIN, SEPARATE):
        total = rows_of(key, None, lambda row: 0)
        sections.append(Section(
            key=key, title=SECTION_TITLES[key],
            total=total[0] if total else _row("", "I alt", {}, years, last_days),
            by_paragraph=rows_of(key, paragraphs, lambda row: (paragraph_order.get(row.key, 10**9), row.label)),
            by_target_group=rows_of(key, groups, lambda row: (row.key == "", row.label.lower())),
        ))
    return tuple(sections)


def purchase_matrix(*, stays: list[tuple], operators: dict[int, int | None], year: int,
                    today: date) -> PurchaseMatrix:
    """Place-days and placements in the region's offers (`operators`: offer id → its operator) paid by a
    municipality other than the offer's operator during the year (the current year up to today), from the
    region's charged stays (`_region_stays`, a span holding the year). The operator's own citizens (internal
    placements) are left out, and so is every placement its operator pays for itself. Stays run from the start to
    the first day not charged, as in the occupancy engine (paid notice days count where the rules in force at
    notice charge them)."""
    period = _year_period(year, today=today)
    first_day, after = period.start, period.end
    records = []
    for offer_id, start, end, buyer_id, internal in stays:
        operator_id = operators.get(offer_id)
        if internal or operator_id is None or buyer_id == operator_id:
            continue
        records.append((buyer_id, operator_id, max(start, first_day), min(end or after, after)))
    frame = pl.DataFrame(records, orient="row", schema={"buyer_id": pl.Int64, "operator_id": pl.Int64,
                                                         "start": pl.Date, "end": pl.Date})
    totals = (frame.with_columns(days=(pl.col("end") - pl.col("start")).dt.total_days())
              .filter(pl.col("days") > 0)
              .group_by("buyer_id", "operator_id")
              .agg(occupied_days=pl.col("days").sum(), placements=pl.len()))
    names = {organisation.pk: str(organisation) for organisation in Organisation.objects.filter(
        pk__in=set(totals["buyer_id"].to_list()) | set(totals["operator_id"].to_list()))}
    purchases = [
        Purchase(buyer_id=buyer_id, buyer=names[buyer_id], operator_id=operator_id, operator=names[operator_id],
                 occupied_days=int(days), placements=int(count))
        for buyer_id, operator_id, days, count in totals.iter_rows()
    ]
    purchases.sort(key=lambda p: (-p.occupied_days, p.buyer, p.operator))
    return PurchaseMatrix(year=year, first_day=first_day, last_day=after - timedelta(days=1),
                          purchases=tuple(purchases))


def occupancy_analysis(*, actor: Actor, region: Organisation, year_from: int, year_to: int,
                       purchase_year: int | None = None, today: date) -> OccupancyAnalysis:
    """The analysis of the region's offers (offers located in its municipalities) over [year_from, year_to]."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    year_from, year_to = analysis_years(year_from, year_to, today=today)
    if purchase_year is None:
        purchase_year = default_purchase_year(year_from, year_to, today=today)
    elif not year_from <= purchase_year <= year_to:
        raise DomainError(f"Året for køb på tværs skal ligge i {year_from}–{year_to}, ikke {purchase_year}.",
                          field="purchase_year", code="invalid_year", message_en="purchase_year outside the span")
    years = list(range(year_from, year_to + 1))
    last_days = {year: _year_period(year, today=today).end - timedelta(days=1) for year in years}
    operators = dict(Offer.objects.filter(municipality__region=region).order_by("pk").values_list("pk", "operator_id"))
    # An offer sold only by the hour (§ 85 support and the like) has no places to fill: counted as places at 0 % it
    # pulled the region's occupancy down (issue 16). It is left out of place occupancy and counted apart.
    by_hour = set(Offer.objects.filter(pk__in=list(operators)).exclude(
        services__kind=ServiceKind.BASIS, services__unit__in=[ServiceUnit.DAY, ServiceUnit.MONTH])
        .filter(services__unit=ServiceUnit.HOUR).values_list("pk", flat=True))
    offer_ids = [pk for pk in operators if pk not in by_hour]
    periods = _periods(years, today=today)
    stays = _region_stays(offer_ids, periods)
    figures = _offer_figures(offer_ids, periods, stays).join(
        _offer_sections(region, offer_ids, years), on=["offer_id", "year"], how="left")
    paragraph_rows = list(LegalParagraph.objects.order_by("id").values_list("pk", "code", "law", "paragraph",
                                                                            "subsection"))
    paragraph_labels = {pk: (code, LegalParagraph(law=law, paragraph=paragraph, subsection=subsection).label)
                        for pk, code, law, paragraph, subsection in paragraph_rows}
    group_labels = {pk: (code, name) for pk, code, name in TargetGroup.objects.values_list("pk", "code", "name")}
    sections = _sections(
        figures,
        _memberships(region, offer_ids, Offer.paragraphs.through, "legalparagraph_id", paragraph_labels,
                     NO_PARAGRAPH),
        _memberships(region, offer_ids, Offer.target_groups.through, "targetgroup_id", group_labels,
                     NO_TARGET_GROUP),
        years=years, last_days=last_days,
        paragraph_order={code: index for index, (_, code, *_) in enumerate(paragraph_rows)},
    )
    return OccupancyAnalysis(region=region, year_from=year_from, year_to=year_to, as_of=last_days[year_to],
                             sections=sections, purchases=purchase_matrix(stays=stays, operators=operators,
                                                                          year=purchase_year, today=today),
                             hour_offers=len(by_hour))


# JSON (the API), percentages as strings


def _row_json(row: GroupRow) -> dict:
    return {
        "key": row.key, "label": row.label,
        "years": [{"year": f.year, "last_day": f.last_day.isoformat(), "offers": f.offers, "places": f.places,
                   "occupied_days": f.occupied_days, "capacity_days": f.capacity_days,
                   "occupancy_pct": pct_text(f.pct)} for f in row.years],
    }


def analysis_json(analysis: OccupancyAnalysis) -> dict:
    matrix = analysis.purchases
    return {
        "region": {"id": analysis.region.pk, "code": analysis.region.code, "name": str(analysis.region)},
        "year_from": analysis.year_from, "year_to": analysis.year_to, "as_of": analysis.as_of.isoformat(),
        "sections": [
            {"key": section.key, "title": section.title, "total": _row_json(section.total),
             "by_paragraph": [_row_json(row) for row in section.by_paragraph],
             "by_target_group": [_row_json(row) for row in section.by_target_group]}
            for section in analysis.sections
        ],
        "purchases": {
            "year": matrix.year, "first_day": matrix.first_day.isoformat(), "last_day": matrix.last_day.isoformat(),
            "measure": "occupied_days",
            "occupied_days": matrix.occupied_days, "placements": matrix.placements,
            "cells": [{"buyer_id": p.buyer_id, "buyer": p.buyer, "operator_id": p.operator_id,
                       "operator": p.operator, "occupied_days": p.occupied_days, "placements": p.placements}
                      for p in matrix.purchases],
        },
    }
