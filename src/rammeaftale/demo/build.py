"""Writes a planned demo region: agreements, operators and users by the services, the bulk rows in one go."""
import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role, User
from rammeaftale.accounts.services import user_create
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.core.money import kr_to_ore, ore_to_kr
from rammeaftale.demo import budgets as demo_budgets
from rammeaftale.demo import catalogue as cat
from rammeaftale.demo.plan import (
    Place,
    PlanContext,
    RegionPlan,
    RegionPlanner,
    pl_rates,
    synthetic_ean,
)
from rammeaftale.engine.tariff import days_in_year
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import services
from rammeaftale.registry.models import (
    Agreement,
    LegalParagraph,
    Offer,
    OfferCapacity,
    OfferCategory,
    RulebookVersion,
    Service,
    TargetGroup,
)
from rammeaftale.registry.rules import rulebook_of, rules_in_force
from rammeaftale.registry.selectors import population_of
from rammeaftale.tariffs.models import (
    ActualOccupancy,
    OccupancyApproval,
    PriceIndex,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
    TariffExplanation,
    TariffOrigin,
)
from rammeaftale.tariffs.services import (
    ProvisionalResult,
    price_index_set,
    tariff_calculation_build,
    tariffs_provisional_ensure,
)

MAX_YEARS = 10
CATEGORY_REASON = "Demodata: syntetisk vurdering."
CALCULATED_NOTE = "Demodata: beregnet af et syntetisk budget (omkostninger afledt af demoens takstniveau)."
PL_SOURCE = ("Demodata: syntetisk P/L-lignende sats (seed {seed}), ikke KL's pris- og lønskøn. "
             "Ret den på siden P/L-tabel, når KL's tal foreligger.")


@dataclass
class RegionReport:
    code: str
    name: str
    skipped: bool = False
    existing_offers: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    agreements: list[str] = field(default_factory=list)


@dataclass
class UserReport:
    username: str
    role: str
    organisation: str
    created: bool


@dataclass
class DemoReport:
    regions: list[RegionReport]
    users: list[UserReport]
    price_index_years: list[int] = field(default_factory=list)
    calculated_years: tuple[int, ...] = ()
    provisional: ProvisionalResult | None = None  # next year's provisional tariffs

    @property
    def built(self) -> list[RegionReport]:
        return [region for region in self.regions if not region.skipped]


def demo_region_code(name: str) -> str:
    """The region code for a name as typed ("syddanmark", "Sjælland", "1083"), or a Danish DomainError."""
    key = name.strip().lower().removeprefix("region ").strip()
    key = cat.REGION_ALIASES.get(key, key)
    if key not in cat.REGION_CODES:
        raise DomainError(
            f"Ukendt region «{name}». Gyldige regioner: {', '.join(cat.REGION_CODES)} "
            "(også «sjælland» og regionskoderne 1081–1085).",
            field="region", message_en=f"unknown region {name!r}",
        )
    return cat.REGION_CODES[key]


def _years_validate(year_from: int, year_to: int) -> tuple[int, ...]:
    if year_from > year_to:
        raise DomainError(f"Startåret {year_from} ligger efter slutåret {year_to}.", field="year_from")
    if year_from < YEAR_MIN or year_to > YEAR_MAX:
        raise DomainError(f"Demoårene skal ligge mellem {YEAR_MIN} og {YEAR_MAX}.", field="year_from")
    if year_to - year_from + 1 > MAX_YEARS:
        raise DomainError(f"Højst {MAX_YEARS} demoår ad gangen.", field="year_to")
    return tuple(range(year_from, year_to + 1))


