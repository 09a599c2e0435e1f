"""State refusion for especially expensive single cases (Serviceloven § 176): the year's thresholds and a
municipality's claim statement (issue 14, part 2).

The thresholds of a year: the package's sourced data (`economy/data/refusion_thresholds.csv`) where it has the year,
else what a secretariat entered with its source (`RefusionThresholdYear`); a year with neither has none, and the
claim says so instead of guessing (`thresholds_for`, the one place that decides).

The claim: per citizen, the year's expenses of the paying municipality are the invoice lines it received for that
citizen's placements with service days in the year (credit notes count negative), and the days the citizen spent in
the municipality's own offers at their tariffs (`billing.settlement.internal_costs`: the same engine and tariffs as an
invoice; a month without a tariff is left out and named). Children under 18 (on 31 December
of the year) with the same household key on their placements are one case; a household key on an older citizen is
left out and named. The calculation is the engine's (`engine/refusion.py`).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.billing.models import InvoiceLine
from rammeaftale.billing.selectors import signed_amount
from rammeaftale.billing.settlement import internal_costs
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.economy.models import RefusionThresholdYear
from rammeaftale.economy.refusion_thresholds import refusion_thresholds
from rammeaftale.engine.refusion import (
    ADULT_AGE,
    RefusionBand,
    RefusionCase,
    RefusionResult,
    RefusionThresholds,
    refusion_calculate,
)
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement


def thresholds_for(year: int) -> RefusionThresholds | None:
    """The § 176 thresholds of `year`: sourced in the package, else entered by a secretariat; None: neither."""
    sourced = refusion_thresholds().get(year)
    if sourced is not None:
        return sourced
    entered = RefusionThresholdYear.objects.filter(year=year).first()
    return None if entered is None else _thresholds_of(entered)


def _bands_of(entered: RefusionThresholdYear) -> tuple[RefusionBand, ...]:
    pairs = ((entered.band_1_kr, entered.band_1_pct), (entered.band_2_kr, entered.band_2_pct),
             (entered.band_3_kr, entered.band_3_pct))
    return tuple(RefusionBand(threshold_kr=kr, rate_pct=pct) for kr, pct in pairs if kr is not None)


def _thresholds_of(entered: RefusionThresholdYear) -> RefusionThresholds:
    return RefusionThresholds(year=entered.year, bands=_bands_of(entered), level=f"indtastet for {entered.year}",
                              source=entered.source, source_url=entered.source_url)


def may_enter_thresholds(actor: Actor) -> bool:
    return actor.is_superuser or (actor.organisation_kind == OrganisationKind.SECRETARIAT
                                  and actor.has_role(Role.SECRETARIAT, Role.ADMINISTRATOR))


@dataclass(frozen=True)
class ThresholdYear:
    thresholds: RefusionThresholds
    sourced: bool  # in the package's sourced data (else entered by a secretariat)


def threshold_years() -> list[ThresholdYear]:
    """Every year with thresholds, sourced or entered, newest first."""
    years = {year: ThresholdYear(thresholds, True) for year, thresholds in refusion_thresholds().items()}
    for entered in RefusionThresholdYear.objects.all():
        years.setdefault(entered.year, ThresholdYear(_thresholds_of(entered), False))
    return [years[year] for year in sorted(years, reverse=True)]


@transaction.atomic
def refusion_thresholds_enter(*, actor: Actor, year: int, bands: list[tuple[Decimal, Decimal]], source: str,
                              source_url: str = "") -> RefusionThresholdYear:
    """A secretariat enters a year's thresholds with their source. Refused: another role, a year the package has
    sourced thresholds for, no source, bands that do not rise, more than three bands."""
    if not may_enter_thresholds(actor):
        raise NotAllowed("Kun et sekretariat kan indtaste refusionstærskler.")
    if year in refusion_thresholds():
        raise DomainError(f"{year} har kildebelagte tærskler i systemet; de kan ikke indtastes igen.", field="year",
                          message_en="the year has sourced thresholds")
    if not 1 <= len(bands) <= 3:
        raise DomainError("Angiv én til tre tærskler.", field="bands", message_en="one to three bands")
    if not source.strip():
        raise DomainError("Angiv kilden til tærsklerne (fx bekendtgørelsen eller Social- og Boligstyrelsens "
                          "udmelding for året); de gættes aldrig.", field="source", message_en="a source is required")
    try:
        RefusionThresholds(year=year, bands=tuple(RefusionBand(threshold_kr=kr, rate_pct=pct) for kr, pct in bands),
                           level=f"indtastet for {year}", source=source)
    except ValueError as error:
        raise DomainError(str(error), field="bands", message_en="bands out of range or not rising") from error
    padded = list(bands) + [(None, None)] * (3 - len(bands))
    entered, _ = RefusionThresholdYear.objects.update_or_create(year=year, defaults={
        "band_1_kr": padded[0][0], "band_1_pct": padded[0][1], "band_2_kr": padded[1][0],
        "band_2_pct": padded[1][1], "band_3_kr": padded[2][0], "band_3_pct": padded[2][1],
        "source": source.strip(), "source_url": source_url.strip(), "entered_by_id": actor.user_id})
    audit_record(actor=actor, event_type="refusion.thresholds_entered", organisation_id=actor.organisation_id,
                 obj=entered, after={"year": year, "bands": [[str(kr), str(pct)] for kr, pct in bands],
                                     "source": source.strip()})
    return entered


@dataclass(frozen=True)
class Citizen:
    case_id: str  # the placement reference of the citizen's first placement in the year
    name: str
    cpr_masked: str
    age: int  # on 31 December of the year
    household: str | None
    placements: tuple[str, ...]
    expenses_kr: Decimal
    own_offers_kr: Decimal = Decimal(0)  # of which the days in the municipality's own offers, at their tariffs


@dataclass
class RefusionClaim:
    municipality: Organisation
    year: int
    thresholds: RefusionThresholds | None
    citizens: list[Citizen]
    result: RefusionResult | None
    left_out_households: list[str] = field(default_factory=list)  # keys on citizens of 18 or more: not pooled
    left_out_over_67: list[str] = field(default_factory=list)  # 67 or more and not shown covered just before
    missing_da: str = ""
    own_offers_missing: list[str] = field(default_factory=list)  # own offers' services without a tariff in the year

    @property
    def by_case(self) -> dict[str, Citizen]:
        return {citizen.case_id: citizen for citizen in self.citizens}

    @property
    def lines(self):
        """The engine's lines over the first threshold (a refusion), largest first."""
        if self.result is None:
            return []
        return sorted((line for line in self.result.lines if line.refusion_kr > 0),
                      key=lambda line: (-line.expenses_kr, line.case_ids))

    @property
    def rows(self) -> list[tuple]:
        """Each line over the first threshold with the citizens it is made of."""
        by_case = self.by_case
        return [(line, [by_case[case_id] for case_id in line.case_ids]) for line in self.lines]


