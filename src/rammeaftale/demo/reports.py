"""Demo occupancy reports: most operators of a reporting region have reported this year's periods, some late, a
few not at all; the demo economist's own municipality (Odense) is left to report in the browser."""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import NotAllowed
from rammeaftale.occupancy.models import Assessment, OccupancyReportLine
from rammeaftale.occupancy.reporting import region_reporting_periods, reporting_offers
from rammeaftale.occupancy.services import report_draft, report_submit
from rammeaftale.parties.models import Organisation

LEFT_FOR_THE_BROWSER = "461"  # Odense: the demo login oekonomi-odense submits its own report
# The texts follow the figures they explain: an occupancy under the budgeted gets an «under» text, one over it an
# «over» text (issue 16: the demo said «over det budgetterede» of 79.2 % against 98.3 % budgeted).
CHALLENGES = {
    "under": (
        "Færre henvendelser fra kommunerne end budgetteret; pladser har stået tomme i perioden.",
        "Udflytninger i perioden er ikke blevet genbesat, fordi målgruppen har ændret sig.",
    ),
    "over": (
        "Flere henvendelser end budgetteret; tilbuddet har haft venteliste og overbelægning efter aftale.",
        "Flere borgere med massive støttebehov har krævet ekstra personale; belægningen er over det budgetterede.",
    ),
}
INITIATIVES = {
    "under": (
        "Tilbuddet er meldt ud i Tilbudsportalen med ledige pladser, og nabokommunerne er kontaktet.",
        "Tilbudsbeskrivelsen er opdateret, og to pladser omlægges til aflastning fra næste kvartal.",
    ),
    "over": (
        "Kapaciteten vurderes i næste budget; en udvidelse drøftes med regionens kommuner.",
        "Ventelisten følges månedligt, og kommunerne henvises til ledige pladser i nabotilbud.",
    ),
}


@dataclass
class ReportsDemo:
    submitted: int = 0
    late: int = 0
    drafts: int = 0
    missing: int = 0
    periods: list[str] = field(default_factory=list)


def _recent_periods(region: Organisation, today: date):
    """The reporting periods that ended within the last twelve months (this year's, or early in the year last
    year's)."""
    periods = []
    for year in (today.year - 1, today.year):
        periods.extend(period for period in region_reporting_periods(region, year)
                       if today - timedelta(days=365) < period.end <= today)
    return periods


def demo_reports_build(*, actor: Actor, regions: list[Organisation], seed: int, today: date) -> ReportsDemo:
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    result = ReportsDemo()
    for region in regions:
        rng = random.Random(f"rammeaftale-demo-reports:{seed}:{region.code}")
        for period in _recent_periods(region, today):
            agreement = period.agreement
            result.periods.append(f"{region}: {period.code}")
            operators = {offer.operator_id: offer.operator for offer in reporting_offers(period)}
            for operator in sorted(operators.values(), key=lambda organisation: organisation.code):
                draw = rng.random()
                if operator.code == LEFT_FOR_THE_BROWSER or draw < 0.12:
                    result.missing += 1
                    continue
                report = report_draft(actor=actor, agreement=agreement, operator=operator, code=period.code)
                if draw < 0.2:
                    result.drafts += 1
                    continue
                for line in OccupancyReportLine.objects.filter(report=report, over_threshold=True):
                    line.assessment = (Assessment.AFFECTS_TARIFF if line.expected_affects_tariff
                                       else Assessment.NO_EFFECT)
                    direction = "over" if (line.actual_pct or 0) > (line.budgeted_pct or 0) else "under"
                    line.challenges = rng.choice(CHALLENGES[direction])
                    line.initiatives = rng.choice(INITIATIVES[direction])
                    line.save(update_fields=["assessment", "challenges", "initiatives"])
                late = draw > 0.85
                day = (period.deadline + timedelta(days=rng.randint(1, 20)) if late
                       else period.deadline - timedelta(days=rng.randint(0, 20)))
                report_submit(actor=actor, report=report, today=min(day, today))
                result.submitted += 1
                result.late += late
    return result
