"""Writes for tariffs: P/L, budgets, calculations with approvals and explanations, true-up and reserves."""
import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record, model_snapshot
from rammeaftale.accounts.permissions import can_maintain_price_index, can_manage_tariffs
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import format_kr, kr_to_ore, ore_to_kr
from rammeaftale.engine.budgeted_occupancy import budgeted_occupancy_check
from rammeaftale.engine.indexation import overhead_share_pct
from rammeaftale.engine.provisional import provisional_tariff_ore
from rammeaftale.engine.tariff import (
    TariffInputError,
    days_in_year,
    days_per_month_text,
    tariff_calculate,
)
from rammeaftale.engine.true_up import TrueUpInput, true_up_calculate
from rammeaftale.registry.models import Offer, Service
from rammeaftale.registry.rules import RulesInForce, rulebook_of, rules_in_force
from rammeaftale.tariffs.models import (
    ActualOccupancy,
    OccupancyApproval,
    PriceIndex,
    ReserveEntry,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
    TariffChange,
    TariffExplanation,
    TariffOrigin,
    TrueUpRecord,
)
from rammeaftale.tariffs.selectors import budgeted_occupancy_suggest, engine_service_budget
from rammeaftale.tariffs.timeline import tariff_at_year_end


def _require_tariffs(actor: Actor, offer: Offer) -> None:
    if not can_manage_tariffs(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id):
        raise NotAllowed("Kun driftsherrens økonomi- og driftsmedarbejdere kan arbejde med tilbuddets takster.")


def _rules_of_year(offer: Offer, year: int) -> RulesInForce:
    """The rules of a tariff or accounts year: those in force on its 1 January (docs/rulebooks.md)."""
    return rules_in_force(region=offer.municipality.region, on=date(year, 1, 1))


@transaction.atomic
def price_index_set(*, actor: Actor, year: int, rate_pct: Decimal, source: str, source_url: str = "",
                    is_example: bool = False) -> PriceIndex:
    if not can_maintain_price_index(actor):
        raise NotAllowed("Kun sekretariatet kan vedligeholde P/L-tabellen.")
    if isinstance(rate_pct, float):
        raise DomainError("P/L skal angives som decimaltal, ikke float.", field="rate_pct")
    if not Decimal(-20) <= rate_pct <= Decimal(20):
        raise DomainError(f"P/L {rate_pct} % er ikke plausibel (mellem −20 og 20 %).", field="rate_pct")
    rate_pct = Decimal(rate_pct).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # as stored: two decimals
    if not source.strip():
        raise DomainError("Angiv kilden til P/L-satsen.", field="source")
    existing = PriceIndex.objects.filter(year=year).first()
    before = model_snapshot(existing) if existing else None
    index, _ = PriceIndex.objects.update_or_create(
        year=year, defaults={"rate_pct": rate_pct, "source": source.strip(), "source_url": source_url,
                             "is_example": is_example},
    )
    audit_record(actor=actor, event_type="price_index.set", organisation_id=None, obj=index, before=before,
                 after=model_snapshot(index))
    _provisional_sync(actor=actor, year=year)  # the year's provisional tariffs follow its P/L
    return index


@transaction.atomic
def price_index_load_examples(*, actor: Actor) -> int:
    """The sourced KL points shipped with the package, flagged as examples; existing years are left alone."""
    text = resources.files("rammeaftale.tariffs").joinpath("data", "pl_index_examples.csv").read_text(encoding="utf-8")
    loaded = 0
    for row in csv.DictReader(text.splitlines()):
        if not PriceIndex.objects.filter(year=int(row["year"])).exists():
            price_index_set(actor=actor, year=int(row["year"]), rate_pct=Decimal(row["rate_pct"]),
                            source=row["source"], source_url=row["source_url"], is_example=True)
            loaded += 1
    return loaded