def _uncovered_runs(region: Organisation, years: tuple[int, ...]) -> list[tuple[int, int]]:
    """The demo years no agreement of the region covers, as contiguous (first, last) runs."""
    agreements = list(Agreement.objects.filter(region=region))
    runs: list[tuple[int, int]] = []
    for year in years:
        if any(agreement.covers(year) for agreement in agreements):
            continue
        if runs and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def _agreements_ensure(*, actor: Actor, region: Organisation, years: tuple[int, ...]) -> list[Agreement]:
    """A demo agreement per run of uncovered demo years, on the region's own rulebook or a borrowed one."""
    key = cat.DEMO_RULEBOOKS[region.code]
    rulebook = RulebookVersion.objects.filter(key=key).order_by("-version").first()
    if rulebook is None:
        raise DomainError(f"Regelbogen {key} er ikke indlæst; kør `rammeaftale rulebooks load`.",
                          field="rulebook")
    lender = Organisation.objects.get(
        kind=OrganisationKind.REGION, code=str(rulebook_of(rulebook).rulebook.region_code))
    origin = (
        "regionens egen regelbog" if lender.pk == region.pk
        else f"{lender}s regelbog, da {region} endnu ikke har sin egen"
    )
    created = []
    for year_from, year_to in _uncovered_runs(region, years):
        period = f"{year_from}–{year_to}" if year_from != year_to else str(year_from)
        note = (
            f"Demoaftale: ingen indlæst rammeaftale dækker {period}, så reglerne er lånt fra {origin}: "
            f"«{rulebook.name}» ({rulebook.key}, version {rulebook.version}). "
            "Kun til afprøvning; ikke en gældende aftale."
        )
        created.append(services.agreement_create(
            actor=actor, region=region, name=f"Demo-rammeaftale {period}, {region.name}", year_from=year_from,
            year_to=year_to, rulebook=rulebook, is_demo=True, note=note,
        ))
    return created


def _eans_assign(region: Organisation, municipalities: list[Organisation]) -> int:
    """Synthetic GLNs for the region and its municipalities where they have none (see demo/DEMO.md)."""
    taken = set(Organisation.objects.exclude(ean="").values_list("ean", flat=True))
    missing = [org for org in [region, *municipalities] if not org.ean]
    for organisation in missing:
        number = int(organisation.code)
        candidate = synthetic_ean(organisation.kind, number)
        while candidate in taken:
            number += 10_000
            candidate = synthetic_ean(organisation.kind, number)
        services.organisation_validate_ids(ean=candidate)
        organisation.ean = candidate
        taken.add(candidate)
    Organisation.objects.bulk_update(missing, ["ean"])
    return len(missing)


def _inhabitants(organisation: Organisation, year: int) -> int:
    """The population in the year, or the newest on record when none is that old (reference data: 2024)."""
    return (population_of(organisation_id=organisation.pk, year=year)
            or population_of(organisation_id=organisation.pk, year=YEAR_MAX) or 0)


def _context(*, region: Organisation, municipalities: list[Organisation], years: tuple[int, ...],
             seed: int) -> PlanContext:
    conversion = {}
    for year in years:
        conversion[year] = rules_in_force(region=region, on=date(year, 1, 1)).rulebook.monthly_conversion_fraction(
            year)
    return PlanContext(
        region_id=region.pk, region_code=region.code,
        municipalities=tuple(Place(id=m.pk, code=m.code, name=m.name, inhabitants=_inhabitants(m, years[0]))
                             for m in municipalities),
        years=years, pl_pct=pl_rates(seed=seed, years=years), monthly_conversion=conversion,
        target_group_names=dict(TargetGroup.objects.values_list("code", "name")),
        taken_cvr=frozenset(Organisation.objects.exclude(cvr="").values_list("cvr", flat=True)),
        taken_ean=frozenset(Organisation.objects.exclude(ean="").values_list("ean", flat=True)),
        taken_tilbudsportalen_ids=frozenset(
            Offer.objects.exclude(tilbudsportalen_id=None).values_list("tilbudsportalen_id", flat=True)),
    )


@dataclass(frozen=True)
class CalculationContext:
    """What the calculated demo tariffs need: the years, each year's rulebook and P/L, and the seeded stream."""

    years: tuple[int, ...]
    versions: dict[int, RulebookVersion]
    rulebooks: dict[int, object]
    pl_pct: dict[int, Decimal | None]
    rng: random.Random
    forced_operator_ids: frozenset[int]  # the demo logins' municipalities: one unexplained rise above P/L each


