"""Reading occupancy reports: the operator's own, and the secretariat's compiled report with status and late list."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_report_occupancy
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.occupancy import OccupancyFigure, pct_text, year_periods
from rammeaftale.occupancy.inputs import budgeted_occupancy, offer_occupancy
from rammeaftale.occupancy.models import OccupancyReport, OccupancyReportLine, ReportStatus
from rammeaftale.occupancy.reporting import (
    ReportingPeriod,
    deviation,
    report_line_figures,
    reporting_offers,
    reporting_period,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement, Offer
from rammeaftale.registry.rules import rulebook_of, rules_in_force


def can_compile(actor: Actor, *, region_id: int) -> bool:
    """The region's secretariat compiles the reports of its agreement (and sees who is late)."""
    return actor.is_superuser or (actor.has_role(Role.SECRETARIAT) and actor.region_id == region_id)


def can_see_report(actor: Actor, report: OccupancyReport) -> bool:
    return (can_compile(actor, region_id=report.agreement.region_id)
            or actor.organisation_id == report.operator_id or can_report_occupancy(actor, operator_id=report.operator_id))


def report_get(*, actor: Actor, report_id: int) -> OccupancyReport:
    report = (OccupancyReport.objects.select_related("agreement__region", "agreement__rulebook", "operator",
                                                     "submitted_by").filter(pk=report_id).first())
    if report is None or not can_see_report(actor, report):
        raise NotFound("Indberetningen findes ikke.", message_en="Report not found.")
    return report


def report_lines(report: OccupancyReport) -> list[OccupancyReportLine]:
    return list(report.lines.select_related("offer__operator").order_by("-over_threshold", "offer__name"))


def report_line(report: OccupancyReport, *, offer_id: int) -> OccupancyReportLine | None:
    """The report's line of an offer over the threshold (the lines that have a chart), or None."""
    return report.lines.select_related("offer").filter(offer_id=offer_id, over_threshold=True).first()


def report_lines_over_threshold(report: OccupancyReport) -> list[int]:
    """The ids of the report's lines over the threshold (those the page asks texts for)."""
    return list(report.lines.filter(over_threshold=True).order_by("pk").values_list("pk", flat=True))


def reports_of_operator(*, actor: Actor) -> list[OccupancyReport]:
    if actor.organisation_id is None:
        return []
    return list(OccupancyReport.objects.filter(operator_id=actor.organisation_id)
                .select_related("agreement").order_by("-year", "-period"))


@dataclass
class OperatorStatus:
    operator: Organisation
    offers: int
    report: OccupancyReport | None
    is_late: bool

    @property
    def status_label(self) -> str:
        if self.report is None:
            return "Ikke påbegyndt"
        if self.report.status == ReportStatus.DRAFT:
            return "Kladde"
        return "Indberettet for sent" if self.report.is_late else "Indberettet"

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status == ReportStatus.SUBMITTED


@dataclass
class CompiledReport:
    """The region's report for one period: every operator's status, who is late, and the offers' lines (from the
    submitted report where there is one, else computed now from the placements and marked not reported)."""

    period: ReportingPeriod
    as_of: date
    statuses: list[OperatorStatus]
    lines: list[OccupancyReportLine]
    reported: set[int] = field(default_factory=set)  # offer ids whose line comes from a submitted report

    @property
    def late(self) -> list[OperatorStatus]:
        return [status for status in self.statuses if status.is_late]

    @property
    def over_threshold(self) -> list[OccupancyReportLine]:
        return [line for line in self.lines if line.over_threshold]

    @property
    def deadline_passed(self) -> bool:
        return self.as_of > self.period.deadline


def compiled_report(*, actor: Actor, agreement: Agreement, code: str, today: date) -> CompiledReport:
    if not can_compile(actor, region_id=agreement.region_id):
        raise NotAllowed("Kun regionens sekretariat ser den samlede indberetning.",
                         message_en="only the region's secretariat sees the compiled report")
    period = reporting_period(agreement, code)
    offers = reporting_offers(period)
    reports = {report.operator_id: report for report in OccupancyReport.objects.filter(
        agreement=agreement, year=period.year, period=f"Q{period.quarter}").select_related("submitted_by")}
    by_operator: dict[int, list] = {}
    for offer in offers:
        by_operator.setdefault(offer.operator_id, []).append(offer)
    submitted_lines: dict[int, list[OccupancyReportLine]] = {}
    submitted_reports = {r.pk: r for r in reports.values() if r.status == ReportStatus.SUBMITTED}
    for line in (OccupancyReportLine.objects.filter(report_id__in=list(submitted_reports))
                 .select_related("offer__operator").order_by("-over_threshold", "offer__name")):
        line.report = submitted_reports[line.report_id]  # the report read above, not again per line
        submitted_lines.setdefault(line.report.operator_id, []).append(line)
    statuses, lines, reported, unreported = [], [], set(), []
    for operator_id, operator_offers in by_operator.items():
        report = reports.get(operator_id)
        submitted = report is not None and report.status == ReportStatus.SUBMITTED
        late = report.is_late if submitted else today > period.deadline
        statuses.append(OperatorStatus(operator=operator_offers[0].operator, offers=len(operator_offers),
                                       report=report, is_late=late))
        if submitted:
            own = submitted_lines.get(operator_id, [])
            lines.extend(own)
            reported.update(line.offer_id for line in own)
        else:
            unreported.extend(operator_offers)
    lines.extend(report_line_figures(period, unreported))  # one extraction for every operator not yet reported
    statuses.sort(key=lambda status: status.operator.name)
    lines.sort(key=lambda line: (not line.over_threshold, line.offer.operator.name, line.offer.name))
    return CompiledReport(period=period, as_of=today, statuses=statuses, lines=lines, reported=reported)


