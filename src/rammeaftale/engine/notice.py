"""Notice periods: when a placement's notice runs out ("løbende måned + N måneder"), as a half-open end date, and
the first day a placement is no longer charged."""
import calendar
from datetime import date, timedelta


def first_of_month_after(day: date, months: int) -> date:
    """The first day of the month `months` months after the month of `day` (0: the next month's first day)."""
    index = day.year * 12 + (day.month - 1) + 1 + months
    return date(index // 12, index % 12 + 1, 1)


def notice_end(*, given_on: date, months: int, running_month: bool) -> date:
    """The first day no longer covered by the notice (the charging stops before it).

    With `running_month` the notice runs from the end of the month it is given in: notice given on 10 March with
    N = 3 runs to 30 June, so the end is 1 July. Without it, N months from the day after it is given: 10 March
    with N = 1 ends on 11 April (the day of month clipped to the month's length).
    """
    if months < 0:
        raise ValueError("months must not be negative")
    if running_month:
        return first_of_month_after(given_on, months)
    index = given_on.year * 12 + (given_on.month - 1) + months
    year, month = index // 12, index % 12 + 1
    last_day = min(given_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, last_day) + timedelta(days=1)

def charge_end(*, end_date: date | None, planned_end: date | None, notice_end: date | None,
               moved_out_on: date | None, notice_full_tariff: bool | None) -> date | None:
    """The first day not charged: the end, the planned end or the end of the notice; moving out ends the charge
    only where no notice runs, or where the rules in force when notice was given (`Placement.notice_full_tariff`,
    recorded then) do not charge the full tariff during notice."""
    ends = [day for day in (end_date, planned_end, notice_end) if day]
    if moved_out_on and (notice_end is None or notice_full_tariff is False):
        ends.append(moved_out_on)
    return min(ends) if ends else None