@dataclass
class BudgetRows:
    """Calculated years in memory, before the bulk writes: rows in the order they are written."""

    budgets: list[TariffBudget] = field(default_factory=list)
    lines: list[list[ServiceBudget]] = field(default_factory=list)  # per budget
    approvals: list[list[OccupancyApproval]] = field(default_factory=list)  # per budget, paired with lines
    results: list[dict] = field(default_factory=list)  # per budget
    actuals: list[ActualOccupancy] = field(default_factory=list)
    tariffs: dict[tuple[int, int], tuple[int, int | None, int]] = field(default_factory=dict)  # (service, year)
    explanations: dict[tuple[int, int], str] = field(default_factory=dict)  # (service, year) -> text


def _places_on(capacities: list[tuple[date, int, str]], day: date) -> int:
    current = [places for valid_from, places, _ in sorted(capacities) if valid_from <= day]
    return current[-1] if current else 0


def _budgets_plan(planned: list, services_of: dict[int, list[tuple[Service, object]]],
                  ctx: CalculationContext) -> BudgetRows:
    """Budgets, approvals and actual occupancy for the calculated years, calculated as the service calculates.

    The rows are what `tariff_budget_save` and `tariff_budget_calculate` would store for the same input (the
    result comes from the same `tariff_calculation_build`); only the writes are in bulk.
    """
    rows = BudgetRows()
    planner = demo_budgets.BudgetPlanner(rng=ctx.rng, calculated_years=ctx.years)
    first = ctx.rulebooks[ctx.years[0]].budgeted_occupancy
    forced = set(ctx.forced_operator_ids)
    for offer, p in planned:
        pairs = services_of[offer.pk]
        plan = planner.offer(public=p.operator[0] != "private", short_stay=p.is_short_stay,
                             min_pct=first.min_pct.value, short_stay_min_pct=first.short_stay_min_pct.value)
        basis_by_day = any(s.kind == "basis" and s.unit != "hour" for s, _ in pairs)
        if offer.operator_id in forced and basis_by_day:
            forced.discard(offer.operator_id)
            last = ctx.years[-1]
            plan.years[last] = replace(plan.years[last], over_pl=True, explained=False)
        by_days = [s for s, _ in pairs if s.unit != "hour"]
        if by_days:
            rows.actuals += [ActualOccupancy(offer_id=offer.pk, year=year, occupancy_pct=pct, source="entered")
                             for year, pct in plan.actual_occupancy.items()]
        for year in ctx.years:
            rulebook, draw = ctx.rulebooks[year], plan.years[year]
            places = _places_on(p.capacities, date(year, 1, 1))
            occupancy = demo_budgets.budgeted_occupancy(plan, year)
            low, high = rulebook.budgeted_occupancy_bounds(short_stay=p.is_short_stay)
            conversion = rulebook.monthly_conversion_fraction(year)
            lines, approvals, flagged = [], {}, set()
            for service, service_plan in pairs:
                amounts = {t.year: t.amount_ore for t in service_plan.tariffs}
                previous = rows.tariffs.get((service.pk, year - 1), (amounts.get(year - 1),))[0]
                if previous is not None and draw.over_pl and ctx.pl_pct.get(year) is not None:
                    flagged.add(service.pk)
                target = demo_budgets.target_tariff_kr(
                    previous_kr=None if previous is None else ore_to_kr(previous),
                    planned_kr=ore_to_kr(amounts[year]), pl_pct=ctx.pl_pct.get(year), draw=draw)
                hourly = service.unit == "hour"
                if service.unit == "month":  # the engine works per day; a month's tariff is the day's × conversion
                    target = target * conversion.denominator / conversion.numerator
                units = (Decimal(places * plan.profile.hours_per_place) if hourly
                         else Decimal(places * days_in_year(year)) * occupancy / 100)
                a = demo_budgets.line_amounts(profile=plan.profile, target_kr=target, units=units, hourly=hourly)
                line = ServiceBudget(
                    service=service, salaries_ore=kr_to_ore(a.salaries_kr), property_ore=kr_to_ore(a.property_kr),
                    other_direct_ore=kr_to_ore(a.other_direct_kr),
                    overhead_ore=None if a.overhead_kr is None else kr_to_ore(a.overhead_kr),
                    overhead_pct=a.overhead_pct, depreciation_ore=kr_to_ore(a.depreciation_kr),
                    capital_book_value_ore=kr_to_ore(a.capital_book_value_kr), interest_rate_pct=a.interest_rate_pct,
                    pension_ore=kr_to_ore(a.pension_kr), other_income_ore=kr_to_ore(a.other_income_kr), true_up_ore=0,
                    places=places, budgeted_occupancy_pct=None if hourly else occupancy,
                    occupancy_from_actuals=not hourly, budgeted_hours=a.budgeted_hours,
                )
                lines.append(line)
                if not hourly and not low <= occupancy <= high:
                    approvals[service.pk] = OccupancyApproval(
                        line=line, value_pct=occupancy, reason=draw.approval_reason, approved_by=draw.approver,
                        approved_on=demo_budgets.approval_date(year, draw))
            result, tariffs = tariff_calculation_build(rulebook=rulebook, year=year, short_stay=p.is_short_stay,
                                                       lines=lines, approvals=approvals)
            rows.budgets.append(TariffBudget(offer_id=offer.pk, year=year, rulebook=ctx.versions[year]))
            rows.lines.append(lines)
            rows.approvals.append([approvals[line.service_id] for line in lines if line.service_id in approvals])
            rows.results.append(result)
            for tariff in tariffs:
                rows.tariffs[(tariff.service_id, year)] = (tariff.amount_ore, tariff.monthly_ore,
                                                           len(rows.results) - 1)
                if tariff.service_id in flagged and draw.explained:
                    rows.explanations[(tariff.service_id, year)] = draw.explanation
    return rows


