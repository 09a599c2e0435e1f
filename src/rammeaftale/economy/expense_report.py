"""Sjælland's report of expense increases (issue 14, part 4).

Seed-004, Fokusområde 1, «Fælles om takster og kontrakter»: "Vi indberetter udgiftsstigninger i døgn- og botilbud til
Socialtilsyn Øst, hvis de overstiger 5 pct." The rulebook holds it as `tariffs.expense_increase_report_pct` (5) and
`tariffs.expense_increase_report_offer_types` (residential). Which tariffs rose more than that from the year before is
the tariff list's decision (`tariffs.selectors.tariff_list(flag="report")`: the growth engine compares the exact
growth, never a rounded one); this module lists them as the report, with the operator's explanation and the steering
group's status, and records that status.
"""
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import is_region_secretariat
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.economy.models import DiscussionStatus, ExpenseIncreaseStatus
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.tariffs.models import Tariff
from rammeaftale.tariffs.selectors import TariffRow, tariff_list

NOTE_MAX = 500


@dataclass(frozen=True)
class ReportRow:
    row: TariffRow  # the tariff list's row: the tariff, last year's, the exact growth and its flags
    explanation: str  # the operator's, "" where none is recorded yet
    status: str  # DiscussionStatus
    note: str

    @property
    def status_label(self) -> str:
        return DiscussionStatus(self.status).label


@dataclass(frozen=True)
class ExpenseReport:
    region: Organisation
    year: int
    report_above_pct: object  # Decimal, or None where the region's rules ask for no report
    offer_types: tuple[str, ...]
    rows: list[ReportRow]
    may_set_status: bool
    rule_source: str

    @property
    def applies(self) -> bool:
        return self.report_above_pct is not None


def _operator_scope(actor: Actor, region_id: int) -> int | None:
    """The region's secretariat sees every row (None); an operator its own offers' rows (its id)."""
    if is_region_secretariat(actor, region_id=region_id):
        return None
    if actor.organisation_id and actor.region_id == region_id and actor.has_role(
            Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR):
        return actor.organisation_id
    raise NotAllowed("Indberetningen af udgiftsstigninger er for regionens sekretariat og driftsherrerne selv.",
                     message_en="the expense increase report is for the region's secretariat and the operators")


def expense_report(*, actor: Actor, region_id: int, year: int) -> ExpenseReport:
    """The year's tariffs in the region that rose more than the rulebook's limit from the year before."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    region = Organisation.objects.filter(pk=region_id, kind=OrganisationKind.REGION).first()
    if region is None:
        raise NotFound("Regionen findes ikke.", message_en="Region not found.")
    operator_id = _operator_scope(actor, region.pk)
    in_force = rules_in_force(region=region, on=date(year, 1, 1))
    limit = in_force.rulebook.tariffs.expense_increase_report_pct
    types = in_force.rulebook.tariffs.expense_increase_report_offer_types
    source = ""
    if limit is not None and getattr(limit, "source", None) is not None:
        source = f"{limit.source.doc}, {limit.source.section}: »{limit.source.quote}«"
    if limit is None:
        return ExpenseReport(region, year, None, (), [], False, source)
    listing = tariff_list(actor=actor, agreement=in_force.agreement, year=year, operator_id=operator_id,
                          flag="report")
    tariff_ids = [row.tariff.pk for row in listing.rows]
    explanations = dict(Tariff.objects.filter(pk__in=tariff_ids, explanation__isnull=False)
                        .values_list("pk", "explanation__text"))
    statuses = {status.tariff_id: status for status in ExpenseIncreaseStatus.objects.filter(tariff_id__in=tariff_ids)}
    rows = [ReportRow(row=row, explanation=explanations.get(row.tariff.pk, ""),
                      status=statuses[row.tariff.pk].status if row.tariff.pk in statuses
                      else DiscussionStatus.NOT_DISCUSSED,
                      note=statuses[row.tariff.pk].note if row.tariff.pk in statuses else "")
            for row in listing.rows]
    return ExpenseReport(region, year, limit.value, tuple(types.value) if types else (), rows,
                         may_set_status=is_region_secretariat(actor, region_id=region.pk), rule_source=source)


@transaction.atomic
def expense_increase_status_set(*, actor: Actor, tariff_id: int, status: str, note: str = "") -> ExpenseIncreaseStatus:
    """The region's secretariat records where the steering group's discussion of a reported increase stands."""
    tariff = Tariff.objects.select_related("service__offer__municipality").filter(pk=tariff_id).first()
    if tariff is None:
        raise NotFound("Taksten findes ikke.", message_en="Tariff not found.")
    region_id = tariff.service.offer.municipality.region_id
    if not is_region_secretariat(actor, region_id=region_id):
        raise NotAllowed("Kun regionens sekretariat sætter styregruppens status.")
    if status not in DiscussionStatus.values:
        raise DomainError(f"Ukendt status «{status}».", field="status", message_en="unknown status")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Bemærkningen er {len(note)} tegn; højst {NOTE_MAX}.", field="note",
                          message_en=f"note longer than {NOTE_MAX} characters")
    report = expense_report(actor=actor, region_id=region_id, year=tariff.year)
    if tariff.pk not in {row.row.tariff.pk for row in report.rows}:
        raise DomainError("Taksten er ikke blandt årets udgiftsstigninger, der skal indberettes.", field="tariff",
                          message_en="the tariff is not among the year's reported increases")
    before = ExpenseIncreaseStatus.objects.filter(tariff=tariff).values("status", "note").first()
    record, _ = ExpenseIncreaseStatus.objects.update_or_create(
        tariff=tariff, defaults={"status": status, "note": note, "decided_by_id": actor.user_id})
    audit_record(actor=actor, event_type="expense_increase.status_set", organisation_id=region_id, obj=record,
                 before=before, after={"tariff": tariff.pk, "year": tariff.year, "status": status, "note": note})
    return record
