"""The twice-yearly occupancy report: figures from placements, the 5 % rule, the expected true-up, drafting and
submitting (late accepted and marked; over the threshold needs text), the secretariat's compiled report, CLI, API."""
import base64
import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.money import kr_to_ore
from rammeaftale.engine.tariff import days_in_year
from rammeaftale.occupancy.models import ReportStatus, TrueUpOutlook
from rammeaftale.occupancy.reporting import agreement_resolve, deviation, period_parse, reporting_period
from rammeaftale.occupancy.selectors import compiled_report, compiled_report_json, report_get
from rammeaftale.occupancy.services import report_draft, report_line_explain, report_submit
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import OfferCategory
from rammeaftale.tariffs.models import ServiceBudget, Tariff, TariffBudget, TariffChange, TariffOrigin
from tests.conftest import PASSWORD, TODAY
from tests.spreadsheets import AT_SUM, HYPERLINK, assert_text_not_formula

YEAR = 2020  # the Syddanmark 2019–2020 rulebook has the two reports (seed-000, "Opfølgning på belægningen")


def _offer(make_offer, system, agreements, operator, *, name, places, occupied, budgeted_pct="95", year=YEAR):
    offer = make_offer(operator, name=name, places=places)
    if year < 2020:  # make_offer's capacity starts in 2020
        registry_services.offer_capacity_set(actor=system, offer=offer, valid_from=date(year, 1, 1), places=places)
    OfferCategory.objects.create(offer=offer, year=year, category="klynge", reason="test")
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    # The tariff charged is the budget's own (6,000,000 kr. over places × days × budgeted occupancy), as calculated.
    units = Decimal(places) * days_in_year(year) * Decimal(budgeted_pct) / 100
    tariff_kr = (Decimal(6_000_000) / units).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    Tariff.objects.create(service=basis, year=year, amount_ore=kr_to_ore(tariff_kr), origin=TariffOrigin.PUBLISHED)
    syd = next(a for a in agreements if a.region.code == "1083" and a.year_from <= year <= a.year_to)
    budget = TariffBudget.objects.create(offer=offer, year=year, rulebook=syd.rulebook)
    ServiceBudget.objects.create(budget=budget, service=basis, salaries_ore=600_000_000, places=places,
                                 budgeted_occupancy_pct=Decimal(budgeted_pct))
    for index in range(occupied):
        placement_request(actor=system, request=PlacementRequest(
            offer=offer, paying_municipality=operator, acting_municipality=operator, citizen_name=f"Borger {index}",
            cpr=f"0101{80 + index}1234",
            start_date=date(year, 1, 1), planned_end=None, custody="", contact_name="Sagsbehandler"),
            reserve=True, over_occupancy_reason="")
    return offer


@pytest.fixture
def syd_agreement(agreements):
    return next(a for a in agreements if a.region.code == "1083" and a.year_from == 2019)


@pytest.fixture
def world(agreements, odense, esbjerg, make_offer, make_user, actor_of, system, secretariat_syd):
    under = _offer(make_offer, system, agreements, odense, name="Bostedet Æblehaven", places=10, occupied=8)
    within = _offer(make_offer, system, agreements, odense, name="Bostedet Pæretræet", places=4, occupied=4,
                    budgeted_pct="98")
    esbjerg_offer = _offer(make_offer, system, agreements, esbjerg, name="Klyngen Vest", places=5, occupied=5)
    return {
        "under": under, "within": within, "esbjerg_offer": esbjerg_offer,
        "odense_economist": actor_of(make_user(odense, Role.ECONOMIST, username="oekonomi-o")),
        "odense_caseworker": actor_of(make_user(odense, Role.CASEWORKER)),
        "esbjerg_economist": actor_of(make_user(esbjerg, Role.ECONOMIST)),
        "secretariat": actor_of(make_user(secretariat_syd, Role.SECRETARIAT, username="sek")),
    }