@transaction.atomic
def actual_occupancy_set(*, actor: Actor, offer: Offer, year: int, occupancy_pct: Decimal) -> ActualOccupancy:
    _require_tariffs(actor, offer)
    if not Decimal(0) <= occupancy_pct <= Decimal(200):
        raise DomainError(f"Faktisk belægning {occupancy_pct} % er ikke mulig.", field="occupancy_pct")
    record, _ = ActualOccupancy.objects.update_or_create(
        offer=offer, year=year, defaults={"occupancy_pct": occupancy_pct, "source": "entered"}
    )
    audit_record(actor=actor, event_type="occupancy.actual_set", organisation_id=offer.operator_id, obj=offer,
                 after=model_snapshot(record))
    return record


@dataclass
class ServiceBudgetInput:
    """One service's budget in kroner (Decimal); money is stored in øre."""

    service: Service
    salaries_kr: Decimal = Decimal(0)
    property_kr: Decimal = Decimal(0)
    other_direct_kr: Decimal = Decimal(0)
    overhead_kr: Decimal | None = None
    overhead_pct: Decimal | None = None
    depreciation_kr: Decimal = Decimal(0)
    capital_book_value_kr: Decimal = Decimal(0)
    interest_rate_pct: Decimal = Decimal(0)
    pension_kr: Decimal = Decimal(0)
    other_income_kr: Decimal = Decimal(0)
    true_up_kr: Decimal | None = None  # None: taken from the true-up recorded for year t−2
    places: int | None = None  # None: the offer's capacity on 1 January
    budgeted_occupancy_pct: Decimal | None = None  # None: the average of two previous years' actuals
    budgeted_hours: Decimal | None = None


@dataclass
class BudgetResult:
    budget: TariffBudget
    notes: list[str] = field(default_factory=list)


def _places_on(offer: Offer, day: date) -> int:
    record = offer.capacities.filter(valid_from__lte=day).order_by("-valid_from").first()
    return record.places if record else 0


NOT_NEGATIVE_KR = {
    "salaries_kr": "Lønninger", "property_kr": "Ejendomsudgifter", "other_direct_kr": "Øvrige direkte omkostninger",
    "overhead_kr": "Overhead", "depreciation_kr": "Afskrivninger", "capital_book_value_kr": "Bogført værdi af kapital",
    "pension_kr": "Tjenestemandspension", "other_income_kr": "Indtægter, der ikke er takstindtægter",
}


def _budget_line_validate(line: ServiceBudgetInput, *, prefix: str) -> None:
    """The bad input the issue names, refused before anything is written: a Danish message naming the field."""
    for name, label in NOT_NEGATIVE_KR.items():
        value = getattr(line, name)
        if value is not None and value < 0:
            raise DomainError(f"{label} må ikke være negativ ({value} kr.).", field=f"{prefix}.{name}")
    if line.overhead_kr is not None and line.overhead_pct is not None:
        raise DomainError("Angiv overhead som beløb eller som procent, ikke begge.", field=f"{prefix}.overhead_pct")
    for name, label in (("overhead_pct", "Overheadprocenten"), ("interest_rate_pct", "Rentesatsen")):
        value = getattr(line, name)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise DomainError(f"{label} skal ligge mellem 0 og 100 %, ikke {value}.", field=f"{prefix}.{name}")
    if line.service.unit == "hour":
        if line.budgeted_hours is None or line.budgeted_hours <= 0:
            raise DomainError(f"{line.service.name}: angiv de budgetterede borgerrettede timer (mere end 0).",
                              field=f"{prefix}.budgeted_hours")
        return
    if line.places is not None and line.places < 1:
        raise DomainError(f"{line.service.name}: kapaciteten skal være mindst 1 plads.", field=f"{prefix}.places")
    occupancy = line.budgeted_occupancy_pct
    if occupancy is not None and not Decimal(0) < occupancy <= Decimal(100):
        raise DomainError(
            f"{line.service.name}: budgetteret belægning skal være over 0 og højst 100 %, ikke {occupancy}.",
            field=f"{prefix}.budgeted_occupancy_pct")


