"""Demo placements: every demo place filled by a deterministic sequence of stays from the first demo year to today.

Each place of an offer holds one stay after another (lengths by offer type, a short vacancy between stays); the
stay that covers today is active (now and then under notice), earlier ones have ended. Most citizens come from
the offer's own municipality (for a municipal operator those are internal placements, counted but not invoiced),
the rest from the region's other municipalities. CPR numbers are synthetic (valid dates, fictitious sequence
numbers 9000–9999) and encrypted like real ones. Written in bulk inside the caller's transaction, with one audit
event per region (`demo.placements_built`), like the rest of the demo.
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.core.errors import NotAllowed
from rammeaftale.engine.notice import notice_end
from rammeaftale.placements.cpr import cpr_encrypt, cpr_index, cpr_mask
from rammeaftale.placements.models import Placement, PlacementService, PlacementStatus
from rammeaftale.registry.models import Offer, Organisation, OrganisationKind, ServiceKind

# Typical stay lengths in days (low, high) per offer type; an assumption for the demo only.
STAY_DAYS = {"residential": (300, 2400), "day": (200, 1500), "outpatient": (60, 500), "education": (300, 1100)}
NOTICE_MONTHS = {"residential": 3, "day": 1, "outpatient": 1, "education": 1}
FIRST_NAMES = ("Anna", "Mads", "Sofie", "Emil", "Ida", "Lucas", "Freja", "Oliver", "Laura", "William", "Clara",
               "Noah", "Ella", "Victor", "Maja", "Oscar", "Alma", "Karl", "Agnes", "Aksel")
LAST_NAMES = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
              "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen")


@dataclass
class PlacementsReport:
    placements: int = 0
    active: int = 0
    internal: int = 0
    by_region: dict[str, int] = field(default_factory=dict)


def _cpr(rng: random.Random, today: date) -> tuple[str, date]:
    age_days = rng.randint(6 * 365, 80 * 365)
    born = today - timedelta(days=age_days)
    century_digit = {19: rng.choice("0123"), 20: rng.choice("4")}[born.year // 100]
    # Sequence 9000–9999 with a 1900s/2000s digit per the CPR rules; no real person has these by design here.
    serial = f"{century_digit}{rng.randint(900, 999)}"
    return f"{born:%d%m%y}{serial}", born


def _ean_fill(organisations: list[Organisation], rng: random.Random) -> None:
    from stdnum import ean

    missing = [o for o in organisations if not o.ean]
    for organisation in missing:
        body = f"5790099{organisation.pk:05d}"[:12]
        organisation.ean = body + ean.calc_check_digit(body)
    Organisation.objects.bulk_update(missing, ["ean"])


@transaction.atomic
def demo_placements_build(*, actor: Actor, regions: list[Organisation], seed: int, first_day: date,
                          today: date | None = None) -> PlacementsReport:
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    today = today or date.today()
    report = PlacementsReport()
    for region in regions:
        rng = random.Random(f"rammeaftale-demo-placements:{seed}:{region.code}")
        municipalities = list(Organisation.objects.filter(region=region, kind=OrganisationKind.MUNICIPALITY)
                              .order_by("code"))
        offers = list(
            Offer.objects.filter(municipality__region=region).select_related("operator", "municipality")
            .prefetch_related("capacities", "services").order_by("pk")
        )
        _ean_fill(list({o.operator for o in offers}) + municipalities, rng)
        rows: list[Placement] = []
        services_of: dict[int, list] = {}
        for offer in offers:
            capacities = sorted(offer.capacities.all(), key=lambda c: c.valid_from)
            basis = [s for s in offer.services.all() if s.kind == ServiceKind.BASIS and s.unit != "hour"]
            if not capacities or not basis:
                continue
            places = capacities[-1].places
            low, high = STAY_DAYS.get(offer.offer_type, (200, 1000))
            for _ in range(places):
                day = first_day - timedelta(days=rng.randint(0, high))  # the first stay may have begun earlier
                while day <= today:
                    length = rng.randint(low, high)
                    end = day + timedelta(days=length)
                    start = max(day, first_day)
                    own = rng.random() < 0.55
                    payer = offer.municipality if own else rng.choice(municipalities)
                    cpr, born = _cpr(rng, today)
                    placement = Placement(
                        reference=f"D{region.code}-{len(rows) + 1:06d}", offer=offer, acting_municipality=payer, paying_municipality=payer,
                        citizen_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        cpr_encrypted=cpr_encrypt(cpr), cpr_index=cpr_index(cpr), cpr_masked=cpr_mask(cpr),
                        birth_date=born, start_date=start, covered_by_agreement=True,
                        is_internal=payer.pk == offer.operator_id, contact_name="Demo-sagsbehandler",
                    )
                    if end <= today:
                        placement.status, placement.end_date = PlacementStatus.ENDED, end
                    elif rng.random() < 0.04:
                        given = today - timedelta(days=rng.randint(0, 40))
                        placement.status = PlacementStatus.NOTICE_GIVEN
                        placement.notice_given_on = max(given, start)
                        placement.notice_end = notice_end(given_on=placement.notice_given_on,
                                                          months=NOTICE_MONTHS.get(offer.offer_type, 1),
                                                          running_month=True)
                    elif rng.random() < 0.08:
                        break  # a vacant place today
                    else:
                        placement.status = PlacementStatus.ACTIVE
                    if end > start:
                        rows.append(placement)
                        services_of[id(placement)] = basis[:1]
                    if end > today:
                        break
                    day = end + timedelta(days=rng.randint(0, 45))
        created = Placement.objects.bulk_create(rows, batch_size=2000)
        PlacementService.objects.bulk_create(
            (PlacementService(placement=placement, service=service, valid_from=placement.start_date)
             for placement, original in zip(created, rows, strict=True)
             for service in services_of[id(original)]),
            batch_size=2000,
        )
        counts = defaultdict(int)
        for placement in created:
            counts[placement.status] += 1
        report.placements += len(created)
        report.active += counts[PlacementStatus.ACTIVE] + counts[PlacementStatus.NOTICE_GIVEN]
        report.internal += sum(1 for p in created if p.is_internal)
        report.by_region[region.code] = len(created)
        audit_record(actor=actor, event_type="demo.placements_built", organisation_id=region.pk, obj=region,
                     after={"seed": seed, "placements": len(created), "by_status": dict(counts)})
    return report