PENSION_AGE = 67  # "people over 67 stay covered if they were covered just before turning 67" (SEL § 176)


def _covered_before_67(municipality_id: int, elderly: dict[str, dict]) -> set[str]:
    """The citizens (by CPR key) of 67 or more who were a refusion case the year before they turned 67: their
    expense bought by this municipality that year over its first threshold. A year without thresholds or invoices
    shows no coverage (never guessed). The year before the birthday's year stands for «just before turning 67».
    One query per such year, for all its citizens."""
    by_year: dict[int, list[str]] = {}
    for key, person in elderly.items():
        by_year.setdefault(person["born"].year + PENSION_AGE - 1, []).append(key)
    covered = set()
    for year, keys in by_year.items():
        thresholds = thresholds_for(year)
        if thresholds is None:
            continue
        totals = (InvoiceLine.objects.filter(invoice__buyer_id=municipality_id, period_from__year=year,
                                             placement__cpr_index__in=keys)
                  .values("placement__cpr_index").annotate(total=Sum(signed_amount()))
                  .values_list("placement__cpr_index", "total"))
        covered.update(key for key, total in totals if ore_to_kr(total or 0) > thresholds.bands[0].threshold_kr)
    return covered


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _may_claim(actor: Actor, municipality_id: int) -> bool:
    return actor.is_superuser or (actor.organisation_id == municipality_id
                                  and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR))