@transaction.atomic
def tariff_budget_save(*, actor: Actor, offer: Offer, year: int, lines: list[ServiceBudgetInput]) -> BudgetResult:
    """Create or replace the offer's budget for a year; defaults are filled in and said in `notes`."""
    _require_tariffs(actor, offer)
    rulebook_version = _rules_of_year(offer, year).agreement.rulebook
    if not lines:
        raise DomainError("Budgettet skal have mindst én ydelse.", field="lines")
    for index, line in enumerate(lines):
        _budget_line_validate(line, prefix=f"lines[{index}]")
    notes: list[str] = []
    budget, created = TariffBudget.objects.get_or_create(
        offer=offer, year=year, defaults={"rulebook": rulebook_version, "created_by_id": actor.user_id}
    )
    before = [model_snapshot(line) for line in budget.lines.all()]
    # An approval is of a value: it carries over to the new line when the budgeted occupancy is unchanged.
    approvals = {a.line.service_id: a for a in OccupancyApproval.objects.filter(line__budget=budget)
                 .select_related("line")}
    budget.lines.all().delete()
    previous_true_up = TrueUpRecord.objects.filter(offer=offer, enters_tariff_year=year).first()
    for index, line in enumerate(lines):
        if line.service.offer_id != offer.pk:
            raise DomainError(f"Ydelse {line.service.name} hører ikke til tilbuddet.", field=f"lines[{index}].service")
        places = line.places if line.places is not None else _places_on(offer, date(year, 1, 1))
        if places < 1 and line.service.unit != "hour":
            raise DomainError(f"{line.service.name}: tilbuddet har ingen kapacitet 1. januar {year}; angiv pladser.",
                              field=f"lines[{index}].places")
        occupancy, from_actuals = line.budgeted_occupancy_pct, False
        if occupancy is None and line.service.unit != "hour":
            occupancy = budgeted_occupancy_suggest(offer=offer, year=year)
            if occupancy is None:
                raise DomainError(
                    "Budgetteret belægning mangler, og der er ikke faktisk belægning for to tidligere år at regne den af.",
                    field=f"lines[{index}].budgeted_occupancy_pct",
                )
            from_actuals = True
            notes.append(f"{line.service.name}: budgetteret belægning {occupancy} % = gennemsnit af to tidligere år.")
        true_up = line.true_up_kr
        if true_up is None:
            true_up = Decimal(0)
            if previous_true_up is not None and index == 0:
                true_up = ore_to_kr(previous_true_up.to_tariff_ore)
                notes.append(f"Efterregulering fra {previous_true_up.year}: {true_up} kr. indgår i {line.service.name}.")
        saved = ServiceBudget.objects.create(
            budget=budget, service=line.service, salaries_ore=kr_to_ore(line.salaries_kr),
            property_ore=kr_to_ore(line.property_kr), other_direct_ore=kr_to_ore(line.other_direct_kr),
            overhead_ore=None if line.overhead_kr is None else kr_to_ore(line.overhead_kr),
            overhead_pct=line.overhead_pct, depreciation_ore=kr_to_ore(line.depreciation_kr),
            capital_book_value_ore=kr_to_ore(line.capital_book_value_kr), interest_rate_pct=line.interest_rate_pct,
            pension_ore=kr_to_ore(line.pension_kr), other_income_ore=kr_to_ore(line.other_income_kr),
            true_up_ore=kr_to_ore(true_up), places=places, budgeted_occupancy_pct=occupancy,
            occupancy_from_actuals=from_actuals, budgeted_hours=line.budgeted_hours,
        )
        approval = approvals.get(line.service.pk)
        if approval is not None and occupancy is not None and approval.value_pct == Decimal(occupancy):
            OccupancyApproval.objects.create(
                line=saved, value_pct=approval.value_pct, reason=approval.reason, approved_by=approval.approved_by,
                approved_on=approval.approved_on, recorded_by_id=approval.recorded_by_id)
            notes.append(f"{line.service.name}: godkendelsen af belægningen {approval.value_pct} % gælder fortsat.")
    audit_record(actor=actor, event_type="tariff_budget.saved", organisation_id=offer.operator_id, obj=offer,
                 before={"lines": before} if not created else None,
                 after={"year": year, "lines": [model_snapshot(line) for line in budget.lines.all()]})
    return BudgetResult(budget=budget, notes=notes)