def _kr(ore: int | None) -> str | None:
    return None if ore is None else f"{ore_to_kr(ore):.2f}"


def line_json(line: OccupancyReportLine, *, reported: bool) -> dict:
    return {
        "offer_id": line.offer_id, "offer": line.offer.name, "operator": str(line.offer.operator),
        "operator_code": line.offer.operator.code, "category": line.category, "places": line.places,
        "occupied_days": line.occupied_days, "capacity_days": line.capacity_days,
        "actual_pct": pct_text(line.actual_pct), "budgeted_pct": pct_text(line.budgeted_pct),
        "deviation": pct_text(line.deviation_pct), "over_threshold": line.over_threshold, "reported": reported,
        "expected_outlook": line.outlook, "expected_result_kr": _kr(line.expected_result_ore),
        "expected_result_ore": line.expected_result_ore, "expected_to_tariff_kr": _kr(line.expected_to_tariff_ore),
        "expected_to_tariff_ore": line.expected_to_tariff_ore, "expected_tariff_year": line.expected_tariff_year,
        "expected_affects_tariff": line.expected_affects_tariff, "assessment": line.assessment,
        "challenges": line.challenges, "initiatives": line.initiatives,
    }


def compiled_report_json(compiled: CompiledReport) -> dict:
    period = compiled.period
    agreement = period.agreement
    rules = rulebook_of(agreement.rulebook).occupancy
    return {
        "agreement": {"id": agreement.pk, "name": agreement.name, "region": str(agreement.region),
                      "region_code": agreement.region.code, "rulebook": agreement.rulebook.key},
        "period": period.code, "name": period.rule.name, "first_day": period.start.isoformat(),
        "last_day": period.last_day.isoformat(), "deadline": period.deadline.isoformat(),
        "as_of": compiled.as_of.isoformat(), "deadline_passed": compiled.deadline_passed,
        "threshold_pct": pct_text(rules.deviation_threshold_pct.value), "deviation_mode": rules.deviation_mode.value,
        "operators": [{
            "code": status.operator.code, "name": str(status.operator), "offers": status.offers,
            "status": status.report.status if status.report else "missing", "status_da": status.status_label,
            "submitted_on": status.report.submitted_on.isoformat() if status.submitted else None,
            "late": status.is_late,
        } for status in compiled.statuses],
        "late": [{"code": status.operator.code, "name": str(status.operator), "status_da": status.status_label}
                 for status in compiled.late],
        "offers": [line_json(line, reported=line.offer_id in compiled.reported) for line in compiled.lines],
        "over_threshold": len(compiled.over_threshold),
    }


@dataclass(frozen=True)
class OfferOccupancyRow:
    period: str
    label: str
    first_day: date
    last_day: date
    occupied_days: int
    capacity_days: int
    actual_pct: Decimal | None
    budgeted_pct: Decimal | None
    deviation_pct: Decimal | None
    over_threshold: bool


@dataclass(frozen=True)
class OfferOccupancy:
    offer: Offer
    year: int
    rows: list[OfferOccupancyRow]
    months: list[OccupancyFigure]
    budgeted_pct: Decimal | None
    threshold_pct: Decimal
    deviation_mode: str


QUARTER_LABELS = {"Q1": "1. kvartal", "Q2": "2. kvartal", "Q3": "3. kvartal", "Q4": "4. kvartal"}
ROW_ORDER = ("Q1", "Q2", "Q3", "Q4", "YTD", "")  # the period name after "2025-": quarters, year to date, the year


def offer_occupancy_year(*, actor: Actor, offer_id: int, year: int, today: date) -> OfferOccupancy:
    """An offer's occupancy in each quarter, the year to date and the year, against the budgeted (aggregate
    place-days, no citizen: every logged-in user may see it)."""
    if not actor.is_authenticated:
        raise NotAllowed()
    offer = Offer.objects.select_related("operator", "municipality").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(f"Året {year} ligger uden for {YEAR_MIN}–{YEAR_MAX}.", field="year")
    periods = year_periods(year, until=today if today.year == year else None)
    figures = offer_occupancy(periods=periods, offer_ids=[offer.pk])
    budgeted = budgeted_occupancy(year=year, offer_ids=[offer.pk]).get(offer.pk)
    rulebook = rules_in_force(region=offer.municipality.region_id, on=date(year, 1, 1)).rulebook  # the year's rules
    rules = rulebook.occupancy
    rows, months = [], []
    for period in periods:
        figure = figures.get((offer.pk, period.name)) or OccupancyFigure(offer.pk, period.name, 0, 0)
        suffix = period.name[5:]
        if suffix.isdigit():
            months.append(figure)
            continue
        actual = figure.pct
        difference = (None if actual is None or budgeted is None
                      else deviation(actual_pct=actual, budgeted_pct=budgeted, mode=rules.deviation_mode.value))
        label = QUARTER_LABELS.get(suffix) or ("År til dato" if suffix == "YTD" else "Hele året")
        rows.append(OfferOccupancyRow(
            period=period.name, label=label, first_day=period.start, last_day=period.end - timedelta(days=1),
            occupied_days=figure.occupied_days, capacity_days=figure.capacity_days, actual_pct=actual,
            budgeted_pct=budgeted, deviation_pct=difference,
            over_threshold=(actual is not None and budgeted is not None
                            and rulebook.occupancy_deviation_is_reportable(budgeted_pct=budgeted, actual_pct=actual)),
        ))
    rows.sort(key=lambda row: ROW_ORDER.index(row.period[5:]))
    return OfferOccupancy(offer=offer, year=year, rows=rows, months=months, budgeted_pct=budgeted,
                          threshold_pct=rules.deviation_threshold_pct.value, deviation_mode=rules.deviation_mode.value)