def test_period_and_agreement_bad_input_is_named(syd_agreement, agreements):
    with pytest.raises(DomainError, match="Ukendt periode «2020-Q5»") as error:
        period_parse("2020-Q5")
    assert error.value.field == "period"
    with pytest.raises(DomainError, match="indberetter for 2020-Q1 \\(1. kvartal, frist 1.5.2020\\), 2020-Q3"):
        reporting_period(syd_agreement, "2020-Q2")
    with pytest.raises(DomainError, match="Ukendt rammeaftale «nowhere»"):
        agreement_resolve("nowhere", year=YEAR)
    with pytest.raises(DomainError, match="Ukendt rammeaftale «999999»"):
        agreement_resolve("999999", year=YEAR)
    assert agreement_resolve("syddanmark", year=YEAR) == syd_agreement
    assert agreement_resolve(str(syd_agreement.pk), year=YEAR) == syd_agreement
    hovedstaden = agreement_resolve("hovedstaden", year=2022)
    with pytest.raises(DomainError, match="ingen indberetning af belægning"):
        reporting_period(hovedstaden, "2022-Q1")
    period = reporting_period(syd_agreement, "2020-Q3")
    assert (period.start, period.last_day, period.deadline) == (date(2020, 1, 1), date(2020, 9, 30), date(2020, 11, 1))


def test_deviation_in_points_and_relative():
    assert deviation(actual_pct=Decimal("80"), budgeted_pct=Decimal("95"), mode="percentage_points") == Decimal("-15.00")
    assert deviation(actual_pct=Decimal("90"), budgeted_pct=Decimal("95"), mode="relative") == Decimal("-5.26")


def test_draft_figures_threshold_and_expected_true_up(world, syd_agreement, odense):
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    lines = {line.offer.name: line for line in report.lines.select_related("offer")}
    under = lines["Bostedet Æblehaven"]
    # Q1 2020 has 91 days (leap year): 8 of 10 places all quarter.
    assert (under.occupied_days, under.capacity_days) == (8 * 91, 10 * 91)
    assert (under.actual_pct, under.budgeted_pct, under.deviation_pct) == (Decimal("80.00"), Decimal("95.00"),
                                                                           Decimal("-15.00"))
    assert under.over_threshold
    assert under.outlook == TrueUpOutlook.DEFICIT
    # Costs as budgeted (6,000,000 kr.), income at 80/95 of budget: a deficit of 6,000,000 × 15/95 ≈ 947,368 kr.
    # (the day tariff is rounded to the øre, so within 20 kr.); 5 % (300,000 kr.) is carried over, the rest raises
    # the tariff of 2022.
    assert under.expected_result_ore == pytest.approx(-94_736_842, abs=2_000)
    assert under.expected_to_tariff_ore == under.expected_result_ore * -1 - 30_000_000
    assert under.expected_tariff_year == 2022 and under.expected_affects_tariff
    within = lines["Bostedet Pæretræet"]
    assert (within.actual_pct, within.deviation_pct, within.over_threshold) == (Decimal("100.00"), Decimal("2.00"),
                                                                                False)
    assert "Klyngen Vest" not in lines  # Esbjerg's offer is Esbjerg's to report
    assert AuditEvent.objects.filter(event_type="occupancy_report.drafted").count() == 1


def test_the_expected_true_up_prices_the_days_at_the_tariffs_charged(world, syd_agreement, odense):
    """The tariff timeline, not the budget's own tariff: a mid-year rise of the tariff charged shrinks the deficit."""
    basis = world["under"].services.get()
    first = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    before = first.lines.get(offer=world["under"]).expected_result_ore
    rate = Tariff.objects.get(service=basis, year=YEAR).amount_ore
    TariffChange.objects.create(service=basis, valid_from=date(YEAR, 7, 1), amount_ore=rate + 10_000, reason="Rettet")
    again = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    after = again.lines.get(offer=world["under"]).expected_result_ore
    # 184 days from 1 July at 100 kr. more, for the projected 8 of 10 places: 8 × 184 × 100 kr. = 147,200 kr.
    assert after - before == 14_720_000


def test_over_threshold_without_text_cannot_be_submitted(world, syd_agreement, odense):
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    with pytest.raises(DomainError) as error:
        report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 20))
    message = error.value.message_da
    assert "Række 1, «Bostedet Æblehaven»: belægningen 80,00 % afviger 15,00 procentpoint" in message
    assert "skal have vurdering af efterregulering, udfordringer og initiativer, som rammeaftalen beder om" in message
    assert "mangler: vurdering af efterregulering, udfordringer, initiativer." in message
    assert "Pæretræet" not in message
    # Seed 000 (2019–2020) asks for the challenges and the initiatives too: the assessment alone is not enough.
    report_line_explain(actor=world["odense_economist"], line=report.lines.get(over_threshold=True),
                        assessment="affects_tariff", challenges="", initiatives="")
    with pytest.raises(DomainError, match="mangler: udfordringer, initiativer\\.") as error:
        report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 20))
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not AuditEvent.objects.filter(
        event_type="occupancy_report.submitted").exists()