def _budgets_write(rows: BudgetRows) -> list[TariffCalculation]:
    """The planned budgets in bulk: budgets, their lines, approvals, calculations and actual occupancy."""
    budgets = TariffBudget.objects.bulk_create(rows.budgets)
    for budget, lines in zip(budgets, rows.lines, strict=True):
        for line in lines:
            line.budget_id = budget.pk
    ServiceBudget.objects.bulk_create([line for lines in rows.lines for line in lines])
    # Each approval holds its line, saved just above; bulk_create takes the line's new id from it.
    OccupancyApproval.objects.bulk_create([approval for approvals in rows.approvals for approval in approvals])
    ActualOccupancy.objects.bulk_create(rows.actuals)
    return TariffCalculation.objects.bulk_create([
        TariffCalculation(budget_id=budget.pk, result=result) for budget, result in zip(budgets, rows.results,
                                                                                         strict=True)
    ])


def _plan_write(plan: RegionPlan, operator_ids: dict[tuple[str, int], int],
                calculation: CalculationContext | None) -> dict[str, int]:
    """The planned offers and everything under them, by bulk_create; returns the row counts."""
    offers = Offer.objects.bulk_create([
        Offer(
            operator_id=operator_ids.get(p.operator, p.operator[1]), municipality_id=p.municipality_id,
            name=p.name, address=p.address, postcode=p.postcode, city=p.city,
            tilbudsportalen_id=p.tilbudsportalen_id, offer_type=p.offer_type, is_short_stay=p.is_short_stay,
            description=p.description, internal_note=p.internal_note,
            age_from=cat.AGES.get(p.archetype, (None, None))[0], age_to=cat.AGES.get(p.archetype, (None, None))[1],
        )
        for p in plan.offers
    ])
    planned = list(zip(offers, plan.offers, strict=True))
    paragraph_ids = dict(LegalParagraph.objects.values_list("code", "pk"))
    group_ids = dict(TargetGroup.objects.values_list("code", "pk"))
    paragraph_links = Offer.paragraphs.through.objects.bulk_create([
        Offer.paragraphs.through(offer_id=offer.pk, legalparagraph_id=paragraph_ids[code])
        for offer, p in planned for code in p.paragraphs
    ])
    group_links = Offer.target_groups.through.objects.bulk_create([
        Offer.target_groups.through(offer_id=offer.pk, targetgroup_id=group_ids[code])
        for offer, p in planned for code in p.target_groups
    ])
    capacities = OfferCapacity.objects.bulk_create([
        OfferCapacity(offer_id=offer.pk, valid_from=valid_from, places=places, note=note)
        for offer, p in planned for valid_from, places, note in p.capacities
    ])
    # The assessment for a year is dated 1 October the year before (fixed, never the clock); that locks it.
    categories = OfferCategory.objects.bulk_create([
        OfferCategory(offer_id=offer.pk, year=year, category=category, reason=CATEGORY_REASON,
                      decided_at=datetime(year - 1, 10, 1, tzinfo=timezone.utc))
        for offer, p in planned for year, category in p.categories
    ])
    planned_services = [s for _, p in planned for s in p.services]
    created_services = Service.objects.bulk_create([
        Service(offer_id=offer.pk, name=s.name, kind=s.kind, unit=s.unit)
        for offer, p in planned for s in p.services
    ])
    services_of: dict[int, list] = {}
    for service, service_plan in zip(created_services, planned_services, strict=True):
        services_of.setdefault(service.offer_id, []).append((service, service_plan))
    rows, calculations = BudgetRows(), []
    if calculation is not None and calculation.years:
        rows = _budgets_plan(planned, services_of, calculation)
        calculations = _budgets_write(rows)
    tariffs = []
    for service, s in zip(created_services, planned_services, strict=True):
        for t in s.tariffs:
            calculated = rows.tariffs.get((service.pk, t.year))
            if calculated is None:
                tariffs.append(Tariff(service_id=service.pk, year=t.year, amount_ore=t.amount_ore,
                                      monthly_ore=t.monthly_ore, origin=TariffOrigin.DEMO, note=t.note))
            else:
                amount_ore, monthly_ore, index = calculated
                tariffs.append(Tariff(service_id=service.pk, year=t.year, amount_ore=amount_ore,
                                      monthly_ore=monthly_ore, origin=TariffOrigin.CALCULATED,
                                      calculation_id=calculations[index].pk, note=CALCULATED_NOTE))
    tariffs = Tariff.objects.bulk_create(tariffs)
    explanations = TariffExplanation.objects.bulk_create([
        TariffExplanation(tariff_id=tariff.pk, text=rows.explanations[(tariff.service_id, tariff.year)])
        for tariff in tariffs if (tariff.service_id, tariff.year) in rows.explanations
    ])
    return {
        "offers": len(offers), "capacities": len(capacities), "categories": len(categories),
        "services": len(created_services), "tariffs": len(tariffs), "paragraph_links": len(paragraph_links),
        "target_group_links": len(group_links), "tariff_budgets": len(rows.budgets),
        "calculated_tariffs": len(rows.tariffs), "actual_occupancies": len(rows.actuals),
        "occupancy_approvals": sum(len(a) for a in rows.approvals), "tariff_explanations": len(explanations),
    }


