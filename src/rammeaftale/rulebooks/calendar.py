"""The agreement's year (årshjul) from a rulebook: the deadlines that fall in a year, each day read from the one
parameter that holds it (the entry's own month-day, or the tariffs', occupancy reports' or market's parameter)."""

from dataclasses import dataclass
from datetime import date

from rammeaftale.rulebooks.display import CALENDAR_PARTY_NAMES_DA, CALENDAR_RECORD_NAMES_DA
from rammeaftale.rulebooks.models import CalendarEntry, Param, ReportPeriod, Rulebook
from rammeaftale.rulebooks.values import month_day_parse


@dataclass(frozen=True)
class CalendarDeadline:
    """One deadline of one year: what, who, the day, and the basis of each."""

    key: str  # unique in the year: the entry, and for a report the quarter it ends ("occupancy_reports-q1")
    entry: str  # the calendar parameter ("tariffs_next_year")
    name_da: str
    party: str  # CalendarParty
    record: str  # CalendarRecord: which records show it met
    due: date
    basis: Param  # the calendar entry: who must meet it and what shows it met (source or assumed)
    day_path: str  # the parameter the day is read from ("tariffs.approval_deadline", or "calendar.<entry>")
    day_basis: Param  # that parameter (its source or assumed)
    report: ReportPeriod | None = None  # an occupancy report: the rule of the report
    report_year: int | None = None  # and the year it covers

    @property
    def party_da(self) -> str:
        return CALENDAR_PARTY_NAMES_DA[self.party]

    @property
    def record_da(self) -> str:
        return CALENDAR_RECORD_NAMES_DA[self.record]


def calendar_entries(rulebook: Rulebook) -> list[tuple[str, str, Param[CalendarEntry]]]:
    """The rulebook's calendar entries as (name, Danish title, parameter), in the order of the year's work."""
    calendar = rulebook.calendar
    entries = [
        ("styringsaftale", calendar.styringsaftale),
        ("tariffs_next_year", calendar.tariffs_next_year),
        ("categorisation_next_year", calendar.categorisation_next_year),
        ("occupancy_reports", calendar.occupancy_reports),
        ("regional_takeover_notice", calendar.regional_takeover_notice),
        ("regional_takeover", calendar.regional_takeover),
        ("expense_increase_report", calendar.expense_increase_report),
        ("expense_increase_discussion", calendar.expense_increase_discussion),
    ]
    titles = type(calendar).model_fields
    return [(name, titles[name].title or name, param) for name, param in entries if param is not None]


def calendar_year(rulebook: Rulebook, *, year: int) -> list[CalendarDeadline]:
    """Every deadline of the rulebook that falls in `year`, by day (a fixed date outside the year is left out)."""
    deadlines: list[CalendarDeadline] = []
    for name, title, param in calendar_entries(rulebook):
        entry = param.value
        common = {"entry": name, "party": entry.party, "record": entry.record, "basis": param}
        if entry.month_day is not None:
            deadlines.append(CalendarDeadline(key=name, name_da=title, due=date(year, *month_day_parse(entry.month_day)),
                                              day_path=f"calendar.{name}", day_basis=param, **common))
        elif entry.date_from == "tariffs.approval_deadline":
            day = rulebook.tariffs.approval_deadline
            deadlines.append(CalendarDeadline(key=name, name_da=title, due=date(year, *month_day_parse(day.value)),
                                              day_path=entry.date_from, day_basis=day, **common))
        elif entry.date_from == "occupancy.reports":
            reports = rulebook.occupancy.reports
            for report_year in (year - 1, year):  # a report's deadline may fall in the year after its period
                for report in reports.value:
                    due = report.deadline_for(report_year)
                    if due.year == year:
                        deadlines.append(CalendarDeadline(
                            key=f"{name}-{report_year}-{report.period_end}", name_da=f"{title}: {report.name}",
                            due=due, day_path=entry.date_from, day_basis=reports, report=report,
                            report_year=report_year, **common))
        else:
            market = rulebook.market
            day = (market.regional_takeover_notice_by if entry.date_from == "market.regional_takeover_notice_by"
                   else market.regional_takeover_by)
            if day.value.year == year:
                deadlines.append(CalendarDeadline(key=name, name_da=title, due=day.value, day_path=entry.date_from,
                                                  day_basis=day, **common))
    return sorted(deadlines, key=lambda deadline: deadline.due)  # stable: same day, the order of the year's work
