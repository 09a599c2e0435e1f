"""The agreement's year as JSON (`rammeaftale calendar`, docs/calendar.md), and the agreement named on the console."""
from rammeaftale.core.errors import DomainError
from rammeaftale.deadlines.selectors import CalendarYear
from rammeaftale.occupancy.reporting import agreement_resolve
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement
from rammeaftale.rulebooks import Param


def calendar_region(text: str, *, year: int) -> Organisation:
    """The region of `--agreement`: a rulebook key (syddanmark-2019-2020), or what the occupancy command takes (an
    agreement's id, a region's name or code). The rules for the year are then the ones in force
    (`rules_in_force`), whichever was named."""
    value = (text or "").strip().lower()
    by_rulebook = Agreement.objects.select_related("region").filter(rulebook__key=value).first()
    if by_rulebook is not None:
        return by_rulebook.region
    if "-" in value:
        raise DomainError(f"Ukendt rammeaftale «{text}» i --agreement: angiv regionen (fx syddanmark), regelbogens "
                          "nøgle (fx syddanmark-2019-2020) eller rammeaftalens id.", field="agreement",
                          message_en=f"unknown agreement {text!r}")
    try:
        return agreement_resolve(value, year=year).region
    except DomainError as error:
        if error.field == "date":  # the region is known, but no rules govern the year
            raise DomainError(f"Ingen regelbog for «{text}» i {year}, så året har intet årshjul: {error.message_da}",
                              field="year", code="no_agreement", message_en=error.message_en) from error
        raise


def _basis(param: Param) -> dict:
    if param.source is not None:
        return {"source": {"doc": param.source.doc, "section": param.source.section, "quote": param.source.quote}}
    return {"assumed": param.assumed}


def calendar_json(calendar: CalendarYear) -> dict:
    cells = {(row.party.pk, cell.deadline.key): cell for row in calendar.rows for cell in row.statuses}
    return {
        "region": calendar.region.name,
        "year": calendar.year,
        "today": calendar.today.isoformat(),
        "agreement": calendar.in_force.agreement.name,
        "rulebook": {"key": calendar.in_force.rulebook.key, "version": calendar.in_force.rulebook.version},
        "warning": calendar.warning_da,
        "reminder_days_before": calendar.reminder_days,
        "deadlines": [
            {
                "key": deadline.key, "name": deadline.name_da, "date": deadline.due.isoformat(),
                "party": deadline.party, "record": deadline.record, **_basis(deadline.basis),
                "date_from": deadline.day_path, "date_basis": _basis(deadline.day_basis),
                "statuses": [
                    {"organisation": str(row.party), "status": str(cell.status),
                     "done_on": cell.facts.done_on.isoformat() if cell.facts and cell.facts.done_on else None,
                     "detail": cell.facts.detail if cell.facts else ""}
                    for row in calendar.rows
                    if (cell := cells[row.party.pk, deadline.key]).status is not None
                ],
            }
            for deadline in calendar.deadlines
        ],
    }