@transaction.atomic
def occupancy_approval_record(*, actor: Actor, line: ServiceBudget, reason: str, approved_by: str,
                              approved_on: date) -> OccupancyApproval:
    """The approval a budgeted occupancy outside the rulebook's bounds needs (reason, person, date)."""
    _require_tariffs(actor, line.budget.offer)
    if not reason.strip() or not approved_by.strip():
        raise DomainError("En godkendelse skal have begrundelse og godkender.", field="reason")
    approval, _ = OccupancyApproval.objects.update_or_create(
        line=line, defaults={"value_pct": line.budgeted_occupancy_pct, "reason": reason.strip(),
                             "approved_by": approved_by.strip(), "approved_on": approved_on,
                             "recorded_by_id": actor.user_id},
    )
    audit_record(actor=actor, event_type="tariff.occupancy_approved", organisation_id=line.budget.offer.operator_id,
                 obj=line.budget.offer, after=model_snapshot(approval))
    return approval


@dataclass(frozen=True)
class CalculatedTariff:
    """What a calculation stores in a service's Tariff row for the year."""

    service_id: int
    amount_ore: int
    monthly_ore: int | None


def _text(value) -> str | None:
    return None if value is None else str(value)


def _da(value: Decimal) -> str:
    return str(value).replace(".", ",")


def _occupancy_check(line: ServiceBudget, *, rulebook, short_stay: bool):
    low, high = rulebook.budgeted_occupancy_bounds(short_stay=short_stay)
    try:
        return budgeted_occupancy_check(
            value_pct=line.budgeted_occupancy_pct, min_pct=low, max_pct=high,
            recommended_max_pct=rulebook.budgeted_occupancy.recommended_max_pct.value,
        )
    except TariffInputError as exc:
        raise DomainError(f"{line.service.name}: {exc}", field="budgeted_occupancy_pct") from exc


