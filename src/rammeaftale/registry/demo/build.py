"""Writes a planned demo region: agreements, operators and users by the services, the bulk rows in one go."""
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role, User
from rammeaftale.accounts.services import user_create
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.registry import services
from rammeaftale.registry.demo import catalogue as cat
from rammeaftale.registry.demo.plan import (
    Place,
    PlanContext,
    RegionPlan,
    RegionPlanner,
    pl_rates,
    synthetic_ean,
)
from rammeaftale.registry.models import (
    Agreement,
    LegalParagraph,
    Offer,
    OfferCapacity,
    OfferCategory,
    Organisation,
    OrganisationKind,
    RulebookVersion,
    Service,
    TargetGroup,
)
from rammeaftale.registry.selectors import agreement_for, population_of
from rammeaftale.tariffs.models import Tariff, TariffOrigin

YEAR_MIN, YEAR_MAX, MAX_YEARS = 2000, 2100, 10
CATEGORY_REASON = "Demodata: syntetisk vurdering."


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
        kind=OrganisationKind.REGION, code=str(services.rulebook_of(rulebook).rulebook.region_code))
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
    """Synthetic GLNs for the region and its municipalities where they have none (see data/DEMO.md)."""
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
        agreement = agreement_for(region_id=region.pk, year=year)
        conversion[year] = services.rulebook_of(agreement.rulebook).monthly_conversion_fraction()
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


def _plan_write(plan: RegionPlan, operator_ids: dict[tuple[str, int], int]) -> dict[str, int]:
    """The planned offers and everything under them, by bulk_create; returns the row counts."""
    offers = Offer.objects.bulk_create([
        Offer(
            operator_id=operator_ids.get(p.operator, p.operator[1]), municipality_id=p.municipality_id,
            name=p.name, address=p.address, postcode=p.postcode, city=p.city,
            tilbudsportalen_id=p.tilbudsportalen_id, offer_type=p.offer_type, is_short_stay=p.is_short_stay,
            description=p.description, internal_note=p.internal_note,
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
    tariffs = Tariff.objects.bulk_create([
        Tariff(service_id=service.pk, year=t.year, amount_ore=t.amount_ore, monthly_ore=t.monthly_ore,
               origin=TariffOrigin.DEMO, note=t.note)
        for service, s in zip(created_services, planned_services, strict=True) for t in s.tariffs
    ])
    return {
        "offers": len(offers), "capacities": len(capacities), "categories": len(categories),
        "services": len(created_services), "tariffs": len(tariffs), "paragraph_links": len(paragraph_links),
        "target_group_links": len(group_links),
    }


def _region_build(*, actor: Actor, region: Organisation, seed: int, scale: cat.DemoScale,
                  years: tuple[int, ...]) -> RegionReport:
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
    counts = _plan_write(plan, {("private", index): org.pk for index, org in enumerate(private)})
    report.counts = {**counts, "private_operators": len(private), "eans_assigned": eans}
    audit_record(
        actor=actor, event_type="demo.built", organisation_id=region.pk, obj=region,
        after={"region": region.code, "seed": seed, "scale": scale.key, "years": [years[0], years[-1]],
               "counts": report.counts, "agreements_created": report.agreements},
    )
    return report


def _users_ensure(*, actor: Actor, region: Organisation, year: int, create: bool) -> list[UserReport]:
    """One demo user per role in the region; a user that already exists is left as it is.

    With create=False only the existing demo users are reported (a demo that is already there).
    """
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region))
    by_code = {m.code: m for m in municipalities}
    if region.code in cat.DEMO_USER_MUNICIPALITIES:
        buyer_code, operator_code = cat.DEMO_USER_MUNICIPALITIES[region.code]
        buyer, operator = by_code[buyer_code], by_code[operator_code]
    else:
        buyer, operator = sorted(municipalities, key=lambda m: (-_inhabitants(m, year), m.code))[:2]
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=region)
    places = {"buyer": buyer, "operator": operator, "secretariat": secretariat}
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
        is_admin = demo_user.role == Role.ADMINISTRATOR
        user_create(
            actor=actor, username=demo_user.username, password=cat.DEMO_PASSWORD, organisation=organisation,
            roles=[demo_user.role], first_name=demo_user.first_name, last_name=demo_user.last_name,
            is_staff=is_admin, is_superuser=is_admin,
        )
        reports.append(UserReport(demo_user.username, Role(demo_user.role).label, str(organisation),
                                  created=True))
    return reports


@transaction.atomic
def demo_build(*, actor: Actor, region_codes: list[str], seed: int, scale: str = "region",
               year_from: int = 2023, year_to: int = 2026, if_empty: bool = False) -> DemoReport:
    """The demo for the regions, all or nothing; a region with offers is skipped (if_empty) or refused."""
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
    for index, region in enumerate(regions):
        if reports[index].existing_offers:
            reports[index].skipped = True
            continue
        reports[index] = _region_build(actor=actor, region=region, seed=seed, scale=cat.SCALES[scale],
                                       years=years)
    users_region = regions[0] if len(regions) == 1 else Organisation.objects.get(
        kind=OrganisationKind.REGION, code=cat.NATIONAL_USERS_REGION)
    users = _users_ensure(actor=actor, region=users_region, year=years[0],
                          create=any(not report.skipped for report in reports))
    return DemoReport(regions=reports, users=users)


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
