"""The agreement's year (issue 15, part 3): statuses derived from the records, the page for the secretariat and
for a municipality (scoped), the iCalendar feed (token, wrong token, revocation), the reminders (once) and the
console's JSON with its bad input."""
import json
import subprocess
import sys
from datetime import date, datetime
from datetime import timezone as tz
from io import StringIO

import icalendar
import pytest
from django.core.management import call_command
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import NotAllowed
from rammeaftale.deadlines.models import CalendarFeed, DeadlineReminder
from rammeaftale.deadlines.records import RECORD_FACTS
from rammeaftale.deadlines.selectors import calendar_for, calendar_statuses
from rammeaftale.deadlines.services import calendar_feed_create, calendar_feed_revoke, deadline_reminders_send
from rammeaftale.engine.deadlines import DeadlineStatus
from rammeaftale.exchange.models import Notification
from rammeaftale.occupancy.models import OccupancyReport
from rammeaftale.occupancy.services import report_draft, report_line_explain, report_submit
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import OfferCategory
from rammeaftale.rulebooks.models import CalendarRecord
from rammeaftale.tariffs.models import Tariff, TariffBudget, TariffCalculation, TariffOrigin
from tests.conftest import PASSWORD


def console(*args: str) -> subprocess.CompletedProcess:
    """`rammeaftale ARGS` through Django's call_command (the test database stays open), its exit code kept."""
    out, code = StringIO(), 0
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit_:
        code = exit_.code
    return subprocess.CompletedProcess(["rammeaftale", *args], code, out.getvalue(), "")

YEAR = 2020  # Syddanmark 2019–2020: both occupancy reports, the takeover notice (1 January 2020)
AFTER = date(2020, 12, 1)  # every deadline of the year has passed


def _submit(actor, agreement, operator, code, day):
    report = report_draft(actor=actor, agreement=agreement, operator=operator, code=code)
    for line in report.lines.filter(over_threshold=True):
        report_line_explain(actor=actor, line=line, assessment="no_effect", challenges="Færre henvisninger i år.",
                            initiatives="Dialog med kommunerne om visitation.")
    return report_submit(actor=actor, report=report, today=day)


@pytest.fixture
def world(agreements, region_syd, odense, esbjerg, secretariat_syd, make_offer, make_user, actor_of, system):
    syd = next(a for a in agreements if a.region_id == region_syd.pk and a.year_from == 2019)
    people = {
        "secretariat": actor_of(make_user(secretariat_syd, Role.SECRETARIAT, username="sek")),
        "odense": actor_of(make_user(odense, Role.ECONOMIST, username="oekonomi-odense", email="o@odense.test")),
        "esbjerg": actor_of(make_user(esbjerg, Role.ECONOMIST, username="oekonomi-esbjerg")),
        "esbjerg_caseworker": actor_of(make_user(esbjerg, Role.CASEWORKER, username="sagsbehandler")),
    }
    offers = {}
    for operator, name in [(odense, "Bostedet Æblehaven"), (esbjerg, "Klyngen Vest")]:
        offer = make_offer(operator, name=name)
        OfferCategory.objects.create(offer=offer, year=YEAR, category="klynge", reason="test")
        service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        offers[operator.code] = (offer, service)
    # Next year's tariffs: Odense's is calculated (on 10 October, in time), Esbjerg has only begun its budget.
    odense_offer, odense_service = offers["461"]
    budget = TariffBudget.objects.create(offer=odense_offer, year=YEAR + 1, rulebook=syd.rulebook)
    calculation = TariffCalculation.objects.create(budget=budget, result={})
    TariffCalculation.objects.filter(pk=calculation.pk).update(calculated_at=datetime(2020, 10, 10, 12, tzinfo=tz.utc))
    Tariff.objects.create(service=odense_service, year=YEAR + 1, amount_ore=250_000, origin=TariffOrigin.CALCULATED,
                          calculation=calculation)
    TariffBudget.objects.create(offer=offers["561"][0], year=YEAR + 1, rulebook=syd.rulebook)
    # Next year's categories: one of the two offers.
    registry_services.offer_category_set(actor=system, offer=odense_offer, year=YEAR + 1, category="klynge")
    # The first report: Odense in time, Esbjerg nine days late; the second: Odense's draft only.
    _submit(people["odense"], syd, odense, f"{YEAR}-Q1", date(2020, 4, 20))
    _submit(people["esbjerg"], syd, esbjerg, f"{YEAR}-Q1", date(2020, 5, 10))
    report_draft(actor=people["odense"], agreement=syd, operator=odense, code=f"{YEAR}-Q3")
    return {"agreement": syd, "people": people, "offers": offers}