def tariff_calculation_build(*, rulebook, year: int, short_stay: bool,
                             lines: list[ServiceBudget],
                             approvals: dict[int, OccupancyApproval | None]) -> tuple[dict, list[CalculatedTariff]]:
    """The stored result of a calculation (breakdown, inputs, checks) and each service's tariff; writes nothing.

    `tariff_budget_calculate` stores what this returns; the demo's bulk build calls it too, so both store the same.
    `lines` carry their service; `approvals` maps a service id to its line's occupancy approval (or None). A
    DomainError names the line (`lines[i].…`, in the order of the result: kind, then name).
    """
    lines = sorted(lines, key=lambda line: (line.service.kind, line.service.name))
    checks = []
    norm = rulebook.tariffs.overhead_norm_pct
    for index, line in enumerate(lines):
        if line.service.unit == "hour":
            continue
        if line.budgeted_occupancy_pct is None:
            raise DomainError(f"{line.service.name}: budgetteret belægning mangler.",
                              field=f"lines[{index}].budgeted_occupancy_pct")
        check = _occupancy_check(line, rulebook=rulebook, short_stay=short_stay)
        approval = approvals.get(line.service_id)
        approved = approval is not None and approval.value_pct == line.budgeted_occupancy_pct
        # "Ovenstående kan kun fraviges efter konkret godkendelse" where the rulebook says so.
        if not check.within_bounds and not approved and rulebook.budgeted_occupancy.deviation_needs_approval.value:
            raise DomainError(
                f"{line.service.name}: {check.message_da()} Registrér godkendelsen (begrundelse, person, dato) først.",
                field=f"lines[{index}].budgeted_occupancy_pct",
                message_en="occupancy outside the rulebook's bounds needs approval",
            )
        entry = {"service": line.service.name, "check": "budgeted_occupancy", "message": check.message_da(),
                 "ok": check.within_bounds and not check.above_recommended, "approved": approved}
        if approved:
            entry["approval"] = {"reason": approval.reason, "approved_by": approval.approved_by,
                                 "approved_on": approval.approved_on.isoformat()}
        checks.append(entry)
    conversion = rulebook.monthly_conversion_fraction(year)
    try:
        result = tariff_calculate(services=[engine_service_budget(line) for line in lines], year=year,
                                  monthly_conversion=conversion)
    except TariffInputError as exc:
        raise DomainError(str(exc), field=exc.field.replace("services[", "lines[")) from exc
    services = []
    tariffs = []
    for line, tariff in zip(lines, result.services, strict=True):
        direct = ore_to_kr(line.salaries_ore + line.property_ore + line.other_direct_ore)
        overhead = next((part.amount_kr for part in tariff.breakdown if part.element == "overhead"), Decimal(0))
        share = overhead_share_pct(overhead_kr=overhead, direct_costs_kr=direct) if direct > 0 else None
        if share is not None:
            checks.append({
                "service": line.service.name, "check": "overhead_norm", "ok": norm is None or share <= norm.value,
                "approved": False, "share_pct": str(share), "norm_pct": None if norm is None else str(norm.value),
                "message": f"Overhead {_da(share)} % af direkte omkostninger; " + (
                    f"normen er {_da(norm.value)} %." if norm is not None else "regelbogen har ingen norm."),
            })
        services.append({
            "service_id": line.service_id, "name": tariff.name, "kind": line.service.kind, "unit": str(tariff.unit),
            "basis": str(tariff.basis_kr), "units": str(tariff.units), "tariff": str(tariff.unit_tariff_kr),
            "monthly_tariff": _text(tariff.monthly_tariff_kr), "rounding": str(tariff.rounding_kr),
            "inputs": {
                "places": line.places, "days": days_in_year(year),
                "budgeted_occupancy_pct": _text(line.budgeted_occupancy_pct),
                "occupancy_from_actuals": line.occupancy_from_actuals,
                "budgeted_hours": _text(line.budgeted_hours), "overhead_pct": _text(line.overhead_pct),
                "capital_book_value": str(ore_to_kr(line.capital_book_value_ore)),
                "interest_rate_pct": str(line.interest_rate_pct), "overhead_share_pct": _text(share),
            },
            "breakdown": [{"element": str(b.element), "label": b.label_da, "amount": str(b.amount_kr),
                           "per_unit": str(b.per_unit_kr)} for b in tariff.breakdown],
        })
        # A month-priced service's tariff is its monthly tariff; the engine's unit tariff is then per day.
        amount = tariff.monthly_tariff_kr if line.service.unit == "month" else tariff.unit_tariff_kr
        tariffs.append(CalculatedTariff(
            service_id=line.service_id, amount_ore=kr_to_ore(amount),
            monthly_ore=None if tariff.monthly_tariff_kr is None else kr_to_ore(tariff.monthly_tariff_kr),
        ))
    stored = {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version,
        "year": year, "checks": checks, "monthly_conversion": days_per_month_text(conversion),
        "overhead_norm_pct": None if norm is None else str(norm.value), "services": services,
    }
    return stored, tariffs