def refusion_claim(*, actor: Actor, municipality_id: int, year: int) -> RefusionClaim:
    """The municipality's § 176 claim statement for the year (its economists and administrators only: it names the
    citizens)."""
    if not _may_claim(actor, municipality_id):
        raise NotAllowed("Refusionsopgørelsen er for kommunens egne økonomimedarbejdere.",
                         message_en="the claim statement is for the municipality's economists")
    municipality = Organisation.objects.get(pk=municipality_id, kind=OrganisationKind.MUNICIPALITY)
    thresholds = thresholds_for(year)
    claim = RefusionClaim(municipality=municipality, year=year, thresholds=thresholds, citizens=[], result=None)
    if thresholds is None:
        claim.missing_da = (f"Der er ingen tærskler for {year}: systemet har kildebelagte tærskler for "
                            f"{', '.join(str(y) for y in sorted(refusion_thresholds()))}; for andre år indtaster "
                            "sekretariatet årets tærskler med kilde.")
    spent = dict(InvoiceLine.objects.filter(invoice__buyer_id=municipality_id, period_from__year=year,
                                            placement__isnull=False)  # a fixed charge is no citizen's case
                 .values("placement_id").annotate(total=Sum(signed_amount())).values_list("placement_id", "total"))
    # The own offers' costs, where the municipality places its own citizens: their days at the offers' tariffs.
    own, missing = internal_costs(operator_id=municipality_id, year=year)
    claim.own_offers_missing = [item.message_da for item in missing]
    for placement_id, amount_ore in own.items():
        spent[placement_id] = (spent.get(placement_id) or 0) + amount_ore
    year_end = date(year, 12, 31)
    people: dict[str, dict] = {}
    for placement in (Placement.objects.filter(pk__in=list(spent)).order_by("start_date", "pk")
                      .only("reference", "citizen_name", "cpr_masked", "cpr_index", "birth_date", "household_key")):
        person = people.setdefault(placement.cpr_index, {
            "case_id": placement.reference, "name": placement.citizen_name, "cpr_masked": placement.cpr_masked,
            "age": _age(placement.birth_date, year_end), "born": placement.birth_date, "household": "",
            "placements": [], "ore": 0, "own_ore": 0})
        person["placements"].append(placement.reference)
        person["ore"] += spent[placement.pk] or 0
        person["own_ore"] += own.get(placement.pk, 0)
        person["household"] = person["household"] or placement.household_key
    covered = _covered_before_67(municipality_id, {key: person for key, person in people.items()
                                                   if person["age"] >= PENSION_AGE})
    for key, person in people.items():
        if person["age"] >= PENSION_AGE and key not in covered:
            claim.left_out_over_67.append(f"{person['name']} ({person['cpr_masked']}): {person['age']} år, ikke "
                                          f"omfattet i året før 67-årsdagen ({person['born'].year + PENSION_AGE - 1})")
            continue
        household = person["household"] or None
        if household and person["age"] >= ADULT_AGE:
            claim.left_out_households.append(f"{person['name']} ({person['cpr_masked']}): {person['age']} år, "
                                             f"husstand «{household}»")
            household = None
        claim.citizens.append(Citizen(
            case_id=person["case_id"], name=person["name"], cpr_masked=person["cpr_masked"], age=person["age"],
            household=household, placements=tuple(person["placements"]),
            expenses_kr=max(ore_to_kr(person["ore"]), Decimal(0)), own_offers_kr=ore_to_kr(person["own_ore"])))
    if thresholds is not None:
        claim.result = refusion_calculate(thresholds=thresholds, cases=[
            RefusionCase(case_id=citizen.case_id, expenses_kr=citizen.expenses_kr, household=citizen.household,
                         age=citizen.age if citizen.household else None) for citizen in claim.citizens])
    return claim
