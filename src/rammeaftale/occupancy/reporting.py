"""What an occupancy report is made of (reads): the agreement's report periods and deadlines from the rules in
force, the offers that report, their figures from the placements, the expected true-up from the tariff engine, and
the texts the rulebook asks for. The writes (draft, explain, submit) are in services.py."""
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.bulk import id_lists
from rammeaftale.core.errors import DomainError
from rammeaftale.core.money import kr_to_ore, ore_to_kr
from rammeaftale.engine.occupancy import Period
from rammeaftale.engine.tariff import TariffInputError, Unit, days_in_year, tariff_calculate
from rammeaftale.engine.true_up import TariffIncome, TrueUpInput, true_up_calculate
from rammeaftale.occupancy.inputs import budgeted_occupancy, offer_occupancy
from rammeaftale.occupancy.models import OccupancyReport, OccupancyReportLine, TrueUpOutlook
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement, Offer, OfferCategory
from rammeaftale.registry.regions import REGION_CODES
from rammeaftale.registry.rules import rulebook_of, rules_in_force
from rammeaftale.registry.selectors import region_resolve
from rammeaftale.rulebooks.models import ReportPeriod
from rammeaftale.tariffs.models import ServiceBudget
from rammeaftale.tariffs.selectors import engine_service_budget
from rammeaftale.tariffs.timeline import TariffSpan, tariff_spans

# Drafting and submitting

PERIOD_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
CENT = Decimal("0.01")