@transaction.atomic
def tariff_budget_calculate(*, actor: Actor, budget: TariffBudget) -> TariffCalculation:
    """Run the engine; store the breakdown and one calculated tariff per service. Refuses unapproved occupancy."""
    offer = budget.offer
    _require_tariffs(actor, offer)
    lines = list(budget.lines.select_related("service"))
    approvals = {a.line.service_id: a for a in OccupancyApproval.objects.filter(line__budget=budget)
                 .select_related("line")}
    result, tariffs = tariff_calculation_build(
        rulebook=rulebook_of(budget.rulebook), year=budget.year, short_stay=offer.is_short_stay, lines=lines,
        approvals=approvals,
    )
    calculation = TariffCalculation.objects.create(budget=budget, calculated_by_id=actor.user_id, result=result)
    replaced = {t.service_id: t.amount_ore for t in Tariff.objects.filter(
        service_id__in=[tariff.service_id for tariff in tariffs], year=budget.year, origin=TariffOrigin.PROVISIONAL)}
    for tariff in tariffs:
        Tariff.objects.update_or_create(
            service_id=tariff.service_id, year=budget.year,
            defaults={"amount_ore": tariff.amount_ore, "monthly_ore": tariff.monthly_ore,
                      "origin": TariffOrigin.CALCULATED, "calculation": calculation, "note": ""},
        )
    audit_record(actor=actor, event_type="tariff.calculated", organisation_id=offer.operator_id, obj=offer,
                 after={"year": budget.year, "calculation": calculation.pk,
                        "tariffs": {s["name"]: s["tariff"] for s in result["services"]},
                        "replaced_provisional_ore": {str(k): v for k, v in replaced.items()}})
    _provisional_sync(actor=actor, year=budget.year + 1, service_ids=[tariff.service_id for tariff in tariffs])
    return calculation


@transaction.atomic
def tariff_explanation_record(*, actor: Actor, tariff: Tariff, text: str) -> TariffExplanation:
    offer = tariff.service.offer
    _require_tariffs(actor, offer)
    if len(text.strip()) < 10:
        raise DomainError("Forklaringen skal sige, hvorfor taksten stiger mere end loftet eller den grænse, "
                          "regelbogen sætter (mindst 10 tegn).", field="text")
    explanation, _ = TariffExplanation.objects.update_or_create(
        tariff=tariff, defaults={"text": text.strip(), "written_by_id": actor.user_id}
    )
    audit_record(actor=actor, event_type="tariff.explained", organisation_id=offer.operator_id, obj=offer,
                 after={"tariff": tariff.pk, "year": tariff.year, "text": explanation.text})
    return explanation


@transaction.atomic
def true_up_record(*, actor: Actor, offer: Offer, data: TrueUpInput) -> TrueUpRecord:
    """Record a year's true-up under the offer's rulebook; a reserved surplus goes into the reserve ledger."""
    _require_tariffs(actor, offer)
    in_force = _rules_of_year(offer, data.year)
    version, rules = in_force.agreement.rulebook, in_force.rulebook.true_up
    try:
        result = true_up_calculate(
            data=data, mode=rules.mode.value, limit_pct=rules.limit_pct.value,
            year_offset=rules.enters_tariff_year_offset.value,
            reserve_use_within_years=rules.reserve_use_within_years.value if rules.reserve_use_within_years else None,
        )
    except TariffInputError as exc:
        raise DomainError(str(exc), field=exc.field) from exc
    if TrueUpRecord.objects.filter(offer=offer, year=data.year).exists():
        raise DomainError(f"Efterreguleringen for {data.year} er allerede registreret.", field="year")
    record = TrueUpRecord.objects.create(
        offer=offer, year=data.year, rulebook=version, result_ore=kr_to_ore(result.result_kr),
        kept_ore=kr_to_ore(result.kept_kr), kept_as=result.kept_as, to_tariff_ore=kr_to_ore(result.to_tariff_kr),
        enters_tariff_year=result.enters_tariff_year,
        inputs={"cost_based_budget": str(data.cost_based_budget_kr), "cost_based_accounts": str(data.cost_based_accounts_kr),
                "income": [{"occupied_days": str(i.occupied_days), "tariff": str(i.tariff_kr)} for i in data.income],
                "other_tariff_income": str(data.other_tariff_income_kr)},
    )
    if result.kept_as == "reserve":
        ReserveEntry.objects.create(
            operator=offer.operator, offer=offer, surplus_year=data.year, amount_ore=kr_to_ore(result.kept_kr),
            expires_year=result.reserve_expires_year, text=f"Hensat overskud {data.year}", true_up=record,
        )
    audit_record(actor=actor, event_type="tariff.true_up_recorded", organisation_id=offer.operator_id, obj=offer,
                 after=model_snapshot(record))
    return record