def _status(calendar, party, key):
    row = next(row for row in calendar.rows if row.party == party)
    return next(cell for cell in row.statuses if cell.deadline.key == key)


def test_every_record_kind_of_the_rulebooks_has_its_status_function():
    assert set(RECORD_FACTS) == set(CalendarRecord.__args__)


def test_each_status_is_derived_from_the_records(world, region_syd, odense, esbjerg, secretariat_syd, copenhagen):
    calendar = calendar_statuses(region=region_syd, year=YEAR, today=AFTER)
    assert [d.key for d in calendar.deadlines] == [
        "regional_takeover_notice", f"occupancy_reports-{YEAR}-03-31", "styringsaftale", "tariffs_next_year",
        "categorisation_next_year", f"occupancy_reports-{YEAR}-09-30"]
    expected = {
        (odense, f"occupancy_reports-{YEAR}-03-31"): DeadlineStatus.DONE,
        (esbjerg, f"occupancy_reports-{YEAR}-03-31"): DeadlineStatus.DONE_LATE,
        (odense, f"occupancy_reports-{YEAR}-09-30"): DeadlineStatus.LATE,  # a draft, past the deadline
        (esbjerg, f"occupancy_reports-{YEAR}-09-30"): DeadlineStatus.LATE,
        (odense, "tariffs_next_year"): DeadlineStatus.DONE,
        (esbjerg, "tariffs_next_year"): DeadlineStatus.LATE,
        (secretariat_syd, "categorisation_next_year"): DeadlineStatus.LATE,
        (secretariat_syd, "styringsaftale"): DeadlineStatus.LATE,  # no agreement covers 2021
        (odense, "regional_takeover_notice"): DeadlineStatus.NOT_APPLICABLE,  # no takeover announced
        (odense, "categorisation_next_year"): None,  # not the municipality's deadline
    }
    for (party, key), status in expected.items():
        assert _status(calendar, party, key).status == status, (party, key)
    assert _status(calendar, esbjerg, f"occupancy_reports-{YEAR}-03-31").facts.done_on == date(2020, 5, 10)
    assert _status(calendar, odense, "tariffs_next_year").facts.done_on == date(2020, 10, 10)
    assert _status(calendar, secretariat_syd, "categorisation_next_year").facts.detail == (
        f"1 af 2 tilbud har en kategori for {YEAR + 1}")
    assert _status(calendar, odense, "regional_takeover_notice").facts.detail == "Ingen overtagelse meddelt"
    # Every municipality of the region is a party of the takeover notice, with or without offers.
    assert copenhagen not in [row.party for row in calendar.rows]  # Hovedstaden's
    assert len([row for row in calendar.rows if row.party.kind == "municipality"]) == 22


def test_before_the_deadlines_the_same_records_are_in_progress_or_not_started(world, region_syd, odense, esbjerg,
                                                                               secretariat_syd):
    calendar = calendar_statuses(region=region_syd, year=YEAR, today=date(2020, 10, 1))
    assert _status(calendar, odense, f"occupancy_reports-{YEAR}-09-30").status == DeadlineStatus.IN_PROGRESS
    assert _status(calendar, esbjerg, f"occupancy_reports-{YEAR}-09-30").status == DeadlineStatus.NOT_STARTED
    assert _status(calendar, esbjerg, "tariffs_next_year").status == DeadlineStatus.IN_PROGRESS  # a budget
    assert _status(calendar, secretariat_syd, "categorisation_next_year").status == DeadlineStatus.IN_PROGRESS


def test_the_secretariat_sees_every_party_and_a_municipality_only_its_own(world, odense, esbjerg):
    people = world["people"]
    whole = calendar_for(actor=people["secretariat"], year=YEAR, today=AFTER)
    assert whole.whole_agreement and {odense, esbjerg} <= {row.party for row in whole.rows}
    own = calendar_for(actor=people["esbjerg"], year=YEAR, today=AFTER)
    assert not own.whole_agreement
    assert [row.party for row in own.rows] == [esbjerg]
    assert own.deadlines == whole.deadlines  # the deadlines themselves are the agreement's, public to its parties
    with pytest.raises(NotAllowed):
        calendar_for(actor=people["esbjerg_caseworker"], year=YEAR, today=AFTER)


