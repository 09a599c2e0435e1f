"""Demand and forecast (behovsanalyse, issue 14, part 5): per target group and per legal paragraph of a region's
offers, the placements and place-days of the whole years so far, the capacity, a forecast of place-days for the
running year and the next three (`engine/demand.py`), and the municipalities' own expected demand for next year.

One count of place-days: the charged stays (`placements.stays.charged_stays`, the stays the occupancy reports read)
integrated by the occupancy engine (`engine/occupancy.occupancy_frame`) per offer and year, with the offers'
capacity place-days in the same call; a group's figures are its offers' sums. An offer with two target groups counts
in both, so the groups do not add up to the region. A placement counts in a year if it holds a place on a day of it.
Aggregate figures only, no citizen data: the region's secretariat and its municipalities' users read them, and
reading is not audited. Entering an expectation is, with `audit_record` in the same transaction.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import polars as pl
from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.economy.models import DemandExpectation, Expectation
from rammeaftale.engine.demand import HORIZON, Forecast, ForecastYear, demand_forecast
from rammeaftale.engine.occupancy import STAY_SCHEMA, Period, occupancy_frame, periods_frame
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.stays import charged_stays, occupancy_capacities_frame
from rammeaftale.registry.models import LegalParagraph, Offer, TargetGroup

YEARS_BACK = 10  # whole years read before the running one; a group's series starts at its first year with figures
NOTE_MAX = 500
NO_GROUP = "Uden målgruppe"
NO_PARAGRAPH = "Uden lovgrundlag"


@dataclass(frozen=True)
class DemandYear:
    year: int
    placements: int  # placements holding a place on a day of the year (the running year: up to today)
    occupied_days: int  # place-days (the running year: up to today)
    capacity_days: int  # the whole year's
    places: int  # on 1 January
    forecast: ForecastYear | None = None
    running: bool = False  # the running year: figures to date, beside its forecast

    @property
    def capacity_margin(self) -> int | None:
        """Capacity place-days less the forecast's point (negative: more demand than places)."""
        return None if self.forecast is None else self.capacity_days - self.forecast.value


@dataclass(frozen=True)
class DemandGroup:
    key: str
    label: str
    history: tuple[DemandYear, ...]  # whole years, oldest first
    future: tuple[DemandYear, ...]  # the running year and the next three: capacity and forecast
    forecast: Forecast
    expectations: dict[str, int] = field(default_factory=dict)  # Expectation value → municipalities
    notes: tuple[tuple[str, str, str], ...] = ()  # (municipality, expectation label, note)


@dataclass(frozen=True)
class DemandAnalysis:
    region: Organisation
    today: date
    expectation_year: int
    by_target_group: tuple[DemandGroup, ...]
    by_paragraph: tuple[DemandGroup, ...]

    @property
    def title(self) -> str:
        return f"Behov og prognose: {self.region}"


def _may_read(actor: Actor, region: Organisation) -> bool:
    if actor.is_superuser:
        return True
    if actor.region_id != region.pk:
        return False
    if actor.organisation_kind == OrganisationKind.SECRETARIAT:
        return actor.has_role(Role.SECRETARIAT, Role.ADMINISTRATOR)
    return actor.organisation_kind == OrganisationKind.MUNICIPALITY


def _periods(first: int, running: int, today: date) -> list[Period]:
    """Each year, its 1 January (the places), and the running year up to today."""
    periods = []
    for year in range(first, running + HORIZON + 1):
        start = date(year, 1, 1)
        periods += [Period(str(year), start, date(year + 1, 1, 1)),
                    Period(f"{year}-jan1", start, start + timedelta(days=1))]
    if today > date(running, 1, 1):
        periods.append(Period(f"{running}-ytd", date(running, 1, 1), today))
    return periods


def _placements(stays: list[tuple], first: int, running: int, today: date) -> dict[tuple[int, int], int]:
    """(offer_id, year) → placements holding a place on a day of the year (the running year: before today)."""
    counts: Counter = Counter()
    for offer_id, start, end in stays:
        last = min((end - timedelta(days=1)).year if end else running, running)
        if last == running and start >= today:
            last -= 1
        for year in range(max(start.year, first), last + 1):
            counts[(offer_id, year)] += 1
    return counts


