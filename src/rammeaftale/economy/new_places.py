"""New places under Hovedstaden's economic model (seed-003, «Ny økonomimodel»): the arrangement, its start-up
subscription and the deficit guarantee of each year of operation, invoiced through the normal settlement.

The region's secretariat records what KKR decided: the offer (new, or new places in it), the first year of operation,
the participating municipalities, their yearly subscription for up to the rulebook's years, how the guarantee is
shared and the population date. Each subscription year becomes a fixed charge to each participant, due in January of
that year; each year of operation's deficit, once its accounts are known, becomes the guaranteed part (the rulebook's
step) split by population with the largest remainder (`engine/guarantee.py`), a fixed charge to each municipality due
in the month it is decided. The operator's settlement run invoices the charges as their own lines
(`billing.settlement`); the operator's own share stays with it, never invoiced to itself.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import is_region_secretariat
from rammeaftale.billing.models import FixedCharge, FixedChargeKind
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.money import format_kr, kr_to_ore
from rammeaftale.economy.models import (
    GuaranteeSharing,
    GuaranteeYear,
    NewPlacesArrangement,
    NewPlacesCharge,
    NewPlacesKind,
)
from rammeaftale.economy.population import PopulationMissing, population_check
from rammeaftale.engine.guarantee import GuaranteeInputError, guarantee_calculate
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks.models import NewPlacesModel

REFERENCE_MAX = 300


def may_set_up(actor: Actor) -> bool:
    return actor.is_superuser or (actor.organisation_kind == OrganisationKind.SECRETARIAT
                                  and actor.has_role(Role.SECRETARIAT, Role.ADMINISTRATOR))


def _may_read(actor: Actor, region_id: int) -> bool:
    """The region's secretariat, and the economists, operators and administrators of the region's organisations:
    every municipality of the region may share the guarantee, so each may see the arrangements."""
    if is_region_secretariat(actor, region_id=region_id):
        return True
    return bool(actor.organisation_id and actor.region_id == region_id
                and actor.has_role(Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR))


def _model_rules(region: Organisation, year: int) -> tuple[RulesInForce, NewPlacesModel]:
    """The rulebook in force on 1 January of the first year of operation, and its economic model for new places."""
    in_force = rules_in_force(region=region, on=date(year, 1, 1))
    model = in_force.rulebook.new_places_model
    if model is None:
        raise DomainError(
            f"Rammeaftalen «{in_force.agreement.name}», der gælder for {region} i {year}, har ingen økonomimodel for "
            "nye pladser (abonnement og underskudsgaranti); den er Hovedstadens (Styringsaftalen 2021–2022, «Ny "
            "økonomimodel»).", field="first_year", code="no_new_places_model",
            message_en="the agreement in force has no economic model for new places")
    return in_force, model


def _population(in_force: RulesInForce, on: date):
    rulebook = in_force.rulebook.rulebook
    try:
        return population_check(on=on, region_code=rulebook.region_code, municipalities=rulebook.municipalities)
    except PopulationMissing as exc:
        raise DomainError(f"Befolkningstal: {exc}", field="population_date", code="population_missing",
                          message_en="no population data for the date") from exc


def _reference(text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError("Angiv beslutningens reference (fx KKR-møde og dato), så beløbene kan spores.",
                          field="decision_reference", message_en="the decision's reference is required")
    if len(text) > REFERENCE_MAX:
        raise DomainError(f"Referencen er {len(text)} tegn; højst {REFERENCE_MAX}.", field="decision_reference",
                          message_en=f"reference longer than {REFERENCE_MAX} characters")
    return text


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


@transaction.atomic
def new_places_arrangement_create(*, actor: Actor, offer_id: int, kind: str, places: int, first_year: int,
                                  participant_ids: list[int], sharing: str, population_date: date,
                                  subscription_years: int, subscription_yearly_kr: Decimal,
                                  decision_reference: str) -> NewPlacesArrangement:
    """The region's secretariat sets up an offer's new places under the economic model; the subscription years
    become fixed charges to each participating municipality (not the operator), due each January."""
    offer = Offer.objects.select_related("municipality__region", "operator").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    region = offer.municipality.region
    if not is_region_secretariat(actor, region_id=region.pk):
        raise NotAllowed("Kun regionens sekretariat opretter nye pladser under økonomimodellen.",
                         message_en="only the region's secretariat sets up the economic model")
    if kind not in NewPlacesKind.values:
        raise DomainError(f"Ukendt type «{kind}».", field="kind", message_en="unknown kind")
    if sharing not in GuaranteeSharing.values:
        raise DomainError(f"Ukendt fordeling «{sharing}».", field="sharing", message_en="unknown sharing")
    if not 1 <= places <= 1000:
        raise DomainError("Antal nye pladser skal være mellem 1 og 1000.", field="places",
                          message_en="places must be 1–1000")
    if not 2000 <= first_year <= 2100:
        raise DomainError(f"Det første driftsår {first_year} er ikke et gyldigt år.", field="first_year",
                          message_en="invalid first year")
    in_force, model = _model_rules(region, first_year)
    most = model.startup_subscription_max_years.value
    if not 0 <= subscription_years <= most:
        source = model.startup_subscription_max_years.source
        raise DomainError(
            f"Abonnementsordningen kan højst gælde i {most} år ({source.doc}, {source.section}: »{source.quote}«), "
            f"ikke {subscription_years}.", field="subscription_years", code="subscription_years",
            message_en=f"the start-up subscription lasts at most {most} years")
    if subscription_yearly_kr < 0 or subscription_yearly_kr != subscription_yearly_kr.quantize(Decimal("0.01")):
        raise DomainError(f"Abonnementet skal være et beløb på 0 kr. eller mere med højst to decimaler, ikke "
                          f"{subscription_yearly_kr}.", field="subscription_yearly",
                          message_en="the subscription must be a non-negative amount in øre")
    municipalities = {org.pk: org for org in Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, region=region)}
    strangers = [pk for pk in participant_ids if pk not in municipalities]
    if strangers:
        raise DomainError("De deltagende kommuner skal være kommuner i regionen.", field="participants",
                          message_en="participants must be municipalities of the region")
    if sharing == GuaranteeSharing.PARTICIPANTS and not participant_ids:
        raise DomainError("Deles garantien mellem de interesserede kommuner, skal mindst én kommune deltage.",
                          field="participants", message_en="sharing among participants needs participants")
    if subscription_years and subscription_yearly_kr and not participant_ids:
        raise DomainError("Abonnementet betales af de deltagende kommuner; vælg dem.", field="participants",
                          message_en="a subscription needs participating municipalities")
    _population(in_force, population_date)
    arrangement = NewPlacesArrangement.objects.create(
        offer=offer, kind=kind, places=places, first_year=first_year, rulebook_key=in_force.rulebook.key,
        rulebook_version=in_force.rulebook.version, sharing=sharing, population_date=population_date,
        subscription_years=subscription_years, subscription_yearly_ore=kr_to_ore(subscription_yearly_kr),
        decision_reference=_reference(decision_reference), created_by_id=actor.user_id)
    arrangement.participants.set(participant_ids)
    amount = arrangement.subscription_yearly_ore
    for year_of_operation in range(1, subscription_years + 1) if amount else ():
        year = first_year + year_of_operation - 1
        for pk in sorted(participant_ids, key=lambda pk: municipalities[pk].code):
            _charge_write(arrangement, kind=FixedChargeKind.SUBSCRIPTION, year_of_operation=year_of_operation,
                          municipality=municipalities[pk], amount_ore=amount, due=(year, 1), period=_year_span(year),
                          text=f"Abonnement {year} (driftsår {year_of_operation}), {offer.name}")
    audit_record(actor=actor, event_type="economy.new_places_created", organisation_id=offer.operator_id,
                 obj=arrangement, after={
                     "offer": offer.pk, "kind": kind, "places": places, "first_year": first_year,
                     "rulebook": f"{in_force.rulebook.key} v{in_force.rulebook.version}", "sharing": sharing,
                     "population_date": population_date.isoformat(), "participants": sorted(participant_ids),
                     "subscription_years": subscription_years, "subscription_yearly_ore": amount,
                     "decision_reference": arrangement.decision_reference})
    return arrangement


def _charge_write(arrangement: NewPlacesArrangement, *, kind: str, year_of_operation: int,
                  municipality: Organisation, amount_ore: int, due: tuple[int, int], period: tuple[date, date],
                  text: str, guarantee_year: GuaranteeYear | None = None, population: int | None = None,
                  extra_ore: int = 0) -> NewPlacesCharge:
    """The municipality's part, and the fixed charge that invoices it — none for the operator's own part, or 0."""
    operator_id = arrangement.offer.operator_id
    charge = None
    if municipality.pk != operator_id and amount_ore > 0:
        charge = FixedCharge.objects.create(
            seller_id=operator_id, buyer=municipality, offer=arrangement.offer, kind=kind, year=due[0],
            month=due[1], period_from=period[0], period_to=period[1], amount_ore=amount_ore, description=text[:300])
    return NewPlacesCharge.objects.create(
        arrangement=arrangement, guarantee_year=guarantee_year, kind=kind, year_of_operation=year_of_operation,
        municipality=municipality, population=population, amount_ore=amount_ore, extra_ore=extra_ore, charge=charge)


@transaction.atomic
def guarantee_year_decide(*, actor: Actor, arrangement_id: int, year_of_operation: int, deficit_kr: Decimal,
                          decision_reference: str, today: date) -> GuaranteeYear:
    """A year of operation's deficit, after its accounts: the guaranteed part split by population, each share a
    fixed charge due in this month. The year must be over; a year is decided once."""
    arrangement = (NewPlacesArrangement.objects.select_for_update(of=("self",))
                   .select_related("offer__municipality__region").filter(pk=arrangement_id).first())
    if arrangement is None:
        raise NotFound("Ordningen findes ikke.", message_en="Arrangement not found.")
    region = arrangement.offer.municipality.region
    if not is_region_secretariat(actor, region_id=region.pk):
        raise NotAllowed("Kun regionens sekretariat fastsætter årets underskud og garantien.",
                         message_en="only the region's secretariat decides the guarantee")
    year = arrangement.first_year + year_of_operation - 1
    if year_of_operation >= 1 and year >= today.year:
        raise DomainError(f"Driftsår {year_of_operation} er {year}; underskuddet kendes først, når året er slut og "
                          "regnskabet aflagt.", field="year_of_operation", code="year_not_over",
                          message_en="the year of operation is not over")
    if GuaranteeYear.objects.filter(arrangement=arrangement, year_of_operation=year_of_operation).exists():
        raise DomainError(f"Driftsår {year_of_operation} er allerede fastsat; en rettelse kræver en ny beslutning.",
                          field="year_of_operation", code="decided", message_en="the year is already decided")
    in_force, model = _model_rules(region, arrangement.first_year)
    population = _population(in_force, arrangement.population_date)
    participants = set(arrangement.participants.values_list("code", flat=True))
    sharers = [m for m in population.municipalities
               if arrangement.sharing == GuaranteeSharing.POPULATION or m.code in participants]
    try:
        result = guarantee_calculate(deficit_kr=deficit_kr, year_of_operation=year_of_operation,
                                     steps_pct=model.guarantee_steps_pct.value,
                                     max_pct=model.deficit_guarantee_max_pct.value, municipalities=sharers)
    except GuaranteeInputError as exc:
        raise DomainError(str(exc), field="deficit" if exc.field == "deficit" else exc.field,
                          code="guarantee_input", message_en="the guarantee cannot be computed") from exc
    decided = GuaranteeYear.objects.create(
        arrangement=arrangement, year_of_operation=year_of_operation, deficit_ore=kr_to_ore(deficit_kr),
        guarantee_pct=result.guarantee_pct, guaranteed_ore=result.guaranteed_ore,
        population_total=result.population_total, decision_reference=_reference(decision_reference),
        decided_by_id=actor.user_id)
    by_code = {org.code: org for org in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY,
                                                                   region=region)}
    for share in result.shares:
        _charge_write(
            arrangement, kind=FixedChargeKind.GUARANTEE, year_of_operation=year_of_operation,
            municipality=by_code[share.municipality_code], amount_ore=share.share_ore, due=(today.year, today.month),
            period=_year_span(year), guarantee_year=decided, population=share.population, extra_ore=share.extra_ore,
            text=(f"Underskudsgaranti driftsår {year_of_operation} ({year}), {arrangement.offer.name}: "
                  f"{result.guarantee_pct} % af {format_kr(decided.deficit_ore)} fordelt efter befolkningsandel"))
    audit_record(actor=actor, event_type="economy.guarantee_decided", organisation_id=arrangement.offer.operator_id,
                 obj=decided, after={
                     "arrangement": arrangement.pk, "year_of_operation": year_of_operation, "year": year,
                     "deficit_ore": decided.deficit_ore, "guarantee_pct": str(result.guarantee_pct),
                     "guaranteed_ore": result.guaranteed_ore, "sum_ore": result.sum_ore,
                     "decision_reference": decided.decision_reference})
    return decided


# Reads


@dataclass(frozen=True)
class ChargeRow:
    share: NewPlacesCharge
    invoice_number: str  # "" until invoiced; "egen andel" has no charge at all

    @property
    def own_share(self) -> bool:
        return self.share.charge_id is None and self.share.amount_ore > 0


def new_places_arrangements(*, actor: Actor) -> list[NewPlacesArrangement]:
    """The arrangements of the actor's region (none outside a region)."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    query = NewPlacesArrangement.objects.select_related("offer__operator", "offer__municipality")
    if actor.is_superuser:
        return list(query)
    if actor.region_id is None or not _may_read(actor, actor.region_id):
        return []
    return list(query.filter(offer__municipality__region_id=actor.region_id))