def da_date(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _da(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


# Periods and agreements


@dataclass(frozen=True)
class ReportingPeriod:
    """One report of a year under an agreement: the covered days [start, end) and the deadline."""

    agreement: Agreement
    year: int
    quarter: int
    rule: ReportPeriod
    start: date
    end: date
    deadline: date

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def label_da(self) -> str:
        """The report as people name it: «1.–3. kvartal 2026» (the rule's own name) or «3. kvartal 2026»."""
        name = self.rule.name if getattr(self.rule, "name", "") else f"{self.quarter}. kvartal"
        return f"{name} {self.year}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def deviation_mode(self) -> str:
        return rulebook_of(self.agreement.rulebook).occupancy.deviation_mode.value


def period_parse(text: str) -> tuple[int, int]:
    match = PERIOD_PATTERN.match((text or "").strip().upper())
    if not match:
        raise DomainError(
            f"Ukendt periode «{text}»: skriv år og kvartal, fx 2025-Q1 (1. maj-indberetningen) eller 2025-Q3.",
            field="period", message_en=f"unknown period {text!r}: expected YYYY-Qn, e.g. 2025-Q1",
        )
    return int(match.group(1)), int(match.group(2))


def agreement_resolve(text: str, *, year: int) -> Agreement:
    """An agreement by id, or the agreement of a region (code or name) that governs the year."""
    value = (text or "").strip()
    if value.isdigit() and value not in REGION_CODES.values():
        agreement = Agreement.objects.select_related("region", "rulebook").filter(pk=int(value)).first()
        if agreement is None:
            raise DomainError(f"Ukendt rammeaftale «{text}».", field="agreement",
                              message_en=f"unknown agreement {text!r}")
        governing = _governing(agreement.region, year)
        if governing is not None and governing.pk != agreement.pk:
            raise DomainError(
                f"Rammeaftalen «{agreement}» dækker {agreement.year_from}–{agreement.year_to}; for {year} gælder "
                f"«{governing}» (id {governing.pk}).",
                field="agreement", message_en=f"agreement {agreement.pk} does not govern {year}",
            )
        return agreement
    try:
        region = region_resolve(value)
    except DomainError as error:
        raise DomainError(
            f"Ukendt rammeaftale «{text}»: angiv rammeaftalens id eller regionen (fx syddanmark eller 1083).",
            field="agreement", message_en=f"unknown agreement {text!r}",
        ) from error
    return rules_in_force(region=region, on=date(year, 1, 1)).agreement


def _governing(region: Organisation, year: int) -> Agreement | None:
    """The agreement whose rules govern the report periods of the year (those in force on its 1 January)."""
    try:
        return rules_in_force(region=region, on=date(year, 1, 1)).agreement
    except DomainError:
        return None


def reporting_period(agreement: Agreement, code: str) -> ReportingPeriod:
    """The rulebook's report whose period ends with the quarter of `code` (2025-Q1: the report due 1 May)."""
    year, quarter = period_parse(code)
    periods = reporting_periods(agreement, year)
    if not periods:
        raise DomainError(
            f"Regelbogen for «{agreement}» har ingen indberetning af belægning; der er ingen periode {code}.",
            field="period", message_en="the agreement's rulebook has no occupancy reports",
        )
    for period in periods:
        if period.quarter == quarter:
            return period
    known = ", ".join(f"{period.code} ({period.rule.name}, frist {da_date(period.deadline)})" for period in periods)
    raise DomainError(
        f"Ukendt periode «{code}»: rammeaftalen «{agreement}» indberetter for {known}.",
        field="period", message_en=f"the agreement has no report for {code}",
    )


def region_reporting_periods(region: Organisation | int, year: int) -> list[ReportingPeriod]:
    """The report periods of the year under the rules in force for the region (none without an agreement)."""
    if not isinstance(region, Organisation):
        region = Organisation.objects.get(pk=region)
    agreement = _governing(region, year)
    return reporting_periods(agreement, year) if agreement is not None else []


def reporting_periods(agreement: Agreement, year: int) -> list[ReportingPeriod]:
    """The agreement's reports of the year; each named by the quarter its period ends with (QUARTER_ENDS)."""
    periods = []
    for rule in rulebook_of(agreement.rulebook).occupancy.reports.value:
        start, end = rule.period_for(year)
        last = end - timedelta(days=1)
        quarter = next((q for q, month_day in QUARTER_ENDS.items() if month_day == (last.month, last.day)), None)
        if quarter is None:
            continue  # a report not ending with a quarter has no YYYY-Qn name; no rulebook has one
        periods.append(ReportingPeriod(agreement=agreement, year=year, quarter=quarter, rule=rule, start=start,
                                       end=end, deadline=rule.deadline_for(year)))
    return periods


# Which offers report, and their figures


def reporting_offers(period: ReportingPeriod, *, operator_id: int | None = None) -> list[Offer]:
    """The region's offers whose category in the year is one the rulebook has report (klynge, højt specialiseret)."""
    categories = rulebook_of(period.agreement.rulebook).occupancy.report_categories.value
    offer_ids = OfferCategory.objects.filter(
        year=period.year, category__in=categories,
        offer__municipality__region_id=period.agreement.region_id,
    ).values_list("offer_id", flat=True)
    offers = Offer.objects.filter(pk__in=offer_ids).select_related("operator").order_by("operator__name", "name")
    if operator_id is not None:
        offers = offers.filter(operator_id=operator_id)
    return list(offers)


@dataclass(frozen=True)
class TrueUpEstimate:
    outlook: str
    result_ore: int | None
    to_tariff_ore: int | None
    tariff_year: int | None


def deviation(*, actual_pct: Decimal, budgeted_pct: Decimal, mode: str) -> Decimal:
    """Actual minus budgeted, in percentage points or relative to the budgeted in % (signed, 2 decimals)."""
    difference = actual_pct - budgeted_pct
    if mode == "relative":
        if budgeted_pct == 0:
            return Decimal(0) if difference == 0 else Decimal(100)
        difference = difference / budgeted_pct * 100
    return difference.quantize(CENT, rounding=ROUND_HALF_UP)


def true_up_estimate(*, lines: list[ServiceBudget], year: int, rulebook, occupied_days: int,
                     capacity_days: int, spans: dict[int, list[TariffSpan]] | None = None) -> TrueUpEstimate:
    """The year's tariff result if the occupancy so far holds for the rest of the year, through the tariff engine.

    The offer's budget lines for the year (with their service) give each day service's cost-based budget; occupied
    days for the whole year are projected from the period's occupancy (occupied ÷ capacity place-days × places × days
    in the year) and priced at the tariff in force on each day (`spans`, the tariff timeline: the year's tariff and
    any mid-year change; the budget's own tariff where the service has none on record); costs are taken as
    budgeted, so the result comes from occupancy and the tariffs charged. The true-up engine then applies the
    rulebook's model (what the operator may keep, what enters the tariff of year t+2).
    """
    day_lines = [line for line in lines if line.service.unit == Unit.DAY and line.places]
    if not day_lines or not capacity_days:
        return TrueUpEstimate(outlook=TrueUpOutlook.UNKNOWN, result_ore=None, to_tariff_ore=None, tariff_year=None)
    conversion = rulebook.monthly_conversion_fraction(year)
    try:
        result = tariff_calculate(services=[engine_service_budget(line) for line in day_lines], year=year,
                                  monthly_conversion=conversion)
    except TariffInputError:
        return TrueUpEstimate(outlook=TrueUpOutlook.UNKNOWN, result_ore=None, to_tariff_ore=None, tariff_year=None)
    share = Decimal(occupied_days) / Decimal(capacity_days)
    income, budget = [], Decimal(0)
    for line, service in zip(day_lines, result.services, strict=True):
        charged = [span for span in (spans or {}).get(line.service_id, []) if span.valid_from.year == year]
        if charged:
            income += [TariffIncome(occupied_days=share * line.places * (span.valid_to - span.valid_from).days,
                                    tariff_kr=ore_to_kr(span.amount_ore)) for span in charged]
        else:
            income.append(TariffIncome(occupied_days=share * line.places * days_in_year(year),
                                       tariff_kr=service.unit_tariff_kr))
        budget += service.basis_kr
    rules = rulebook.true_up
    outcome = true_up_calculate(
        data=TrueUpInput(year=year, cost_based_budget_kr=budget, cost_based_accounts_kr=budget, income=tuple(income)),
        mode=rules.mode.value, limit_pct=rules.limit_pct.value, year_offset=rules.enters_tariff_year_offset.value,
        reserve_use_within_years=rules.reserve_use_within_years.value if rules.reserve_use_within_years else None,
    )
    outlook = (TrueUpOutlook.SURPLUS if outcome.result_kr > 0
               else TrueUpOutlook.DEFICIT if outcome.result_kr < 0 else TrueUpOutlook.BALANCED)
    return TrueUpEstimate(outlook=outlook, result_ore=kr_to_ore(outcome.result_kr),
                          to_tariff_ore=kr_to_ore(outcome.to_tariff_kr), tariff_year=outcome.enters_tariff_year)


def report_line_figures(period: ReportingPeriod, offers: list[Offer]) -> list[OccupancyReportLine]:
    """Unsaved lines with the period's figures for the offers (the operator's texts left empty)."""
    rulebook = rulebook_of(period.agreement.rulebook)
    mode = rulebook.occupancy.deviation_mode.value
    ids = [offer.pk for offer in offers]
    last_day = Period(name="last_day", start=period.last_day, end=period.end)  # its capacity = the places then
    figures = offer_occupancy(periods=[Period(name=period.code, start=period.start, end=period.end), last_day],
                              offer_ids=ids)
    budget_lines: dict[int, list[ServiceBudget]] = {}
    categories: dict[int, str] = {}
    for chunk in id_lists(ids):
        categories.update(OfferCategory.objects.filter(year=period.year, offer_id__in=chunk).order_by()
                          .values_list("offer_id", "category"))
        for line in (ServiceBudget.objects.filter(budget__offer_id__in=chunk, budget__year=period.year)
                     .select_related("service", "budget").order_by("service_id")):
            budget_lines.setdefault(line.budget.offer_id, []).append(line)
    budgeted = budgeted_occupancy(year=period.year, offer_ids=ids)
    spans = tariff_spans(service_ids={line.service_id for offer_lines in budget_lines.values() for line in offer_lines},
                         first_day=date(period.year, 1, 1), last_day=date(period.year + 1, 1, 1))
    lines = []
    for offer in offers:
        figure = figures.get((offer.pk, period.code))
        occupied = figure.occupied_days if figure else 0
        capacity = figure.capacity_days if figure else 0
        actual = figure.pct if figure else None
        plan = budgeted.get(offer.pk)
        difference = None if actual is None or plan is None else deviation(actual_pct=actual, budgeted_pct=plan,
                                                                            mode=mode)
        over = (actual is not None and plan is not None
                and rulebook.occupancy_deviation_is_reportable(budgeted_pct=plan, actual_pct=actual))
        estimate = true_up_estimate(lines=budget_lines.get(offer.pk, []), year=period.year, rulebook=rulebook,
                                    occupied_days=occupied, capacity_days=capacity, spans=spans)
        places = figures.get((offer.pk, "last_day"))
        lines.append(OccupancyReportLine(
            offer=offer, category=categories.get(offer.pk, ""), places=places.capacity_days if places else 0,
            occupied_days=occupied, capacity_days=capacity, actual_pct=actual, budgeted_pct=plan,
            deviation_pct=difference, over_threshold=over, outlook=estimate.outlook,
            expected_result_ore=estimate.result_ore, expected_to_tariff_ore=estimate.to_tariff_ore,
            expected_tariff_year=estimate.tariff_year,
        ))
    return lines


REPORT_TEXT_LABELS = {"assessment": "vurdering af efterregulering", "challenges": "udfordringer",
                      "initiatives": "initiativer"}


def report_texts(report: OccupancyReport) -> tuple[str, ...]:
    """What the report's rulebook asks of an offer over the threshold (`occupancy.report_texts`), in its order."""
    return rulebook_of(report.agreement.rulebook).occupancy.report_texts.value


def report_texts_da(texts: tuple[str, ...]) -> str:
    """«vurdering af efterregulering, udfordringer og initiativer»: the texts as one Danish phrase."""
    labels = [REPORT_TEXT_LABELS[text] for text in texts]
    return " og ".join([", ".join(labels[:-1]), labels[-1]]) if len(labels) > 1 else "".join(labels)


def missing_explanations(report: OccupancyReport) -> list[str]:
    """What an over-threshold line still lacks of the texts the rulebook asks for, one Danish sentence per line
    (row number as on the page)."""
    texts = report_texts(report)
    problems = []
    for row, line in enumerate(report.lines.select_related("offer").order_by("-over_threshold", "offer__name"), 1):
        if not line.over_threshold:
            continue
        missing = [REPORT_TEXT_LABELS[text] for text in texts if not getattr(line, text).strip()]
        if missing:
            problems.append(
                f"Række {row}, «{line.offer.name}»: belægningen {_da(line.actual_pct)} % afviger "
                f"{_da(abs(line.deviation_pct))} {'procentpoint' if report.deviation_mode == 'percentage_points' else '%'}"
                f" fra de budgetterede {_da(line.budgeted_pct)} % (tærskel {_da(report.threshold_pct)} %); "
                f"mangler: {', '.join(missing)}."
            )
    return problems