def _user_places(region: Organisation, municipalities: list[Organisation], year: int) -> dict[str, Organisation]:
    """Where the demo users sit: the buying and the operating municipality, and the region's secretariat."""
    by_code = {m.code: m for m in municipalities}
    if region.code in cat.DEMO_USER_MUNICIPALITIES:
        buyer_code, operator_code = cat.DEMO_USER_MUNICIPALITIES[region.code]
        buyer, operator = by_code[buyer_code], by_code[operator_code]
    else:
        buyer, operator = sorted(municipalities, key=lambda m: (-_inhabitants(m, year), m.code))[:2]
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=region)
    return {"buyer": buyer, "operator": operator, "secretariat": secretariat}


def _calculation_context(*, region: Organisation, municipalities: list[Organisation], years: tuple[int, ...],
                         calculated_years: tuple[int, ...], pl_pct: dict[int, Decimal | None],
                         seed: int) -> CalculationContext:
    rules = {year: rules_in_force(region=region, on=date(year, 1, 1)) for year in calculated_years}
    places = _user_places(region, municipalities, years[0])
    return CalculationContext(
        years=calculated_years, versions={year: r.agreement.rulebook for year, r in rules.items()},
        rulebooks={year: r.rulebook for year, r in rules.items()}, pl_pct=pl_pct,
        rng=random.Random(f"rammeaftale-demo:{seed}:{region.code}:budgets"),
        forced_operator_ids=frozenset({places["buyer"].pk, places["operator"].pk}),
    )


