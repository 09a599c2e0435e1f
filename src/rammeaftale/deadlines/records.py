"""What the records show for each kind of deadline: one function per `record` code of the rulebook's calendar.

A function gets the year's context, the deadline and the responsible parties' ids, and returns each party's
`PartyFacts` (a party it leaves out has nothing to do for the deadline). The status itself is the engine's
(`engine.deadlines.deadline_status`). A record the system does not keep has `no_records_yet`; wiring it is one entry
in `RECORD_FACTS` (the takeovers read the lifecycle's proposals).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Q

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError
from rammeaftale.economy.expense_report import expense_report
from rammeaftale.economy.models import DiscussionStatus, ExpenseIncreaseStatus
from rammeaftale.engine.deadlines import PartyFacts
from rammeaftale.lifecycle.models import OfferProposal, ProposalKind, ProposalStatus
from rammeaftale.occupancy.models import OccupancyReport, ReportStatus
from rammeaftale.occupancy.reporting import region_reporting_periods, reporting_offers
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Offer, OfferCategory, Service
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.rulebooks.calendar import CalendarDeadline
from rammeaftale.tariffs.models import Tariff, TariffBudget, TariffExplanation, TariffOrigin


@dataclass(frozen=True)
class YearContext:
    region: Organisation
    year: int


Facts = dict[int, PartyFacts]
FactsFunction = Callable[[YearContext, CalendarDeadline, list[int]], Facts]


def _day(value) -> date | None:
    return value.date() if value is not None else None


def _share(done: int, total: int, what: str) -> str:
    return f"{done} af {total} {what}"


def agreement_next_year(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """The secretariat has loaded an agreement whose years hold next year (the registry keeps no day for it): the
    rules in force next 1 January are that agreement's own, not carried on."""
    try:
        in_force = rules_in_force(region=ctx.region, on=date(ctx.year + 1, 1, 1))
    except DomainError:
        in_force = None
    covered = in_force.agreement if in_force is not None and not in_force.outside_years else None
    detail = (f"«{covered.name}» dækker {ctx.year + 1}" if covered
              else f"Ingen rammeaftale for {ctx.year + 1} er indlæst")
    return {pk: PartyFacts(done=covered is not None, detail=detail) for pk in party_ids}


