"""The twice-yearly occupancy report: the operator's draft and submission (audited); what a report is made of is
read in reporting.py."""
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record, model_snapshot
from rammeaftale.accounts.models import AuditEvent
from rammeaftale.accounts.permissions import can_report_occupancy
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.occupancy.models import OccupancyReport, OccupancyReportLine, ReportStatus
from rammeaftale.occupancy.reporting import (
    ReportingPeriod,
    da_date,
    missing_explanations,
    report_line_figures,
    report_texts,
    report_texts_da,
    reporting_offers,
    reporting_period,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement
from rammeaftale.registry.rules import rulebook_of

# Drafting and submitting


def _require_reporter(actor: Actor, operator_id: int) -> None:
    if not can_report_occupancy(actor, operator_id=operator_id):
        raise NotAllowed("Kun driftsherrens økonomer indberetter belægning.",
                         message_en="only the operator's economists report occupancy")


def _refresh(report: OccupancyReport, period: ReportingPeriod) -> None:
    """Recompute a draft's figures from the placements; the operator's texts stay with their offer."""
    texts = {line.offer_id: (line.assessment, line.challenges, line.initiatives) for line in report.lines.all()}
    report.lines.all().delete()
    lines = report_line_figures(period, reporting_offers(period, operator_id=report.operator_id))
    for line in lines:
        line.report = report
        line.assessment, line.challenges, line.initiatives = texts.get(line.offer_id, ("", "", ""))
    OccupancyReportLine.objects.bulk_create(lines)
    report.computed_at = timezone.now()
    report.save(update_fields=["computed_at"])


@transaction.atomic
def report_draft(*, actor: Actor, agreement: Agreement, operator: Organisation, code: str) -> OccupancyReport:
    """The operator's report for the period: created on first use, its figures recomputed while it is a draft."""
    _require_reporter(actor, operator.pk)
    period = reporting_period(agreement, code)
    if not reporting_offers(period, operator_id=operator.pk):
        categories = ", ".join(rulebook_of(agreement.rulebook).occupancy.report_categories.value)
        raise DomainError(
            f"{operator} har ingen tilbud i de kategorier, der indberetter belægning ({categories}) i {period.year}.",
            field="operator", message_en="the operator has no offers that report occupancy",
        )
    report, created = OccupancyReport.objects.select_for_update().get_or_create(
        agreement=agreement, operator=operator, year=period.year, period=f"Q{period.quarter}",
        defaults={"name": period.rule.name, "period_start": period.start, "period_end": period.end,
                  "deadline": period.deadline, "computed_at": timezone.now(),
                  "threshold_pct": rulebook_of(agreement.rulebook).occupancy.deviation_threshold_pct.value,
                  "deviation_mode": rulebook_of(agreement.rulebook).occupancy.deviation_mode.value},
    )
    if report.status == ReportStatus.DRAFT:
        _refresh(report, period)
    if created:
        audit_record(actor=actor, event_type="occupancy_report.drafted", organisation_id=operator.pk, obj=report,
                     after=model_snapshot(report))
    return report


@transaction.atomic
def report_line_explain(*, actor: Actor, line: OccupancyReportLine, assessment: str, challenges: str,
                        initiatives: str) -> OccupancyReportLine:
    report = OccupancyReport.objects.select_for_update().get(pk=line.report_id)
    _require_reporter(actor, report.operator_id)
    if report.status != ReportStatus.DRAFT:
        raise DomainError("Indberetningen er indsendt og kan ikke ændres.", field="status",
                          message_en="the report has been submitted")
    if assessment not in ("", "affects_tariff", "no_effect"):
        raise DomainError(f"Ukendt vurdering «{assessment}».", field="assessment")
    before = model_snapshot(line)
    line.assessment, line.challenges, line.initiatives = assessment, challenges.strip(), initiatives.strip()
    line.save(update_fields=["assessment", "challenges", "initiatives"])
    audit_record(actor=actor, event_type="occupancy_report.line_explained", organisation_id=report.operator_id,
                 obj=line, before=before, after=model_snapshot(line))
    return line


TEXT_FIELDS = ("assessment", "challenges", "initiatives")


@transaction.atomic
def report_lines_explain(*, actor: Actor, report: OccupancyReport,
                         explanations: dict[int, dict[str, str]]) -> list[OccupancyReportLine]:
    """The report page's save: the texts of several lines (by line id; a text left out stays as it is) in one
    transaction. Every assessment is checked before anything is written; the changed lines are written in one
    statement, each with its own audit event as `report_line_explain` writes it (inserted together). Returns the
    lines that changed."""
    report = OccupancyReport.objects.select_for_update().get(pk=report.pk)
    _require_reporter(actor, report.operator_id)
    if report.status != ReportStatus.DRAFT:
        raise DomainError("Indberetningen er indsendt og kan ikke ændres.", field="status",
                          message_en="the report has been submitted")
    lines = {line.pk: line for line in report.lines.filter(pk__in=list(explanations)).select_related("offer")}
    unknown = sorted(set(explanations) - set(lines))
    if unknown:
        raise DomainError(f"Linjen {unknown[0]} hører ikke til indberetningen.", field="lines",
                          message_en=f"line {unknown[0]} is not in the report")
    for values in explanations.values():
        if values.get("assessment", "") not in ("", "affects_tariff", "no_effect"):
            raise DomainError(f"Ukendt vurdering «{values['assessment']}».", field="assessment")
    changed, events = [], []
    for pk in sorted(explanations):
        line = lines[pk]
        before = model_snapshot(line)
        for name in TEXT_FIELDS:
            if name in explanations[pk]:
                value = explanations[pk][name]
                setattr(line, name, value if name == "assessment" else value.strip())
        after = model_snapshot(line)
        if after == before:
            continue
        changed.append(line)
        events.append(audit_record(actor=actor, event_type="occupancy_report.line_explained",
                                   organisation_id=report.operator_id, obj=line, before=before, after=after,
                                   save=False))
    OccupancyReportLine.objects.bulk_update(changed, list(TEXT_FIELDS))
    AuditEvent.objects.bulk_create(events)
    return changed


@transaction.atomic
def report_submit(*, actor: Actor, report: OccupancyReport, today: date) -> OccupancyReport:
    """Submit: figures recomputed one last time, every over-threshold offer explained; after the deadline the
    report is accepted and marked late."""
    report = OccupancyReport.objects.select_for_update().select_related("agreement__rulebook").get(pk=report.pk)
    _require_reporter(actor, report.operator_id)
    if report.status != ReportStatus.DRAFT:
        raise DomainError("Indberetningen er allerede indsendt.", field="status",
                          message_en="the report has already been submitted")
    if today < report.period_end:
        raise DomainError(
            f"Perioden slutter først {da_date(report.period_end - timedelta(days=1))}; indberetningen kan sendes "
            "fra dagen efter.", field="period", message_en="the period has not ended yet",
        )
    _refresh(report, reporting_period(report.agreement, report.code))
    problems = missing_explanations(report)
    if problems:
        raise DomainError(
            f"Indberetningen kan ikke sendes: tilbud over tærsklen skal have {report_texts_da(report_texts(report))}, "
            "som rammeaftalen beder om. " + " ".join(problems),
            field="lines", message_en="offers over the threshold lack the required explanation",
        )
    before = model_snapshot(report)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_on = today
    report.submitted_by_id = actor.user_id
    report.is_late = today > report.deadline
    report.save()
    audit_record(actor=actor, event_type="occupancy_report.submitted", organisation_id=report.operator_id,
                 obj=report, before=before, after=model_snapshot(report),
                 reason="efter fristen" if report.is_late else "")
    return report