@transaction.atomic
def reserve_use(*, actor: Actor, offer: Offer, year: int, amount_kr: Decimal, text: str) -> list[ReserveEntry]:
    """Use the offer's reserved surplus, drawing on its oldest unexpired reserves first; never more than the
    offer's balance (another offer's reserve is not this offer's to use)."""
    _require_tariffs(actor, offer)
    from rammeaftale.tariffs.selectors import reserve_open_entries

    amount = kr_to_ore(amount_kr)
    open_entries = reserve_open_entries(offer_id=offer.pk, year=year)
    balance = sum(remaining for _, remaining in open_entries)
    if amount <= 0 or amount > balance:
        raise DomainError(f"Der kan højst bruges {ore_to_kr(balance)} kr. af {offer.name}s hensatte midler.",
                          field="amount_kr")
    if not text.strip():
        raise DomainError("Skriv, hvad de hensatte midler bruges til.", field="text")
    uses = []
    for reserve, remaining in open_entries:
        if amount == 0:
            break
        drawn = min(amount, remaining)
        uses.append(ReserveEntry.objects.create(
            operator=offer.operator, offer=offer, surplus_year=reserve.surplus_year, amount_ore=-drawn,
            expires_year=reserve.expires_year, text=text.strip(), consumes=reserve,
        ))
        amount -= drawn
    audit_record(actor=actor, event_type="tariff.reserve_used", organisation_id=offer.operator_id, obj=offer,
                 after={"year": year, "uses": [model_snapshot(use) for use in uses]})
    return uses


@transaction.atomic
def tariff_change_record(*, actor: Actor, service: Service, valid_from: date, amount_ore: int,
                         monthly_ore: int | None, reason: str) -> TariffChange:
    """A tariff from a date inside the year; dated back, the next settlement run credits and re-invoices."""
    offer = service.offer
    _require_tariffs(actor, offer)
    if amount_ore < 0:
        raise DomainError("Taksten må ikke være negativ.", field="amount_ore")
    if not reason.strip():
        raise DomainError("Angiv en begrundelse for takstændringen.", field="reason")
    if valid_from.month == 1 and valid_from.day == 1:
        raise DomainError("En takst fra 1. januar er årets takst; ret den i takstoversigten.", field="valid_from")
    change = TariffChange.objects.create(service=service, valid_from=valid_from, amount_ore=amount_ore,
                                         monthly_ore=monthly_ore, reason=reason.strip(), created_by_id=actor.user_id)
    audit_record(actor=actor, event_type="tariff.changed_mid_year", organisation_id=offer.operator_id, obj=change,
                 after=model_snapshot(change))
    _provisional_sync(actor=actor, year=valid_from.year + 1, service_ids=[service.pk])
    return change


# Provisional tariffs (foreløbige takster): the year boundary


@dataclass(frozen=True)
class ProvisionalResult:
    year: int
    pl_pct: Decimal | None
    created: int = 0
    updated: int = 0
    kept: int = 0  # provisional tariffs already right

    @property
    def message_da(self) -> str:
        if self.pl_pct is None:
            return (f"Ingen foreløbige takster for {self.year}: P/L for {self.year} mangler i P/L-tabellen.")
        return (f"Foreløbige takster for {self.year} (sidste års takst × (1 + P/L {self.year} "
                f"{_da(self.pl_pct)} %)): {self.created} nye, {self.updated} rettet, {self.kept} uændret.")