def _offer_years(offer_ids: list[int], first: int, running: int, today: date) -> dict[tuple[int, int], dict]:
    """(offer_id, year) → placements, occupied_days, capacity_days, places (and the running year's to date)."""
    periods = _periods(first, running, today)
    stays = list(charged_stays(first_day=date(first, 1, 1), last_day=date(running + HORIZON + 1, 1, 1),
                               offer_ids=offer_ids))
    frame = occupancy_frame(pl.DataFrame(stays, schema=STAY_SCHEMA, orient="row"),
                            occupancy_capacities_frame(offer_ids=offer_ids), periods_frame(periods))
    placements = _placements(stays, first, running, today)
    figures: dict[tuple[int, int], dict] = defaultdict(lambda: dict.fromkeys(
        ("placements", "occupied_days", "capacity_days", "places", "ytd_days"), 0))
    for offer_id, period, occupied, capacity in frame.iter_rows():
        year, _, part = period.partition("-")
        record = figures[(offer_id, int(year))]
        if part == "jan1":
            record["places"] = capacity
        elif part == "ytd":
            record["ytd_days"] = occupied
        else:
            record["occupied_days"], record["capacity_days"] = occupied, capacity
    for key, count in placements.items():
        figures[key]["placements"] = count
    return figures


def _group(key: str, label: str, offer_ids: list[int], figures: dict, first: int, running: int) -> DemandGroup:
    sums = {year: Counter() for year in range(first, running + HORIZON + 1)}
    for offer_id in offer_ids:
        for year, total in sums.items():
            total.update(figures.get((offer_id, year), {}))
    whole = [year for year in range(first, running) if sums[year]["occupied_days"] or sums[year]["capacity_days"]
             or sums[year]["placements"]]
    start = whole[0] if whole else running
    history = tuple(DemandYear(year=year, placements=sums[year]["placements"],
                               occupied_days=sums[year]["occupied_days"], capacity_days=sums[year]["capacity_days"],
                               places=sums[year]["places"]) for year in range(start, running))
    forecast = demand_forecast(series=[(year.year, year.occupied_days) for year in history], horizon=HORIZON + 1)
    predicted = {year.year: year for year in forecast.years}
    future = tuple(DemandYear(
        year=year, placements=sums[year]["placements"] if year == running else 0,
        occupied_days=sums[year]["ytd_days"] if year == running else 0, capacity_days=sums[year]["capacity_days"],
        places=sums[year]["places"], forecast=predicted.get(year), running=year == running)
        for year in range(running, running + HORIZON + 1))
    return DemandGroup(key=key, label=label, history=history, future=future, forecast=forecast)


