"""The agreement's year without a database: each party's status from hand-made facts, the reminder window, and the
rulebook's calendar (days read from the parameter that holds them, never copied)."""
from datetime import date

import pytest

from rammeaftale.engine.deadlines import DeadlineStatus, PartyFacts, deadline_status, reminder_due
from rammeaftale.rulebooks import RulebookError, rulebook_load, rulebook_load_path
from rammeaftale.rulebooks.calendar import calendar_year
from rammeaftale.rulebooks.sources import DATA_DIR

DUE = date(2027, 5, 1)


@pytest.mark.parametrize(("facts", "today", "expected"), [
    (PartyFacts(), date(2027, 4, 1), DeadlineStatus.NOT_STARTED),
    (PartyFacts(started=True), date(2027, 4, 1), DeadlineStatus.IN_PROGRESS),
    (PartyFacts(started=True), DUE, DeadlineStatus.IN_PROGRESS),  # the day itself is in time ("senest den 1. maj")
    (PartyFacts(started=True), date(2027, 5, 2), DeadlineStatus.LATE),
    (PartyFacts(), date(2027, 5, 2), DeadlineStatus.LATE),
    (PartyFacts(started=True, done=True, done_on=DUE), date(2027, 6, 1), DeadlineStatus.DONE),
    (PartyFacts(done=True, done_on=date(2027, 5, 2)), date(2027, 6, 1), DeadlineStatus.DONE_LATE),
    (PartyFacts(done=True, done_on=date(2027, 5, 2)), date(2027, 5, 3), DeadlineStatus.DONE_LATE),
    (PartyFacts(done=True), date(2027, 6, 1), DeadlineStatus.DONE),  # done, the records keep no day
    (PartyFacts(done=True, done_on=date(2027, 3, 1)), date(2027, 2, 1), DeadlineStatus.DONE),  # early
    (PartyFacts(applicable=False, started=True), date(2027, 6, 1), DeadlineStatus.NOT_APPLICABLE),
])
def test_status_is_derived_from_the_facts_and_the_day(facts, today, expected):
    assert deadline_status(due=DUE, facts=facts, today=today) == expected


@pytest.mark.parametrize(("status", "today", "expected"), [
    (DeadlineStatus.NOT_STARTED, date(2027, 4, 16), False),  # 15 days before
    (DeadlineStatus.NOT_STARTED, date(2027, 4, 17), True),  # 14 days before
    (DeadlineStatus.IN_PROGRESS, date(2027, 4, 30), True),  # a missed daily run still reminds
    (DeadlineStatus.IN_PROGRESS, DUE, True),
    (DeadlineStatus.LATE, date(2027, 5, 2), False),  # past: no reminder
    (DeadlineStatus.DONE, date(2027, 4, 20), False),
    (DeadlineStatus.NOT_APPLICABLE, date(2027, 4, 20), False),
])
def test_a_reminder_is_due_within_the_days_before_an_open_deadline(status, today, expected):
    assert reminder_due(due=DUE, status=status, today=today, days_before=14) is expected


def test_the_calendar_reads_each_day_from_the_parameter_that_holds_it():
    rulebook = rulebook_load(key="syddanmark-2019-2020")
    deadlines = {d.key: d for d in calendar_year(rulebook, year=2027)}
    assert [d.due for d in calendar_year(rulebook, year=2027)] == [
        date(2027, 5, 1), date(2027, 10, 15), date(2027, 10, 15), date(2027, 10, 15), date(2027, 11, 1)]
    tariffs = deadlines["tariffs_next_year"]
    assert (tariffs.party, tariffs.record, tariffs.day_path) == ("operators", "tariffs_next_year",
                                                                 "tariffs.approval_deadline")
    assert tariffs.day_basis is rulebook.tariffs.approval_deadline  # the one parameter, not a copy
    first = deadlines["occupancy_reports-2027-03-31"]
    assert (first.name_da, first.report_year, first.report) == (
        "Indberetning af belægning: 1. kvartal", 2027, rulebook.occupancy.reports.value[0])
    assert deadlines["categorisation_next_year"].basis.source.doc == "seed-000"
    # The takeover's days are dates: the notice falls in 2020, the takeover itself in 2021, neither in 2027.
    assert "regional_takeover_notice" not in deadlines
    assert {d.key: d.due for d in calendar_year(rulebook, year=2020)}["regional_takeover_notice"] == date(2020, 1, 1)
    assert {d.key: d.due for d in calendar_year(rulebook, year=2021)}["regional_takeover"] == date(2021, 1, 1)


def test_sjaellands_expense_report_has_its_own_assumed_days():
    deadlines = {d.key: d for d in calendar_year(rulebook_load(key="sjaelland-2025-2026"), year=2026)}
    report = deadlines["expense_increase_report"]
    assert (report.due, report.party, report.record) == (date(2026, 11, 15), "operators",
                                                         "expense_increase_explanations")
    assert report.basis.assumed and report.day_path == "calendar.expense_increase_report"
    assert deadlines["expense_increase_discussion"].party == "secretariat"
    assert not any(key.startswith("occupancy_reports") for key in deadlines)  # Sjælland has no reports


def _edited(tmp_path, old: str, new: str, key: str = "hovedstaden-2021-2022"):
    text = (DATA_DIR / f"{key}.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / f"{key}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_an_entry_gives_exactly_one_day(tmp_path):
    path = _edited(tmp_path, 'record = "agreement_next_year", month_day = "12-01" }',
                   'record = "agreement_next_year", month_day = "12-01", date_from = "tariffs.approval_deadline" }')
    with pytest.raises(RulebookError, match="præcis én af month_day og date_from") as caught:
        rulebook_load_path(path=path)
    assert caught.value.key.startswith("calendar.styringsaftale")


def test_a_reference_must_name_a_parameter_the_rulebook_has(tmp_path):
    # Hovedstaden has no occupancy reports (an empty list): a calendar entry cannot take its days from them.
    path = _edited(tmp_path, 'record = "agreement_next_year", month_day = "12-01" }',
                   'record = "agreement_next_year", date_from = "occupancy.reports" }')
    with pytest.raises(RulebookError, match="occupancy.reports findes ikke eller er tom") as caught:
        rulebook_load_path(path=path)
    assert caught.value.key == "calendar.styringsaftale.value.date_from"