def _region_build(*, actor: Actor, region: Organisation, seed: int, scale: cat.DemoScale,
                  years: tuple[int, ...], calculated_years: tuple[int, ...] = (),
                  pl_pct: dict[int, Decimal | None] | None = None) -> RegionReport:
    report = RegionReport(code=region.code, name=str(region))
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region).order_by("code"))
    report.agreements = [a.name for a in _agreements_ensure(actor=actor, region=region, years=years)]
    eans = _eans_assign(region, municipalities)
    context = _context(region=region, municipalities=municipalities, years=years, seed=seed)
    rng = random.Random(f"rammeaftale-demo:{seed}:{region.code}")
    plan = RegionPlanner(rng=rng, context=context, scale=scale).plan()
    private = [
        services.private_operator_create(
            actor=actor, name=p.name, cvr=p.cvr, ean=p.ean, region=region, address=p.address,
            postcode=p.postcode, city=p.city,
        )
        for p in plan.private_operators
    ]
    calculation = None
    if calculated_years:
        calculation = _calculation_context(region=region, municipalities=municipalities, years=years,
                                           calculated_years=calculated_years, pl_pct=pl_pct or {}, seed=seed)
    counts = _plan_write(plan, {("private", index): org.pk for index, org in enumerate(private)}, calculation)
    report.counts = {**counts, "private_operators": len(private), "eans_assigned": eans}
    audit_record(
        actor=actor, event_type="demo.built", organisation_id=region.pk, obj=region,
        after={"region": region.code, "seed": seed, "scale": scale.key, "years": [years[0], years[-1]],
               "calculated_years": list(calculated_years), "counts": report.counts,
               "agreements_created": report.agreements},
    )
    return report


def _users_ensure(*, actor: Actor, region: Organisation, year: int, create: bool) -> list[UserReport]:
    """One demo user per role in the region; a user that already exists is left as it is.

    With create=False only the existing demo users are reported (a demo that is already there).
    """
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region))
    places = _user_places(region, municipalities, year)
    reports = []
    for demo_user in cat.DEMO_USERS:
        existing = User.objects.filter(username=demo_user.username).select_related("organisation").first()
        if existing is not None:
            roles = ", ".join(Role(code).label for code in sorted(existing.role_codes))
            reports.append(UserReport(demo_user.username, roles, str(existing.organisation or "–"),
                                      created=False))
            continue
        if not create:
            continue
        organisation = places[demo_user.place]
        # The demo's `admin` is its organisation's administrator, not a platform superuser: it must not read
        # every citizen's CPR number (a superuser is made only by `rammeaftale createsuperuser`).
        user_create(
            actor=actor, username=demo_user.username, password=cat.DEMO_PASSWORD, organisation=organisation,
            roles=[demo_user.role], first_name=demo_user.first_name, last_name=demo_user.last_name,
        )
        reports.append(UserReport(demo_user.username, Role(demo_user.role).label, str(organisation),
                                  created=True))
    return reports


def _price_index_ensure(*, actor: Actor, seed: int, years: tuple[int, ...]) -> tuple[list[int], dict]:
    """The demo's P/L-like rates in the P/L table, flagged as examples, for the years that have none.

    Returns the years added and the P/L of every demo year as the table holds it afterwards (a rate the users
    entered is kept and used).
    """
    added = []
    for year, rate in pl_rates(seed=seed, years=years).items():
        if not PriceIndex.objects.filter(year=year).exists():
            price_index_set(actor=actor, year=year, rate_pct=rate, source=PL_SOURCE.format(seed=seed),
                            is_example=True)
            added.append(year)
    table = dict(PriceIndex.objects.filter(year__in=years).values_list("year", "rate_pct"))
    return added, {year: table.get(year) for year in years}