def _members(through, column: str, offer_ids: list[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for offer_id, other_id in through.objects.filter(offer_id__in=offer_ids).order_by().values_list(
            "offer_id", column):
        members[other_id].append(offer_id)
    return members


def _expectations(region: Organisation, year: int) -> dict[int, list[DemandExpectation]]:
    by_group: dict[int, list[DemandExpectation]] = defaultdict(list)
    for row in (DemandExpectation.objects.filter(municipality__region=region, year=year)
                .select_related("municipality").order_by("municipality__name")):
        by_group[row.target_group_id].append(row)
    return by_group


def demand_analysis(*, actor: Actor, region_id: int, today: date) -> DemandAnalysis:
    """The region's demand by target group and by paragraph: whole years, the forecast, the expectations."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    region = Organisation.objects.filter(pk=region_id, kind=OrganisationKind.REGION).first()
    if region is None:
        raise NotFound("Regionen findes ikke.", message_en="Region not found.")
    if not _may_read(actor, region):
        raise NotAllowed("Behovsanalysen er for regionens sekretariat og kommunerne i regionen.",
                         message_en="the demand analysis is for the region's secretariat and municipalities")
    running = today.year
    first = running - YEARS_BACK
    offer_ids = list(Offer.objects.filter(municipality__region=region).order_by("pk").values_list("pk", flat=True))
    figures = _offer_years(offer_ids, first, running, today) if offer_ids else {}

    groups = _members(Offer.target_groups.through, "targetgroup_id", offer_ids)
    grouped = set().union(*groups.values()) if groups else set()
    names = dict(TargetGroup.objects.filter(pk__in=list(groups)).values_list("pk", "name"))
    expected = _expectations(region, running + 1)
    by_group = []
    for group_id, members in sorted(groups.items(), key=lambda item: names[item[0]].lower()):
        group = _group(str(group_id), names[group_id], members, figures, first, running)
        rows = expected.get(group_id, [])
        by_group.append(replace(
            group, expectations=dict(Counter(row.expectation for row in rows)),
            notes=tuple((str(row.municipality), row.get_expectation_display(), row.note) for row in rows if row.note)))
    ungrouped = [offer_id for offer_id in offer_ids if offer_id not in grouped]
    if ungrouped:
        by_group.append(_group("", NO_GROUP, ungrouped, figures, first, running))

    paragraphs = _members(Offer.paragraphs.through, "legalparagraph_id", offer_ids)
    labels = {paragraph.pk: paragraph.label for paragraph in LegalParagraph.objects.filter(pk__in=list(paragraphs))}
    by_paragraph = [_group(str(pk), labels[pk], members, figures, first, running)
                    for pk, members in sorted(paragraphs.items(), key=lambda item: labels[item[0]])]
    return DemandAnalysis(region=region, today=today, expectation_year=running + 1,
                          by_target_group=tuple(by_group),
                          by_paragraph=tuple(by_paragraph))


# The municipalities' expected demand


def may_enter_expectations(actor: Actor) -> bool:
    return actor.organisation_kind == OrganisationKind.MUNICIPALITY and actor.has_role(
        Role.ECONOMIST, Role.ADMINISTRATOR, Role.CASEWORKER)


def expectation_target_groups(*, actor: Actor) -> list[TargetGroup]:
    """The target groups a municipality states its demand for: those of its region's offers."""
    return list(TargetGroup.objects.filter(offers__municipality__region_id=actor.region_id).distinct()
                .order_by("name"))


def demand_expectations(*, actor: Actor, year: int) -> dict[int, DemandExpectation]:
    """The actor's municipality's expectations of the year, by target group id."""
    if not may_enter_expectations(actor):
        return {}
    return {row.target_group_id: row for row in DemandExpectation.objects.filter(
        municipality_id=actor.organisation_id, year=year)}


def demand_expectation_set(*, actor: Actor, municipality_id: int, year: int, target_group_id: int, expectation: str,
                           note: str, today: date) -> DemandExpectation:
    """Enter or change a municipality's expected demand in a target group for next year (audited)."""
    if not may_enter_expectations(actor) or actor.organisation_id != municipality_id:
        raise NotAllowed("Kun kommunens egne sagsbehandlere, økonomer og administratorer kan angive kommunens "
                         "forventede behov.", message_en="only the municipality's own users may enter its demand")
    if year != today.year + 1:
        raise DomainError(f"Det forventede behov angives for næste år ({today.year + 1}).",
                          message_en="the expected demand is entered for next year")
    if expectation not in Expectation.values:
        raise DomainError("Vælg større, samme eller mindre behov.", message_en="unknown expectation")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Bemærkningen må højst være {NOTE_MAX} tegn.", message_en="note too long")
    if contains_cpr(note):
        raise DomainError("Bemærkningen må ikke indeholde et CPR-nummer.", message_en="no CPR number in the note")
    group = TargetGroup.objects.filter(pk=target_group_id).first()
    if group is None:
        raise NotFound("Målgruppen findes ikke.", message_en="Target group not found.")
    with transaction.atomic():
        row = (DemandExpectation.objects.select_for_update()
               .filter(municipality_id=municipality_id, year=year, target_group=group).first())
        before = None if row is None else {"expectation": row.expectation, "note": row.note}
        if row is None:
            row = DemandExpectation(municipality_id=municipality_id, year=year, target_group=group)
        row.expectation, row.note, row.entered_by_id = expectation, note, actor.user_id
        row.save()
        audit_record(actor=actor, event_type="demand_expectation.set", organisation_id=municipality_id, obj=row,
                     before=before, after={"year": year, "target_group": group.code, "expectation": expectation,
                                           "note": note})
    return row