def test_the_pages_show_the_secretariat_the_table_and_a_municipality_its_own_row(world, esbjerg):
    client = Client()
    client.login(username="sek", password=PASSWORD)
    page = client.get(f"/aarshjul/?aar={YEAR}").content.decode()
    assert 'id="calendar-status"' in page and "Esbjerg Kommune" in page and "Odense Kommune" in page
    assert "Færdig for sent" in page
    client.login(username="oekonomi-esbjerg", password=PASSWORD)
    page = client.get(f"/aarshjul/?aar={YEAR}").content.decode()
    assert 'id="calendar-status"' not in page and "Status for Esbjerg Kommune" in page
    assert "Odense Kommune" not in page  # never another party's status
    assert "Færdig for sent" in page  # its own first report
    bad_year = client.get("/aarshjul/?aar=2016")  # before the region's first agreement: the Danish message
    assert bad_year.status_code == 400 and "Ingen regelbog for Region Syddanmark i 2016" in bad_year.content.decode()
    client.login(username="sagsbehandler", password=PASSWORD)
    assert client.get("/aarshjul/").status_code == 403


def _events(body: bytes, year: int = YEAR) -> dict[str, icalendar.Event]:
    """The feed's events of `year` by summary (the feed has this year's and next year's)."""
    feed = icalendar.Calendar.from_ical(body)
    return {str(event["SUMMARY"]): event for event in feed.walk("VEVENT") if event.start.year == year}