def _unit_label(unit: str) -> str:
    return {"day": "døgn", "month": "måned", "hour": "time"}.get(unit, unit)


def _provisional_sync(*, actor: Actor, year: int, service_ids=None) -> ProvisionalResult:
    """Create or correct the year's provisional tariffs; callers have checked who may (P/L, calculation, CLI).

    For every service whose tariff at the end of the year before is approved (not itself provisional) and that
    has no approved tariff for `year`: a provisional tariff = that tariff × (1 + P/L of `year`)
    (engine/provisional.py). An approved tariff is never touched. One audit event sums the run up.
    """
    index = PriceIndex.objects.filter(year=year).first()
    if index is None:
        return ProvisionalResult(year=year, pl_pct=None)
    if service_ids is None:
        service_ids = set(Tariff.objects.filter(year=year - 1).values_list("service_id", flat=True))
        service_ids |= set(TariffChange.objects.filter(valid_from__year=year - 1).values_list("service_id", flat=True))
    previous = tariff_at_year_end(service_ids=service_ids, year=year - 1)
    existing = {t.service_id: t for t in Tariff.objects.filter(year=year, service_id__in=list(previous))}
    units = dict(Service.objects.filter(pk__in=list(previous)).values_list("pk", "unit"))
    created, updated, kept = [], [], 0
    for service_id, span in sorted(previous.items()):
        if span.provisional:
            continue
        current = existing.get(service_id)
        if current is not None and not current.is_provisional:
            continue
        amount = provisional_tariff_ore(previous_ore=span.amount_ore, pl_pct=index.rate_pct)
        monthly = None if span.monthly_ore is None else provisional_tariff_ore(previous_ore=span.monthly_ore,
                                                                                pl_pct=index.rate_pct)
        note = (f"Foreløbig takst: {year - 1}-taksten {format_kr(span.amount_ore)} pr. "
                f"{_unit_label(units[service_id])} × (1 + P/L {year} {_da(index.rate_pct)} %). "
                "Erstattes af den godkendte takst.")
        if current is None:
            created.append(Tariff(service_id=service_id, year=year, amount_ore=amount, monthly_ore=monthly,
                                  origin=TariffOrigin.PROVISIONAL, note=note))
        elif (current.amount_ore, current.monthly_ore, current.note) != (amount, monthly, note):
            current.amount_ore, current.monthly_ore, current.note = amount, monthly, note
            updated.append(current)
        else:
            kept += 1
    Tariff.objects.bulk_create(created, batch_size=1000)
    Tariff.objects.bulk_update(updated, ["amount_ore", "monthly_ore", "note"], batch_size=1000)
    if created or updated:
        audit_record(actor=actor, event_type="tariff.provisional_set", organisation_id=None, after={
            "year": year, "pl_pct": str(index.rate_pct), "created": len(created), "updated": len(updated),
            "services": sorted(t.service_id for t in [*created, *updated])[:200],
        })
    return ProvisionalResult(year=year, pl_pct=index.rate_pct, created=len(created), updated=len(updated),
                             kept=kept)


@transaction.atomic
def tariffs_provisional_ensure(*, actor: Actor, year: int) -> ProvisionalResult:
    """The year's provisional tariffs for every service that lacks an approved one (secretariat or console)."""
    if not can_maintain_price_index(actor):
        raise NotAllowed("Kun sekretariatet kan danne foreløbige takster.")
    if not 2000 <= year <= 2100:
        raise DomainError(f"Året {year} ligger uden for 2000–2100.", field="year")
    return _provisional_sync(actor=actor, year=year)