def test_report_texts_are_those_the_rulebook_asks_for_2017_only_the_assessment(
        agreements, odense, make_offer, make_user, actor_of, system, client):
    # Correction (issue 10 c): seed 002 (2017) asks only "om det vurderes, at afvigelsen medfører en
    # efterregulering …"; the challenges and initiatives of seed 000 are not required, nor shown.
    _offer(make_offer, system, agreements, odense, name="Bostedet Kastanjen", places=10, occupied=8, year=2017)
    user = make_user(odense, Role.ECONOMIST, username="oekonomi-2017")
    economist = actor_of(user)
    agreement = next(a for a in agreements if a.region.code == "1083" and a.year_from == 2017)
    report = report_draft(actor=economist, agreement=agreement, operator=odense, code="2017-Q1")
    line = report.lines.get(over_threshold=True)
    client.force_login(user)
    page = client.get(f"/belaegning/indberetning/{report.pk}/").content.decode()
    assert f'name="line-{line.pk}-assessment"' in page
    assert f'name="line-{line.pk}-challenges"' not in page and f'name="line-{line.pk}-initiatives"' not in page
    assert "udfordringer med belægningen" not in page
    with pytest.raises(DomainError) as error:
        report_submit(actor=economist, report=report, today=date(2017, 4, 20))
    assert "skal have vurdering af efterregulering, som rammeaftalen beder om" in error.value.message_da
    assert "mangler: vurdering af efterregulering." in error.value.message_da
    assert not AuditEvent.objects.filter(event_type="occupancy_report.submitted").exists()
    url = f"/belaegning/indberetning/{report.pk}/"
    asked = client.post(url, {"step": "submit", f"line-{line.pk}-assessment": "no_effect"})
    html = asked.content.decode()
    assert asked.status_code == 200 and f"Indsend indberetningen {report.name} 2017?" in html
    assert "Sekretariatet i Region Syddanmark" in html and "for sent" in html  # today, 6.12.2026, is past the deadline
    assert re.search(r'id="confirm-offers">\d+, heraf 1 over tærsklen', html)
    assert f'id="confirm-deadline">{report.deadline.day}. ' in html
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.lines.get(pk=line.pk).assessment == "no_effect"  # saved
    assert not AuditEvent.objects.filter(event_type="occupancy_report.submitted").exists()
    response = client.post(url, {"step": "submit", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == url
    assert "er markeret som for sent" in client.get(url).content.decode()
    report.refresh_from_db()
    line = report.lines.get(over_threshold=True)  # submitting recomputes the lines; the texts stay with the offer
    assert report.status == ReportStatus.SUBMITTED and (line.assessment, line.challenges) == ("no_effect", "")


def _explain(world, report):
    line = report.lines.get(over_threshold=True)
    report_line_explain(actor=world["odense_economist"], line=line, assessment="affects_tariff",
                        challenges="To pladser står tomme.", initiatives="Pladserne er meldt ud.")


def test_submitted_by_the_deadline_is_on_time_and_after_it_is_accepted_and_marked_late(world, syd_agreement, odense):
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    with pytest.raises(DomainError, match="Perioden slutter først 31.3.2020"):
        report_submit(actor=world["odense_economist"], report=report, today=date(2020, 3, 15))
    _explain(world, report)
    submitted = report_submit(actor=world["odense_economist"], report=report, today=date(2020, 5, 1))
    assert (submitted.status, submitted.is_late, submitted.submitted_on) == ("submitted", False, date(2020, 5, 1))
    with pytest.raises(DomainError, match="allerede indsendt"):
        report_submit(actor=world["odense_economist"], report=report, today=date(2020, 5, 2))

    late = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q3")
    _explain(world, late)
    late = report_submit(actor=world["odense_economist"], report=late, today=date(2020, 11, 2))
    assert late.is_late and late.status == ReportStatus.SUBMITTED
    event = AuditEvent.objects.filter(event_type="occupancy_report.submitted").latest("pk")
    assert event.reason == "efter fristen"


def test_only_the_operators_economists_report_and_others_do_not_see_it(world, syd_agreement, odense):
    with pytest.raises(NotAllowed):
        report_draft(actor=world["odense_caseworker"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    with pytest.raises(NotAllowed):
        report_draft(actor=world["esbjerg_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    with pytest.raises(NotFound):
        report_get(actor=world["esbjerg_economist"], report_id=report.pk)
    assert report_get(actor=world["secretariat"], report_id=report.pk) == report


def test_the_page_saves_every_line_at_once_with_an_audit_event_per_changed_line(world, syd_agreement, odense):
    from django.urls import reverse

    from rammeaftale.occupancy.services import report_lines_explain

    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    over = report.lines.get(offer=world["under"])
    within = report.lines.get(offer=world["within"])
    events = AuditEvent.objects.filter(event_type="occupancy_report.line_explained")
    with pytest.raises(DomainError, match="Ukendt vurdering «måske»"):
        report_lines_explain(actor=world["odense_economist"], report=report, explanations={
            over.pk: {"assessment": "no_effect", "challenges": "Tomme pladser."}, within.pk: {"assessment": "måske"}})
    assert events.count() == 0 and report.lines.get(pk=over.pk).challenges == ""  # nothing written
    with pytest.raises(NotAllowed):
        report_lines_explain(actor=world["esbjerg_economist"], report=report,
                             explanations={over.pk: {"challenges": "Udefra."}})
    other = report_draft(actor=world["esbjerg_economist"], agreement=syd_agreement, operator=world["esbjerg_offer"].operator,
                         code="2020-Q1")
    with pytest.raises(DomainError, match="hører ikke til indberetningen"):
        report_lines_explain(actor=world["odense_economist"], report=report,
                             explanations={other.lines.get().pk: {"challenges": "Forkert indberetning."}})
    changed = report_lines_explain(actor=world["odense_economist"], report=report, explanations={
        over.pk: {"assessment": "affects_tariff", "challenges": "  To pladser står tomme. ", "initiatives": "Meldt ud."},
        within.pk: {"assessment": "", "challenges": "", "initiatives": ""}})  # unchanged: no write, no event
    assert [line.pk for line in changed] == [over.pk] and events.count() == 1
    event = events.get()
    assert event.object_id == str(over.pk) and event.organisation_id == odense.pk
    assert event.before["challenges"] == "" and event.after["challenges"] == "To pladser står tomme."
    assert event.actor_id == world["odense_economist"].user_id
    # The page posts every line over the threshold in one save.
    client = Client()
    assert client.login(username="oekonomi-o", password=PASSWORD)
    response = client.post(reverse("occupancy:report", args=[report.pk]), {
        "step": "save", f"line-{over.pk}-assessment": "no_effect", f"line-{over.pk}-challenges": "Færre henvisninger.",
        f"line-{over.pk}-initiatives": "Meldt ud.", f"line-{within.pk}-challenges": "Ikke på siden."})
    assert response.status_code == 302 and events.count() == 2
    saved, untouched = report.lines.get(pk=over.pk), report.lines.get(pk=within.pk)
    assert (saved.assessment, saved.challenges) == ("no_effect", "Færre henvisninger.")
    assert untouched.challenges == ""  # a line within the threshold has no texts on the page
    # Through htmx the save answers with the page's feedback part, not a redirect to the whole page.
    page = client.get(reverse("occupancy:report", args=[report.pk])).content.decode()
    assert 'hx-target="#report-feedback"' in page and '<div id="report-feedback">' in page
    partial = client.post(reverse("occupancy:report", args=[report.pk]), {
        "step": "save", f"line-{over.pk}-assessment": "no_effect", f"line-{over.pk}-challenges": "",
        f"line-{over.pk}-initiatives": "Meldt ud."}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in text
    assert 'id="report-feedback"' in text and "Kladden er gemt." in text
    assert "mangler: udfordringer" in text  # the emptied text is named at once
    assert events.count() == 3 and report.lines.get(pk=over.pk).challenges == ""
    bad = client.post(reverse("occupancy:report", args=[report.pk]), {
        "step": "save", f"line-{over.pk}-assessment": "måske"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "Ukendt vurdering «måske»" in bad.content.decode() and events.count() == 3
    client.post(reverse("occupancy:report", args=[report.pk]), {
        "step": "save", f"line-{over.pk}-assessment": "no_effect", f"line-{over.pk}-challenges": "Færre henvisninger.",
        f"line-{over.pk}-initiatives": "Meldt ud."}, HTTP_HX_REQUEST="true")
    report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 28))
    with pytest.raises(DomainError, match="er indsendt og kan ikke ændres"):
        report_lines_explain(actor=world["odense_economist"], report=report,
                             explanations={over.pk: {"challenges": "Efter indsendelsen."}})
    assert events.count() == 4


def test_the_report_page_loads_a_chart_per_offer_over_the_threshold_for_whoever_sees_the_report(
        world, syd_agreement, odense):
    from django.urls import reverse

    from rammeaftale.accounts.models import User

    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    economist, secretariat, outsider = Client(), Client(), Client()
    assert economist.login(username="oekonomi-o", password=PASSWORD)
    assert secretariat.login(username="sek", password=PASSWORD)
    outsider.force_login(User.objects.get(pk=world["esbjerg_economist"].user_id))
    page = economist.get(reverse("occupancy:report", args=[report.pk])).content.decode()
    over_url = reverse("occupancy:report_chart", args=[report.pk, world["under"].pk])
    within_url = reverse("occupancy:report_chart", args=[report.pk, world["within"].pk])
    assert f'hx-get="{over_url}"' in page and within_url not in page and "<svg" not in page
    first, again = economist.get(over_url).content.decode(), secretariat.get(over_url).content.decode()
    assert first.startswith("<svg ") and 'aria-label="Bostedet Æblehaven: belægning pr. måned 2020"' in first
    ids = re.compile(r'id="([^"]+)"')
    assert set(ids.findall(first)).isdisjoint(ids.findall(again))  # the same drawing, its ids fresh for each use
    assert re.sub(r"chartc\d+-", "", first) == re.sub(r"chartc\d+-", "", again)
    assert outsider.get(over_url).status_code == 404  # another operator does not see the report
    assert economist.get(within_url).status_code == 404  # only the offers over the threshold have a chart
    assert Client().get(over_url).status_code == 302  # to the login


def test_secretariat_sees_status_late_list_and_compiled_lines(world, syd_agreement, odense):
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    _explain(world, report)
    report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 28))
    compiled = compiled_report(actor=world["secretariat"], agreement=syd_agreement, code="2020-Q1",
                               today=date(2020, 5, 10))
    statuses = {str(status.operator): status for status in compiled.statuses}
    assert statuses["Odense Kommune"].status_label == "Indberettet" and not statuses["Odense Kommune"].is_late
    assert statuses["Esbjerg Kommune"].status_label == "Ikke påbegyndt" and statuses["Esbjerg Kommune"].is_late
    assert [str(status.operator) for status in compiled.late] == ["Esbjerg Kommune"]
    data = compiled_report_json(compiled)
    offers = {offer["offer"]: offer for offer in data["offers"]}
    assert offers["Bostedet Æblehaven"]["reported"] and offers["Bostedet Æblehaven"]["challenges"]
    assert offers["Klyngen Vest"]["reported"] is False and offers["Klyngen Vest"]["actual_pct"] == "100.00"
    assert data["late"] == [{"code": "561", "name": "Esbjerg Kommune", "status_da": "Ikke påbegyndt"}]
    assert (data["threshold_pct"], data["deviation_mode"], data["deadline"]) == ("5.00", "percentage_points",
                                                                                  "2020-05-01")
    before = compiled_report(actor=world["secretariat"], agreement=syd_agreement, code="2020-Q1",
                             today=date(2020, 4, 30))
    assert before.late == []
    with pytest.raises(NotAllowed):
        compiled_report(actor=world["odense_economist"], agreement=syd_agreement, code="2020-Q1", today=TODAY)


def test_cli_prints_the_compiled_report_and_names_bad_input(world, syd_agreement):
    out = StringIO()
    call_command("occupancy", "report", "--agreement", "syddanmark", "--period", "2020-Q1", "--as-of", "2020-06-01",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert data["period"] == "2020-Q1" and data["agreement"]["id"] == syd_agreement.pk
    assert {offer["offer"] for offer in data["offers"]} == {"Bostedet Æblehaven", "Bostedet Pæretræet", "Klyngen Vest"}
    assert len(data["late"]) == 2
    for arguments, field in ((["--agreement", "syddanmark", "--period", "2020-Q2"], "period"),
                             (["--agreement", "atlantis", "--period", "2020-Q1"], "agreement"),
                             (["--agreement", "syddanmark", "--period", "første kvartal"], "period")):
        out = StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("occupancy", "report", *arguments, stdout=out)
        assert exit_.value.code == 2
        assert json.loads(out.getvalue())["error"]["field"] == field


def _client(username: str) -> Client:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return Client(HTTP_AUTHORIZATION=f"Basic {token}")


def test_api_draft_explain_submit_and_compiled(world, syd_agreement):
    economist = _client("oekonomi-o")
    response = economist.post("/api/occupancy/reports", {"agreement": "syddanmark", "period": "2020-Q1"},
                              content_type="application/json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["required_texts"] == ["assessment", "challenges", "initiatives"]  # seed 000
    line = next(line for line in report["lines"] if line["over_threshold"])
    response = economist.post(f"/api/occupancy/reports/{report['id']}/submit")
    assert response.status_code == 400 and response.json()["field"] == "lines"
    response = economist.put(f"/api/occupancy/reports/{report['id']}/lines/{line['id']}",
                             {"assessment": "no_effect", "challenges": "Tomme pladser.", "initiatives": "Ingen."},
                             content_type="application/json")
    assert response.status_code == 200 and response.json()["assessment"] == "no_effect"
    response = economist.post(f"/api/occupancy/reports/{report['id']}/submit")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["late"] is True  # today is long after 1 May 2020
    secretariat = _client("sek")
    response = secretariat.get("/api/occupancy/reports/compiled", {"agreement": "syddanmark", "period": "2020-Q1"})
    # Æblehaven (80 % of 95) and Esbjerg's Klyngen Vest (100 % of 95: 5 points, "5 % eller mere")
    assert response.status_code == 200 and response.json()["over_threshold"] == 2
    response = secretariat.get("/api/occupancy/reports/compiled", {"agreement": "syddanmark", "period": "2020-Q2"})
    assert response.status_code == 400 and "Ukendt periode" in response.json()["message"]
    assert economist.get("/api/occupancy/reports/compiled",
                         {"agreement": "syddanmark", "period": "2020-Q1"}).status_code == 403


def test_offer_occupancy_by_quarter_and_year_against_budget(world):
    from rammeaftale.occupancy.selectors import offer_occupancy_year

    data = offer_occupancy_year(actor=world["esbjerg_economist"], offer_id=world["under"].pk, year=YEAR,
                                today=date(2020, 5, 15))
    rows = {row.period: row for row in data.rows}
    assert list(rows) == ["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4", "2020-YTD", "2020"]
    assert (rows["2020-Q1"].occupied_days, rows["2020-Q1"].capacity_days) == (728, 910)
    assert (rows["2020-YTD"].occupied_days, rows["2020-YTD"].capacity_days) == (8 * 135, 10 * 135)  # to 15 May
    assert rows["2020"].actual_pct == Decimal("80.00") and rows["2020"].over_threshold
    assert len(data.months) == 12 and data.budgeted_pct == Decimal("95.00")
    response = _client("oekonomi-o").get(f"/api/occupancy/offers/{world['under'].pk}", {"year": YEAR})
    assert response.status_code == 200 and response.json()["periods"][0]["actual_pct"] == "80.00"
    response = _client("oekonomi-o").get(f"/api/occupancy/offers/{world['under'].pk}", {"year": 1800})
    assert response.status_code == 422 and response.json()["field"] == "year"  # years 2000–2100: the API contract
    assert _client("oekonomi-o").get("/api/occupancy/offers/999999", {"year": YEAR}).status_code == 404
    browser = Client()
    assert browser.login(username="oekonomi-o", password=PASSWORD)
    page = browser.get(f"/belaegning/tilbud/{world['under'].pk}/", {"year": YEAR})
    assert page.status_code == 200 and "80,00 %" in page.content.decode() and "<svg" not in page.content.decode()
    chart_url = f"/belaegning/tilbud/{world['under'].pk}/graf/?year={YEAR}"
    assert f'hx-get="{chart_url}"' in page.content.decode()  # the chart comes after the page
    chart = browser.get(chart_url).content.decode()
    assert chart.startswith("<svg ") and f"{world['under'].name}: belægning pr. måned {YEAR}" in chart
    assert Client().get(chart_url).status_code == 302  # to the login


def test_a_report_submitted_by_the_system_opens_on_every_page_and_export(world, syd_agreement, odense, system):
    """The demo submits as the platform (no user): every page, export and API answer of the report still opens
    and says «systemet» where a person's name would stand (issue 11: `submitted_by` is None)."""
    from django.urls import reverse

    report = report_draft(actor=system, agreement=syd_agreement, operator=odense, code="2020-Q1")
    _explain(world, report)
    report = report_submit(actor=system, report=report, today=date(2020, 4, 28))
    assert report.submitted_by is None
    economist, secretariat = Client(), Client()
    assert economist.login(username="oekonomi-o", password=PASSWORD)
    assert secretariat.login(username="sek", password=PASSWORD)
    for client in (economist, secretariat):
        response = client.get(reverse("occupancy:report", args=[report.pk]))
        assert response.status_code == 200
        assert "af systemet" in response.content.decode()
    compiled_url = reverse("occupancy:compiled", args=[syd_agreement.pk, "2020-Q1"])
    assert secretariat.get(compiled_url).status_code == 200
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        response = secretariat.get(reverse("occupancy:compiled_export", args=[syd_agreement.pk, "2020-Q1", fmt]))
        assert response.status_code == 200 and response.content.startswith(magic)
    assert economist.get(reverse("occupancy:overview")).status_code == 200
    for client, path in ((_client("oekonomi-o"), f"/api/occupancy/reports/{report.pk}"),
                         (_client("oekonomi-o"), "/api/occupancy/reports"),
                         (_client("sek"), "/api/occupancy/reports/compiled?agreement=syddanmark&period=2020-Q1")):
        assert client.get(path).status_code == 200


def test_the_compiled_xlsx_writes_formulas_in_names_and_texts_as_text(world, syd_agreement, odense):
    """Issue 11: an offer named =HYPERLINK(…) became a live formula in the export (xlsxwriter's default)."""
    from rammeaftale.occupancy.exports import compiled_xlsx

    type(world["under"]).objects.filter(pk=world["under"].pk).update(name=HYPERLINK)
    type(odense).objects.filter(pk=odense.pk).update(name=AT_SUM)
    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    line = report.lines.get(over_threshold=True)
    report_line_explain(actor=world["odense_economist"], line=line, assessment="affects_tariff",
                        challenges="-2 pladser", initiatives="+1 medarbejder")
    report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 28))
    compiled = compiled_report(actor=world["secretariat"], agreement=syd_agreement, code="2020-Q1",
                               today=date(2020, 5, 10))
    assert_text_not_formula(compiled_xlsx(compiled), HYPERLINK, AT_SUM, "-2 pladser", "+1 medarbejder")


def test_the_compiled_page_narrows_the_offers_to_an_operator_or_the_unreported(world, syd_agreement, odense,
                                                                               esbjerg):
    """Issue 16: the secretariat's list of offers over the threshold filters by operator and by «not reported»;
    the operator's words stand under the offer's figures."""
    from django.urls import reverse

    report = report_draft(actor=world["odense_economist"], agreement=syd_agreement, operator=odense, code="2020-Q1")
    _explain(world, report)
    report_submit(actor=world["odense_economist"], report=report, today=date(2020, 4, 28))
    secretariat = Client()
    assert secretariat.login(username="sek", password=PASSWORD)
    url = reverse("occupancy:compiled", args=[syd_agreement.pk, "2020-Q1"])

    def lines(query: str = "") -> str:
        page = secretariat.get(f"{url}?{query}").content.decode()
        return page.split('id="compiled-lines"')[1].split("</table>")[0]

    everything = lines()
    assert "Bostedet Æblehaven" in everything
    assert "<strong>Udfordringer:</strong> To pladser står tomme." in everything
    assert "<strong>Initiativer:</strong> Pladserne er meldt ud." in everything
    assert "Bostedet Æblehaven" in lines(f"operator={odense.pk}")
    assert "Bostedet Æblehaven" not in lines(f"operator={esbjerg.pk}")
    assert "Bostedet Æblehaven" not in lines("reported=no")
    assert "Ingen tilbud passer til filtret." in lines(f"operator={odense.pk}&reported=no")
    assert "Bostedet Æblehaven" in lines("operator=x")  # a malformed id filters nothing