def test_the_feed_serves_the_organisations_deadlines_behind_its_secret_address(world, monkeypatch):
    monkeypatch.setenv("RAMMEAFTALE_TODAY", "2020-06-01")
    token = calendar_feed_create(actor=world["people"]["odense"])
    stored = CalendarFeed.objects.get()
    assert token not in stored.token_sha256 and len(stored.token_sha256) == 64  # only the hash is kept
    response = Client().get(f"/aarshjul/kalender/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    assert _events(response.content, YEAR + 1)["Frist: Overtagelse af regionalt tilbud"].start == date(2021, 1, 1)
    assert set(events) == {
        "Frist: Meddelelse om overtagelse af regionalt tilbud", "Frist: Indberetning af belægning: 1. kvartal",
        "Frist: Næste års budgetter og takster", "Frist: Indberetning af belægning: 1.–3. kvartal"}
    report = events["Frist: Indberetning af belægning: 1.–3. kvartal"]
    assert report.start == date(2020, 11, 1) and report.end == date(2020, 11, 2)
    assert "Status 01.06.2020: I gang" in str(report["DESCRIPTION"])
    assert "seed-000" in str(report["DESCRIPTION"])
    # A wrong token is a 404, like a revoked one; a new address replaces the old.
    assert Client().get(f"/aarshjul/kalender/{token[:-2]}xx.ics").status_code == 404
    newer = calendar_feed_create(actor=world["people"]["odense"])
    assert Client().get(f"/aarshjul/kalender/{token}.ics").status_code == 404
    assert Client().get(f"/aarshjul/kalender/{newer}.ics").status_code == 200
    assert calendar_feed_revoke(actor=world["people"]["odense"]) is True
    assert Client().get(f"/aarshjul/kalender/{newer}.ics").status_code == 404
    assert list(AuditEvent.objects.filter(event_type__startswith="calendar_feed.").order_by("pk")
                .values_list("event_type", flat=True)) == [
        "calendar_feed.created", "calendar_feed.regenerated", "calendar_feed.revoked"]
    assert not any(token in json.dumps(e.after) for e in AuditEvent.objects.filter(event_type__startswith="calendar"))


def test_the_secretariats_feed_has_every_deadline_with_the_parties_counted(world, monkeypatch):
    monkeypatch.setenv("RAMMEAFTALE_TODAY", "2020-12-01")
    token = calendar_feed_create(actor=world["people"]["secretariat"])
    events = _events(Client().get(f"/aarshjul/kalender/{token}.ics").content)
    assert "Frist: Kategorisering af tilbud for næste år" in events
    assert "for sent: 1" in str(events["Frist: Styringsaftalen for næste år"]["DESCRIPTION"])


def test_the_page_makes_and_deletes_the_address(world):
    client = Client()
    client.login(username="oekonomi-odense", password=PASSWORD)
    page = client.post(f"/aarshjul/abonnement/?aar={YEAR}").content.decode()
    assert 'id="feed-url"' in page and "/aarshjul/kalender/" in page
    assert CalendarFeed.objects.filter(user__username="oekonomi-odense").exists()
    assert client.post("/aarshjul/abonnement/slet/").status_code == 302
    assert not CalendarFeed.objects.exists()
    client.login(username="sagsbehandler", password=PASSWORD)
    assert client.post("/aarshjul/abonnement/").status_code == 403
    assert not CalendarFeed.objects.exists()


def test_reminders_go_once_to_the_responsible_organisations_users(world, odense, esbjerg, system, mailoutbox=None):
    # 20 October 2020: 12 days before the second report (1 November); Odense has a draft, Esbjerg nothing.
    first = deadline_reminders_send(actor=system, today=date(2020, 10, 20))
    reminded = {(item["organisation"], item["deadline"]) for item in first.sent}
    assert reminded == {("Odense Kommune", f"occupancy_reports-{YEAR}-09-30"),
                        ("Esbjerg Kommune", f"occupancy_reports-{YEAR}-09-30")}
    notes = Notification.objects.filter(kind="deadline.reminder")
    assert {n.user.username for n in notes} == {"oekonomi-odense", "oekonomi-esbjerg"}  # not the caseworker
    assert "Indberetning af belægning: 1.–3. kvartal" in notes.first().text
    again = deadline_reminders_send(actor=system, today=date(2020, 10, 21))
    assert again.sent == [] and notes.count() == 2 and DeadlineReminder.objects.count() == 2
    # A deadline met is not reminded: on 5 October (10 days before 15 October) Odense's tariffs are calculated.
    DeadlineReminder.objects.all().delete()
    october = deadline_reminders_send(actor=system, today=date(2020, 10, 5))
    assert ("Odense Kommune", "tariffs_next_year") not in {(i["organisation"], i["deadline"]) for i in october.sent}
    assert ("Esbjerg Kommune", "tariffs_next_year") in {(i["organisation"], i["deadline"]) for i in october.sent}
    with pytest.raises(NotAllowed):
        deadline_reminders_send(actor=world["people"]["secretariat"], today=date(2020, 10, 5))


def test_the_console_prints_the_year_as_json(world):
    result = console("calendar", "--agreement", "syddanmark", "--year", str(YEAR), "--today", "2020-12-01")
    assert result.returncode == 0, result.stdout
    answer = json.loads(result.stdout)
    assert (answer["agreement"], answer["rulebook"]["key"], answer["year"]) == (
        world["agreement"].name, "syddanmark-2019-2020", YEAR)
    tariffs = next(d for d in answer["deadlines"] if d["key"] == "tariffs_next_year")
    assert (tariffs["date"], tariffs["party"], tariffs["date_from"]) == ("2020-10-15", "operators",
                                                                         "tariffs.approval_deadline")
    assert "assumed" in tariffs["date_basis"]
    assert {s["organisation"]: s["status"] for s in tariffs["statuses"]} == {
        "Odense Kommune": "done", "Esbjerg Kommune": "late"}
    # The rulebook's key names the same region; the rules are those in force in the year.
    by_key = console("calendar", "--agreement", "syddanmark-2017", "--year", str(YEAR), "--today", "2020-12-01")
    assert json.loads(by_key.stdout)["rulebook"]["key"] == "syddanmark-2019-2020"


@pytest.mark.parametrize(("args", "field", "text"), [
    (["--agreement", "syddanmark", "--year", "2016"], "year", "Ingen regelbog for «syddanmark» i 2016"),
    (["--agreement", "atlantis", "--year", "2027"], "agreement", "Ukendt rammeaftale «atlantis»"),
    (["--agreement", "atlantis-2027", "--year", "2027"], "agreement", "Ukendt rammeaftale «atlantis-2027»"),
    (["--agreement", "syddanmark", "--year", "27"], "year", "Ugyldigt år «27»"),
    (["--year", "2027"], "agreement", "Angiv rammeaftalen"),
    (["--agreement", "syddanmark", "--year", "2027", "--today", "i morgen"], "today", "Ugyldig dato «i morgen»"),
])
def test_bad_input_names_the_field_exits_2_and_writes_nothing(world, args, field, text):
    events = AuditEvent.objects.count()
    result = console("calendar", *args)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == field and error["message"].startswith(text), error
    assert AuditEvent.objects.count() == events and not DeadlineReminder.objects.exists()


def test_the_reminders_command_runs_for_a_day(world):
    result = console("calendar", "reminders", "--today", "2020-10-20")
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["reminders"]) == 2
    assert json.loads(console("calendar", "reminders", "--today", "2020-10-20").stdout)["reminders"] == []
    assert OccupancyReport.objects.count() == 3  # the run reads the records, never writes them


def test_a_malformed_year_is_named_by_the_real_console():
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "calendar", "--agreement", "syddanmark", "--year",
                          "næste år"], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["field"] == "year"
    assert "Traceback" not in run.stderr