@transaction.atomic
def demo_build(*, actor: Actor, region_codes: list[str], seed: int, scale: str = "region",
               year_from: int = 2023, year_to: int = 2026, if_empty: bool = False,
               tariff_year: int | None = None) -> DemoReport:
    """The demo for the regions, all or nothing; a region with offers is skipped (if_empty) or refused.

    The tariffs of `tariff_year` (default: the last demo year) and the year before, where they are demo years,
    are calculated from demo budgets through the tariff engine, with their breakdowns; the other years keep the
    planned demo tariffs. The year after the last has the P/L of a demo rate and provisional tariffs (the last
    year's × P/L), as a region has them between the new year and the approval of its tariffs.
    """
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    if scale not in cat.SCALES:
        raise DomainError(f"Ukendt skala «{scale}»; brug region eller national.", field="scale")
    years = _years_validate(year_from, year_to)
    services.reference_data_load(actor=actor)
    services.agreements_from_rulebooks(actor=actor)
    regions = [Organisation.objects.get(kind=OrganisationKind.REGION, code=code) for code in region_codes]
    reports = [
        RegionReport(code=region.code, name=str(region),
                     existing_offers=Offer.objects.filter(municipality__region=region).count())
        for region in regions
    ]
    occupied = [report for report in reports if report.existing_offers]
    if occupied and not if_empty:
        names = ", ".join(f"{report.name} ({report.existing_offers} tilbud)" for report in occupied)
        raise DomainError(
            f"Der findes allerede tilbud i {names}; demodata bygges kun i en tom region. "
            "Brug --if-empty for at springe den over.", field="region",
        )
    tariff_year = tariff_year or year_to
    calculated_years = tuple(year for year in (tariff_year - 1, tariff_year) if year in years)
    price_index_years, pl_pct = [], {}
    if len(occupied) < len(regions):
        price_index_years, pl_pct = _price_index_ensure(actor=actor, seed=seed, years=(*years, year_to + 1))
    for index, region in enumerate(regions):
        if reports[index].existing_offers:
            reports[index].skipped = True
            continue
        reports[index] = _region_build(actor=actor, region=region, seed=seed, scale=cat.SCALES[scale],
                                       years=years, calculated_years=calculated_years, pl_pct=pl_pct)
    provisional = None
    if len(occupied) < len(regions):  # next year's tariffs until approved: this year's × P/L (the year boundary)
        provisional = tariffs_provisional_ensure(actor=actor, year=year_to + 1)
    users_region = regions[0] if len(regions) == 1 else Organisation.objects.get(
        kind=OrganisationKind.REGION, code=cat.NATIONAL_USERS_REGION)
    users = _users_ensure(actor=actor, region=users_region, year=years[0],
                          create=any(not report.skipped for report in reports))
    return DemoReport(regions=reports, users=users, price_index_years=price_index_years,
                      calculated_years=calculated_years if len(occupied) < len(regions) else (),
                      provisional=provisional)


def demo_digest(*, actor: Actor, region: Organisation) -> str:
    """A SHA-256 over the region's offers and private operators by natural keys (no ids, no timestamps).

    Two builds with the same seed from the same starting data give the same digest; the tests use it.
    """
    if not actor.is_superuser:
        raise NotAllowed()
    offers = (
        Offer.objects.filter(municipality__region=region)
        .select_related("operator", "municipality")
        .prefetch_related("paragraphs", "target_groups", "capacities", "categories", "services__tariffs")
        .order_by("tilbudsportalen_id", "name")
    )
    rows = [
        {
            "operator": [o.operator.kind, o.operator.code, o.operator.cvr, o.operator.name],
            "municipality": o.municipality.code,
            "fields": [o.name, o.address, o.postcode, o.city, o.tilbudsportalen_id, o.offer_type,
                       o.is_short_stay, o.description, o.internal_note],
            "paragraphs": sorted(p.code for p in o.paragraphs.all()),
            "target_groups": sorted(t.code for t in o.target_groups.all()),
            "capacities": sorted([c.valid_from.isoformat(), c.places, c.note] for c in o.capacities.all()),
            "categories": sorted([c.year, c.category, c.reason] for c in o.categories.all()),
            "services": sorted(
                [s.name, s.kind, s.unit, sorted([t.year, t.amount_ore, t.monthly_ore, t.origin, t.note]
                                                for t in s.tariffs.all())]
                for s in o.services.all()
            ),
        }
        for o in offers
    ]
    operators = sorted(
        [o.name, o.cvr, o.ean, o.address, o.postcode, o.city]
        for o in Organisation.objects.filter(region=region, kind=OrganisationKind.PRIVATE_OPERATOR)
    )
    payload = json.dumps({"offers": rows, "private_operators": operators}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