def tariffs_next_year(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """Each operator's services in the region: an approved (not provisional) tariff for next year is done, a budget
    for next year is a start; the day is the calculation's, where the tariff was calculated here."""
    next_year = ctx.year + 1
    services = (Service.objects.filter(offer__municipality__region=ctx.region, offer__operator_id__in=party_ids)
                .values("offer__operator_id").annotate(
                    total=Count("pk", distinct=True),
                    approved=Count("tariffs", filter=Q(tariffs__year=next_year)
                                   & ~Q(tariffs__origin=TariffOrigin.PROVISIONAL), distinct=True)))
    budgets = set(TariffBudget.objects.filter(offer__municipality__region=ctx.region, year=next_year,
                                              offer__operator_id__in=party_ids)
                  .values_list("offer__operator_id", flat=True))
    last_calculated = dict(
        Tariff.objects.filter(service__offer__municipality__region=ctx.region, year=next_year,
                              service__offer__operator_id__in=party_ids, calculation__isnull=False)
        .exclude(origin=TariffOrigin.PROVISIONAL).values("service__offer__operator_id")
        .annotate(last=Max("calculation__calculated_at")).values_list("service__offer__operator_id", "last"))
    facts = {}
    for row in services:
        operator_id, total, approved = row["offer__operator_id"], row["total"], row["approved"]
        facts[operator_id] = PartyFacts(
            started=approved > 0 or operator_id in budgets, done=approved == total,
            done_on=_day(last_calculated.get(operator_id)) if approved == total else None,
            detail=_share(approved, total, f"ydelser har en godkendt takst for {next_year}"))
    return facts


def categories_next_year(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """The region's offers with a category for next year (the secretariat's assessment, locked for the year)."""
    next_year = ctx.year + 1
    offers = Offer.objects.filter(municipality__region=ctx.region)
    total = offers.count()
    categories = OfferCategory.objects.filter(offer__in=offers, year=next_year)
    done = categories.count()
    last = categories.aggregate(last=Max("decided_at"))["last"]
    facts = PartyFacts(applicable=total > 0, started=done > 0, done=total > 0 and done == total,
                       done_on=_day(last) if done == total else None,
                       detail=_share(done, total, f"tilbud har en kategori for {next_year}"))
    return {pk: facts for pk in party_ids}


def occupancy_report(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """The operators with offers that report (by category) and their report for the period: submitted is done, a
    draft is a start; the day is the day it was submitted."""
    period = next((p for p in region_reporting_periods(ctx.region, deadline.report_year)
                   if p.rule == deadline.report), None)
    if period is None:
        return {}
    reporting: dict[int, int] = {}
    for offer in reporting_offers(period):
        if offer.operator_id in party_ids:
            reporting[offer.operator_id] = reporting.get(offer.operator_id, 0) + 1
    reports = {report.operator_id: report for report in OccupancyReport.objects.filter(
        agreement=period.agreement, year=period.year, period=f"Q{period.quarter}", operator_id__in=list(reporting))}
    facts = {}
    for operator_id, offers in reporting.items():
        report = reports.get(operator_id)
        submitted = report is not None and report.status == ReportStatus.SUBMITTED
        facts[operator_id] = PartyFacts(
            started=report is not None, done=submitted, done_on=report.submitted_on if submitted else None,
            detail=(f"{offers} tilbud skal indberettes; "
                    + ("indberettet" if submitted else "kladde" if report is not None else "ingen indberetning")))
    return facts


def no_records_yet(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """A deadline whose records the system does not keep yet: every party «not applicable», with the reason."""
    return {pk: PartyFacts(applicable=False, detail="Registreres endnu ikke i systemet") for pk in party_ids}


def _takeovers(ctx: YearContext, party_ids: list[int]):
    """Each party's takeover announced by the year and effective from it on (the first, if several), one query."""
    proposals = OfferProposal.objects.select_related("offer").filter(
        kind=ProposalKind.TAKEOVER, proposer_id__in=party_ids, offer__municipality__region=ctx.region,
        created_on__year__lte=ctx.year, effective_date__year__gte=ctx.year,
    ).exclude(status=ProposalStatus.WITHDRAWN).order_by("-created_on", "-pk")  # newest first: the first one wins
    return {proposal.proposer_id: proposal for proposal in proposals}


def takeover_notice(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """Only a municipality that takes over a regional offer has the deadline: its announcement (the proposal) is the
    record, on the day it was made; the others have nothing to do."""
    found = _takeovers(ctx, party_ids)
    return {pk: PartyFacts(done=True, done_on=found[pk].created_on, detail=f"Meddelt: {found[pk].offer.name}")
            if pk in found else PartyFacts(applicable=False, detail="Ingen overtagelse meddelt")
            for pk in party_ids}


def takeover(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """The takeover itself: done when it took effect (the registry moved the offer), started when decided."""
    facts, found = {}, _takeovers(ctx, party_ids)
    for pk in party_ids:
        proposal = found.get(pk)
        if proposal is None:
            facts[pk] = PartyFacts(applicable=False, detail="Ingen overtagelse meddelt")
        elif proposal.applied_on is not None:
            facts[pk] = PartyFacts(done=True, done_on=proposal.effective_date,
                                   detail=f"{proposal.offer.name} overtaget {proposal.effective_date:%d.%m.%Y}")
        else:
            facts[pk] = PartyFacts(started=proposal.status == ProposalStatus.DECIDED,
                                   detail=f"{proposal.offer.name}: {proposal.get_status_display().lower()}, virkning "
                                          f"{proposal.effective_date:%d.%m.%Y}")
    return facts


def _expense_rows(ctx: YearContext):
    """Next year's tariffs over the rulebook's limit (economy.expense_report), the platform reading them all."""
    try:
        report = expense_report(actor=Actor.system(username="calendar"), region_id=ctx.region.pk, year=ctx.year + 1)
    except DomainError:
        return []
    return report.rows


def expense_increase_explanations(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """Each operator's reported increases (next year's tariffs over the limit): explained is done."""
    rows = [row for row in _expense_rows(ctx) if row.row.tariff.service.offer.operator_id in party_ids]
    written = dict(TariffExplanation.objects.filter(tariff_id__in=[row.row.tariff.pk for row in rows])
                   .values_list("tariff_id", "written_at"))
    by_operator: dict[int, list] = {}
    for row in rows:
        by_operator.setdefault(row.row.tariff.service.offer.operator_id, []).append(row)
    facts = {}
    for operator_id, own in by_operator.items():
        days = [written[row.row.tariff.pk] for row in own if row.row.tariff.pk in written]
        done = len(days) == len(own)
        facts[operator_id] = PartyFacts(started=bool(days), done=done, done_on=_day(max(days)) if done else None,
                                        detail=_share(len(days), len(own), "stigninger er forklaret"))
    return facts


def expense_increase_discussion(ctx: YearContext, deadline: CalendarDeadline, party_ids: list[int]) -> Facts:
    """The steering group's status of every reported increase (recorded by the secretariat)."""
    rows = _expense_rows(ctx)
    if not rows:
        return {pk: PartyFacts(applicable=False, detail="Ingen stigninger at drøfte") for pk in party_ids}
    statuses = ExpenseIncreaseStatus.objects.filter(tariff_id__in=[row.row.tariff.pk for row in rows]).exclude(
        status=DiscussionStatus.NOT_DISCUSSED)
    discussed = statuses.count()
    last = statuses.aggregate(last=Max("decided_at"))["last"]
    facts = PartyFacts(started=discussed > 0, done=discussed == len(rows),
                       done_on=_day(last) if discussed == len(rows) else None,
                       detail=_share(discussed, len(rows), "stigninger er drøftet"))
    return {pk: facts for pk in party_ids}


RECORD_FACTS: dict[str, FactsFunction] = {
    "agreement_next_year": agreement_next_year,
    "tariffs_next_year": tariffs_next_year,
    "categories_next_year": categories_next_year,
    "occupancy_report": occupancy_report,
    "takeover_notice": takeover_notice,
    "takeover": takeover,
    "expense_increase_explanations": expense_increase_explanations,
    "expense_increase_discussion": expense_increase_discussion,
}