@dataclass(frozen=True)
class ShareTable:
    rows: list[ChargeRow]

    @property
    def total_ore(self) -> int:
        return sum(row.share.amount_ore for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


@dataclass
class ArrangementDetail:
    arrangement: NewPlacesArrangement
    model: NewPlacesModel
    subscription: ShareTable
    years: list[tuple[GuaranteeYear, ShareTable]]
    may_decide: bool
    next_year_of_operation: int | None  # the next year the secretariat can decide, if any
    in_force: RulesInForce | None = None  # the rules the model comes from (the page links to them)

    @property
    def steps(self) -> str:
        return "-".join(str(step) for step in self.model.guarantee_steps_pct.value)


def _rows(shares) -> ShareTable:
    return ShareTable([ChargeRow(share=share, invoice_number=share.charge.invoice_line.invoice.number
                      if share.charge_id and hasattr(share.charge, "invoice_line") else "")
                       for share in shares])


def new_places_arrangement_detail(*, actor: Actor, arrangement_id: int, today: date) -> ArrangementDetail:
    arrangement = (NewPlacesArrangement.objects.select_related("offer__operator", "offer__municipality__region")
                   .prefetch_related("participants").filter(pk=arrangement_id).first())
    if arrangement is None or not _may_read(actor, arrangement.offer.municipality.region_id):
        raise NotFound("Ordningen findes ikke.", message_en="Arrangement not found.")
    region = arrangement.offer.municipality.region
    in_force, model = _model_rules(region, arrangement.first_year)
    shares = (NewPlacesCharge.objects.filter(arrangement=arrangement)
              .select_related("municipality", "charge__invoice_line__invoice")
              .order_by("year_of_operation", "municipality__code"))
    subscription = _rows(share for share in shares if share.kind == FixedChargeKind.SUBSCRIPTION)
    years = [(decided, _rows(share for share in shares if share.guarantee_year_id == decided.pk))
             for decided in GuaranteeYear.objects.filter(arrangement=arrangement).order_by("year_of_operation")]
    decided_years = {decided.year_of_operation for decided, _ in years}
    open_years = [n for n in range(1, len(model.guarantee_steps_pct.value) + 1)
                  if n not in decided_years and arrangement.first_year + n - 1 < today.year]
    return ArrangementDetail(arrangement=arrangement, model=model, subscription=subscription, years=years,
                             may_decide=is_region_secretariat(actor, region_id=region.pk),
                             next_year_of_operation=open_years[0] if open_years else None, in_force=in_force)


def offers_for_new_places(*, actor: Actor) -> list[Offer]:
    """The offers of the secretariat's region, for the set-up form."""
    if not may_set_up(actor) or (actor.region_id is None and not actor.is_superuser):
        return []
    query = Offer.objects.select_related("operator").order_by("name")
    return list(query if actor.is_superuser else query.filter(municipality__region_id=actor.region_id))


def region_municipalities(*, actor: Actor) -> list[Organisation]:
    if actor.region_id is None:
        return []
    return list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=actor.region_id)
                .order_by("name"))

