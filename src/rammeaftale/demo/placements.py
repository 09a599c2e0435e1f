"""Demo placements: every demo place filled by a deterministic sequence of stays from the first demo year to today.

Each place of an offer holds one stay after another (lengths by offer type, a short vacancy between stays); the
stay that covers today is active (now and then under notice), earlier ones have ended. About a third of the citizens come from
the offer's own municipality (for a municipal operator those are internal placements, counted but not invoiced),
the rest from the region's other municipalities. CPR numbers are synthetic (valid dates, fictitious sequence
numbers 9000–9999) and encrypted like real ones. Municipalities and regions get the synthetic EAN, CVR, town-hall
address and bank account an e-invoice needs (the reference data hold none of them); references are D<region>-<n>. Written in bulk inside the caller's transaction, with one audit
event per region (`demo.placements_built`), like the rest of the demo.
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import User
from rammeaftale.billing.models import PaymentAccount
from rammeaftale.billing.services import account_mapping_defaults_load
from rammeaftale.bulk import rows_insert
from rammeaftale.core.errors import NotAllowed
from rammeaftale.demo.catalogue import DEMO_OPERATOR
from rammeaftale.engine.notice import notice_end
from rammeaftale.engine.occupancy import Span
from rammeaftale.exchange.models import VacancyConfirmation
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.cpr import cpr_encrypt, cpr_index, cpr_mask
from rammeaftale.placements.models import Placement, PlacementService, PlacementStatus
from rammeaftale.placements.selectors import free_places_of
from rammeaftale.registry.models import Offer, ServiceKind
from rammeaftale.registry.rules import rules_in_force

# Typical stay lengths in days (low, high) per offer type; an assumption for the demo only.
STAY_DAYS = {"residential": (300, 2400), "day": (200, 1500), "outpatient": (60, 500), "education": (300, 1100)}
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


def _synthetic_cvr(number: int, taken: set[str]) -> str:
    """Eight digits with a valid modulus-11 check (python-stdnum), unused in the register; demo only."""
    from stdnum.dk import cvr

    while True:
        for last in range(10):
            candidate = f"{90000000 + number * 10 + last:08d}"[-8:]
            if cvr.is_valid(candidate) and candidate not in taken:
                taken.add(candidate)
                return candidate
        number += 1


def _stable_number(organisation: Organisation) -> int:
    """From the official code, not the database id, so that a build gives the same numbers on every database."""
    kinds = {OrganisationKind.MUNICIPALITY: 1, OrganisationKind.REGION: 2, OrganisationKind.SECRETARIAT: 3}
    if organisation.code.isdigit():
        return kinds.get(organisation.kind, 4) * 10_000 + int(organisation.code)
    return 50_000 + int(organisation.cvr or 0) % 10_000


def _invoice_data_fill(organisations: list[Organisation], offers: list[Offer]) -> int:
    """What an e-invoice needs and the reference data lack for municipalities and regions: EAN, CVR, an address
    (the town hall, in the post town of the municipality's offers) and a bank account. Synthetic; demo only."""
    from stdnum import ean

    taken_cvr = set(Organisation.objects.exclude(cvr="").values_list("cvr", flat=True))
    taken_ean = set(Organisation.objects.exclude(ean="").values_list("ean", flat=True))
    towns = {}
    for offer in offers:
        if offer.postcode and offer.city:
            towns.setdefault(offer.municipality_id, (offer.postcode, offer.city))
    changed = []
    organisations = sorted(set(organisations), key=lambda o: o.pk)
    for organisation in organisations:
        before = (organisation.ean, organisation.cvr, organisation.address)
        number = _stable_number(organisation)
        if not organisation.ean:
            while True:
                body = f"57900990{number:04d}"[-12:]
                candidate = body + ean.calc_check_digit(body)
                if candidate not in taken_ean:
                    break
                number += 1
            organisation.ean = candidate
            taken_ean.add(candidate)
        if not organisation.cvr:
            organisation.cvr = _synthetic_cvr(_stable_number(organisation), taken_cvr)
        if not (organisation.address and organisation.postcode and organisation.city):
            postcode, city = towns.get(organisation.pk, ("5000", organisation.name))
            organisation.address = organisation.address or "Rådhuset"
            organisation.postcode, organisation.city = organisation.postcode or postcode, organisation.city or city
        if (organisation.ean, organisation.cvr, organisation.address) != before:
            changed.append(organisation)
    Organisation.objects.bulk_update(changed, ["ean", "cvr", "address", "postcode", "city"])
    have_account = set(PaymentAccount.objects.values_list("organisation_id", flat=True))
    PaymentAccount.objects.bulk_create(
        PaymentAccount(organisation=o, **_synthetic_bank_account(_stable_number(o)))
        for o in organisations if o.pk not in have_account and o.is_operator_kind
    )
    return len(changed)


DEMO_REG_NOS = ("2191", "3409", "4180", "5301", "7244", "9570")  # shaped like Danish banks' registration numbers


def _synthetic_bank_account(number: int) -> dict[str, str]:
    """A Danish bank account as an invoice prints it: a four-digit registration number and a ten-digit account
    number spread over the range (not a visibly made-up 9999 / 0000012345). Synthetic, like every demo number:
    drawn from the organisation's stable number, no real account is meant (DEMO.md). It starts with 40–99, so it
    never reads as a CPR number (no month has a day 40) on an invoice that must show none."""
    return {"reg_no": DEMO_REG_NOS[number % len(DEMO_REG_NOS)],
            "account_no": str(4_000_000_000 + (number * 7_919_317 + 314_159_265) % 6_000_000_000)}


@transaction.atomic
def demo_placements_build(*, actor: Actor, regions: list[Organisation], seed: int, first_day: date,
                          today: date) -> PlacementsReport:
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    report = PlacementsReport()
    account_mapping_defaults_load(actor=actor)
    for region in regions:
        rng = random.Random(f"rammeaftale-demo-placements:{seed}:{region.code}")
        rulebooks = {}  # notice as the rules in force the day it is given say, by year
        municipalities = list(Organisation.objects.filter(region=region, kind=OrganisationKind.MUNICIPALITY)
                              .order_by("code"))
        offers = list(
            Offer.objects.filter(municipality__region=region).select_related("operator", "municipality")
            .prefetch_related("capacities", "services").order_by("pk")
        )
        _invoice_data_fill([o.operator for o in offers] + municipalities, offers)
        rows: list[dict] = []
        services_of: dict[str, list] = {}
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
                    own = rng.random() < 0.3
                    payer = offer.municipality if own else rng.choice(municipalities)
                    cpr, born = _cpr(rng, today)
                    private = offer.operator.kind == OrganisationKind.PRIVATE_OPERATOR
                    placement = {
                        "reference": f"D{region.code}-{len(rows) + 1:06d}", "offer_id": offer.pk,
                        "acting_municipality_id": payer.pk, "paying_municipality_id": payer.pk,
                        "citizen_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "cpr_encrypted": cpr_encrypt(cpr), "cpr_index": cpr_index(cpr), "cpr_masked": cpr_mask(cpr),
                        "birth_date": born, "start_date": start,
                        # The demo buys within the region; a private offer is outside the Styringsaftale.
                        "covered_by_agreement": not private,
                        "agreement_coverage_note": "tilbuddet er privat" if private else "",
                        "is_internal": payer.pk == offer.operator_id, "contact_name": "Demo-sagsbehandler",
                        "status": PlacementStatus.ACTIVE.value, "end_date": None, "notice_given_on": None,
                        "notice_end": None, "notice_full_tariff": NOTICE_FULL_TARIFF_DEFAULT,
                    }
                    if end <= today:
                        placement["status"], placement["end_date"] = PlacementStatus.ENDED.value, end
                    elif rng.random() < 0.04:
                        given = max(today - timedelta(days=rng.randint(0, 40)), start)
                        year = given.year
                        if year not in rulebooks:
                            rulebooks[year] = rules_in_force(region=region, on=given).rulebook
                        rulebook = rulebooks[year]
                        placement.update(
                            status=PlacementStatus.NOTICE_GIVEN.value, notice_given_on=given,
                            notice_end=notice_end(given_on=given, months=rulebook.notice_months(offer.offer_type),
                                                  running_month=rulebook.notice.running_month.value),
                            notice_full_tariff=rulebook.notice.full_tariff_during_notice.value)
                    elif rng.random() < 0.08:
                        break  # a vacant place today
                    if end > start:
                        rows.append(placement)
                        services_of[placement["reference"]] = basis[:1]
                    if end > today:
                        break
                    day = end + timedelta(days=rng.randint(0, 45))
        ids = _placements_insert(rows, prefix=f"D{region.code}-")
        PlacementService.objects.bulk_create(
            (PlacementService(placement_id=ids[row["reference"]], service=service, valid_from=row["start_date"])
             for row in rows for service in services_of[row["reference"]]),
            batch_size=2000,
        )
        # The number every placement has (`placement_request`: «P» and its id in seven digits), one format in the
        # demo as in use; the region prefix only found the rows again after the set-based insert.
        Placement.objects.filter(reference__startswith=f"D{region.code}-").update(
            reference=Concat(Value("P"), LPad(Cast("id", CharField()), 7, Value("0"))))
        counts = defaultdict(int)
        for row in rows:
            counts[row["status"]] += 1
        report.placements += len(rows)
        report.active += counts[PlacementStatus.ACTIVE] + counts[PlacementStatus.NOTICE_GIVEN]
        report.internal += sum(1 for row in rows if row["is_internal"])
        report.by_region[region.code] = len(rows)
        confirmations = _confirmations_build(region=region, seed=seed, today=today)
        audit_record(actor=actor, event_type="demo.placements_built", organisation_id=region.pk, obj=region,
                     after={"seed": seed, "placements": len(rows), "by_status": dict(counts),
                            "vacancy_confirmations": confirmations})
    return report


CONFIRMED_PCT = 40  # of the demo operator's offers with free places today
CONFIRMED_DAYS_AGO = (0, 25)  # some within the rulebook's 14 trusted days, some older (shown unconfirmed)


def _confirmations_build(*, region: Organisation, seed: int, today: date) -> int:
    """The demo operator's («driftsherre») confirmations of free places for some of its offers with free places today,
    so the search shows confirmed, unconfirmed and stale vacancies. Its own stream of draws: nothing else shifts."""
    user = User.objects.filter(username=DEMO_OPERATOR, organisation__region=region).first()
    if user is None:
        return 0
    rng = random.Random(f"rammeaftale-demo-vacancies:{seed}:{region.code}")
    offers = list(Offer.objects.filter(operator_id=user.organisation_id).order_by("pk").values_list("pk", flat=True))
    free = free_places_of([Span(offer_id, today, today + timedelta(days=1)) for offer_id in offers])
    confirmations = []
    for offer_id, places in zip(offers, free, strict=True):
        if places.free > 0 and rng.randint(1, 100) <= CONFIRMED_PCT:
            confirmed_on = today - timedelta(days=rng.randint(*CONFIRMED_DAYS_AGO))
            confirmations.append(VacancyConfirmation(
                offer_id=offer_id, places=rng.randint(1, places.free), free_from=max(confirmed_on, today),
                note=rng.choice(CONFIRMATION_NOTES), confirmed_on=confirmed_on, confirmed_by=user))
    VacancyConfirmation.objects.bulk_create(confirmations)
    return len(confirmations)


CONFIRMATION_NOTES = ("", "", "Værelse med eget bad.", "Kan modtage med kort varsel.", "Plads i stueetagen.",
                      "Ring gerne for en rundvisning.")


NOTICE_FULL_TARIFF_DEFAULT = Placement._meta.get_field("notice_full_tariff").get_default()


def _placements_insert(rows: list[dict], *, prefix: str) -> dict[str, int]:
    """The region's demo placements written set-based (`bulk.rows_insert`: the ORM's `bulk_create` made a model and
    prepared 40 fields for each of 23,000 rows, 5 of a region build's 11 s), and their ids by reference (all start
    with `prefix`). Each row gives the same fields as plain values; every other column gets its field's default,
    prepared once by the field as the ORM would."""
    if not rows:
        return {}
    given = list(rows[0])
    now = timezone.now()
    others = [f for f in Placement._meta.concrete_fields if not f.primary_key and f.attname not in given]
    constants = tuple(f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                                         else f.get_default(), connection) for f in others)
    rows_insert(Placement, [*given, *(f.attname for f in others)],
                (tuple(row[name] for name in given) + constants for row in rows))
    return dict(Placement.objects.filter(reference__startswith=prefix).values_list("reference", "id"))
