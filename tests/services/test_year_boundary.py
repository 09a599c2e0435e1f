"""Time as an axis: which rules apply on a day, the tariff timeline, provisional tariffs at the year boundary, and
a January that can always be bought and invoiced (or says in Danish what is missing)."""
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from stdnum import ean

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.models import Invoice, InvoiceKind, PaymentAccount, SettlementRun
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.core.errors import DomainError
from rammeaftale.placements.models import Placement
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import RulebookVersion
from rammeaftale.registry.rules import RULES_CARRY_YEARS, rulebook_of, rules_in_force
from rammeaftale.tariffs import services as tariff_services
from rammeaftale.tariffs.models import PriceIndex, Tariff, TariffChange, TariffOrigin
from rammeaftale.tariffs.timeline import tariff_at_year_end, tariffs_missing, tariffs_on
from tests.conftest import PASSWORD

YEAR = 2026  # this year; 2027 has no approved tariffs yet
NEXT = YEAR + 1


# Which rules apply on a day


def test_the_agreement_of_the_year_governs_and_the_newest_before_carries_on_with_a_warning(agreements,
                                                                                          region_syd):
    assert rules_in_force(region=region_syd, on=date(2017, 5, 1)).rulebook.key == "syddanmark-2017"
    covered = rules_in_force(region=region_syd, on=date(2020, 12, 31))
    assert (covered.rulebook.key, covered.outside_years, covered.warning_da) == ("syddanmark-2019-2020", False, None)
    gap = rules_in_force(region=region_syd, on=date(2018, 6, 1))  # between the 2017 and the 2019–2020 agreement
    assert gap.rulebook.key == "syddanmark-2017" and gap.outside_years
    later = rules_in_force(region=region_syd.pk, on=date(YEAR, 1, 1))
    assert later.rulebook.key == "syddanmark-2019-2020" and later.outside_years
    assert later.warning_da == ("Ingen rammeaftale for Region Syddanmark dækker 2026; reglerne fra «Rammeaftale "
                                "2019–2020, Syddanmark» (2019–2020) anvendes, til en ny aftale er indlæst.")


def test_hovedstaden_2021_22_for_2028_is_used_and_says_so(agreements, region_hovedstaden):
    rules = rules_in_force(region=region_hovedstaden, on=date(2028, 3, 1))
    assert rules.rulebook.key == "hovedstaden-2021-2022"
    assert "dækker 2028" in rules.warning_da and "(2021–2022)" in rules.warning_da


def test_a_day_far_outside_every_agreement_is_a_clear_danish_error(agreements, region_syd):
    with pytest.raises(DomainError) as before:
        rules_in_force(region=region_syd, on=date(2016, 12, 31))
    assert before.value.field == "date" and before.value.code == "no_agreement"
    assert before.value.message_da == ("Ingen rammeaftale for Region Syddanmark gælder den 31.12.2016 (regionens "
                                       "aftaler: 2017, 2019–2020); reglerne for dagen kan ikke fastlægges.")
    last_carried = 2020 + RULES_CARRY_YEARS
    assert rules_in_force(region=region_syd, on=date(last_carried, 12, 31)).outside_years
    with pytest.raises(DomainError, match=f"gælder den 01.01.{last_carried + 1}"):
        rules_in_force(region=region_syd, on=date(last_carried + 1, 1, 1))


def test_a_stored_version_is_parsed_once(agreements):
    version = RulebookVersion.objects.get(key="syddanmark-2017")
    assert rulebook_of(version) is rulebook_of(RulebookVersion.objects.get(pk=version.pk))


# The tariff timeline and provisional tariffs


@pytest.fixture
def offer(agreements, odense, make_offer, system):
    offer = make_offer(odense, name="Bostedet Æblehaven", paragraphs=("sel-108",), places=5)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=234_567, monthly_ore=7_134_746,
                          origin=TariffOrigin.CALCULATED)
    return offer


@pytest.fixture
def secretariat(secretariat_syd, make_user, actor_of):
    return actor_of(make_user(secretariat_syd, Role.SECRETARIAT))


def _basis(offer):
    return offer.services.get()


def test_the_timeline_merges_the_yearly_tariff_and_mid_year_changes(offer):
    basis = _basis(offer)
    TariffChange.objects.create(service=basis, valid_from=date(YEAR, 7, 1), amount_ore=240_000, reason="Rettet")
    assert tariffs_on(service_ids=[basis.pk], day=date(YEAR, 6, 30))[basis.pk].amount_ore == 234_567
    assert tariffs_on(service_ids=[basis.pk], day=date(YEAR, 7, 1))[basis.pk].amount_ore == 240_000
    year_end = tariff_at_year_end(service_ids=[basis.pk], year=YEAR)[basis.pk]
    assert (year_end.valid_from, year_end.valid_to, year_end.amount_ore) == (date(YEAR, 7, 1), date(NEXT, 1, 1),
                                                                             240_000)
    assert tariffs_on(service_ids=[basis.pk], day=date(NEXT, 1, 1)) == {}


def test_the_pl_of_next_year_makes_provisional_tariffs_from_the_tariff_at_year_end(offer, secretariat):
    basis = _basis(offer)
    TariffChange.objects.create(service=basis, valid_from=date(YEAR, 12, 1), amount_ore=240_000,
                                monthly_ore=7_300_000, reason="Ny normering")
    tariff_services.price_index_set(actor=secretariat, year=NEXT, rate_pct=Decimal("2.10"), source="KL, juni")
    provisional = Tariff.objects.get(service=basis, year=NEXT)
    # 240.000 øre × 1,021 = 245.040 øre exactly; the monthly 7.300.000 × 1,021 = 7.453.300.
    assert (provisional.origin, provisional.amount_ore, provisional.monthly_ore) == (
        TariffOrigin.PROVISIONAL, 245_040, 7_453_300)
    assert provisional.is_provisional and "Foreløbig takst: 2026-taksten 2.400,00 kr." in provisional.note
    assert AuditEvent.objects.get(event_type="tariff.provisional_set").after["created"] == 1
    span = tariffs_on(service_ids=[basis.pk], day=date(NEXT, 1, 1))[basis.pk]
    assert span.provisional and span.amount_ore == 245_040
    # A corrected P/L corrects the provisional tariff; half up at the øre: 240.000 × 1,0235 = 245.640.
    tariff_services.price_index_set(actor=secretariat, year=NEXT, rate_pct=Decimal("2.35"), source="KL, august")
    assert Tariff.objects.get(service=basis, year=NEXT).amount_ore == 245_640


def test_an_approved_tariff_is_never_overwritten_and_provisional_tariffs_do_not_chain(offer, secretariat, system):
    basis = _basis(offer)
    Tariff.objects.create(service=basis, year=NEXT, amount_ore=250_000, origin=TariffOrigin.CALCULATED)
    result = tariff_services.price_index_set(actor=secretariat, year=NEXT, rate_pct=Decimal("2.00"), source="KL")
    assert result.year == NEXT
    assert Tariff.objects.get(service=basis, year=NEXT).amount_ore == 250_000
    # 2028 from a provisional 2027: not formed; the missing list says why.
    Tariff.objects.filter(service=basis, year=NEXT).update(origin=TariffOrigin.PROVISIONAL)
    tariff_services.price_index_set(actor=secretariat, year=NEXT + 1, rate_pct=Decimal("2.00"), source="KL")
    assert not Tariff.objects.filter(service=basis, year=NEXT + 1).exists()
    [missing] = tariffs_missing(service_ids=[basis.pk], first_day=date(NEXT + 1, 1, 1), last_day=date(NEXT + 1, 2, 1))
    assert "2027-taksten er selv foreløbig" in missing.reason_da


def test_only_the_secretariat_forms_provisional_tariffs_and_the_console_says_what_is_missing(offer, secretariat,
                                                                                             make_user, actor_of,
                                                                                             odense, capsys):
    economist = actor_of(make_user(odense, Role.ECONOMIST))
    with pytest.raises(DomainError):
        tariff_services.tariffs_provisional_ensure(actor=economist, year=NEXT)
    with pytest.raises(SystemExit) as exit_code:
        call_command("tariff", "provisional", "--year", str(NEXT))
    assert exit_code.value.code == 2
    answer = json.loads(capsys.readouterr().out)
    assert answer["message"] == "Ingen foreløbige takster for 2027: P/L for 2027 mangler i P/L-tabellen."
    assert not Tariff.objects.filter(year=NEXT).exists()
    PriceIndex.objects.create(year=NEXT, rate_pct=Decimal("3.00"), source="KL")
    call_command("tariff", "provisional", "--year", str(NEXT))
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert Tariff.objects.get(year=NEXT).amount_ore == 241_604  # 234.567 × 1,03 = 241.604,01 → half up 241.604


# Buying a place that starts in January


def _buy(actor, offer, payer, start):
    return placement_request(actor=actor, request=PlacementRequest(
        offer=offer, paying_municipality=payer, citizen_name="Anna Andersen", cpr="0101901234", start_date=start))


def test_a_place_from_1_january_without_any_tariff_is_refused_with_what_is_missing(offer, esbjerg, make_user,
                                                                                    actor_of, client):
    caseworker_user = make_user(esbjerg, Role.CASEWORKER)
    with pytest.raises(DomainError) as error:
        _buy(actor_of(caseworker_user), offer, esbjerg, date(NEXT, 1, 1))
    assert (error.value.field, error.value.code) == ("services", "no_tariff")
    assert ("«Døgnophold» (Bostedet Æblehaven) fra 01.01.2027: ingen takst for 2027, og den foreløbige takst "
            "(2026-taksten × P/L) kan ikke dannes, fordi P/L for 2027 mangler i P/L-tabellen") in error.value.message_da
    assert not Placement.objects.exists()
    assert client.login(username=caseworker_user.username, password=PASSWORD)
    response = client.post("/api/placements", {"offer_id": offer.pk, "citizen_name": "Anna Andersen",
                                               "cpr": "0101901234", "start_date": f"{NEXT}-01-01"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "no_tariff"
    assert "P/L for 2027 mangler" in response.json()["message"] and not Placement.objects.exists()


def test_with_next_years_pl_a_place_from_1_january_is_bought_at_the_provisional_tariff(offer, esbjerg, make_user,
                                                                                        actor_of, secretariat):
    tariff_services.price_index_set(actor=secretariat, year=NEXT, rate_pct=Decimal("2.00"), source="KL")
    placement = _buy(actor_of(make_user(esbjerg, Role.CASEWORKER)), offer, esbjerg, date(NEXT, 1, 1))
    assert placement.status == "reserved"
    # The rules of 2027 are carried on from Syddanmark 2019–2020: the placement is still under the agreement's rules.
    assert placement.covered_by_agreement is True
    assert placement.services.get().service.tariffs.get(year=NEXT).is_provisional


# Invoicing January


@pytest.fixture
def world(offer, odense, esbjerg, make_user, actor_of, secretariat):
    for organisation, body, cvr in ((odense, "579800000461", "35209115"), (esbjerg, "579800000561", "29189803")):
        organisation.ean, organisation.cvr = body + ean.calc_check_digit(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "5000", organisation.name
        organisation.save()
    PaymentAccount.objects.create(organisation=odense, reg_no="1234", account_no="0001234567")
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    placement = _buy(caseworker, offer, esbjerg, date(YEAR, 12, 1))
    seller_user = make_user(odense, Role.ECONOMIST)
    return {"offer": offer, "placement": placement, "seller": actor_of(seller_user), "seller_user": seller_user,
            "odense": odense, "secretariat": secretariat}


def test_january_without_a_tariff_lists_what_is_missing_on_page_api_and_console(world, client, capsys):
    plan = settlement_plan(actor=world["seller"], seller=world["odense"], year=NEXT, month=1,
                           issue_date=date(NEXT, 1, 2))
    [missing] = plan.missing_tariffs
    assert missing.first_day == date(NEXT, 1, 1) and "P/L for 2027 mangler" in missing.reason_da
    assert plan.invoices == [] and plan.blocking[0].startswith("Ingen takst: «Døgnophold» (Bostedet Æblehaven)")
    with pytest.raises(DomainError) as error:
        settlement_issue(actor=world["seller"], seller=world["odense"], year=NEXT, month=1,
                         issue_date=date(NEXT, 1, 2))
    assert error.value.code == "missing_tariffs" and error.value.message_da.startswith(
        "Januar 2027 kan ikke afregnes, før alle dage har en takst.")
    assert not SettlementRun.objects.exists() and not Invoice.objects.exists()

    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    page = client.get(f"/afregning/forhaandsvisning/?month={NEXT}-01")
    text = page.content.decode()
    assert page.status_code == 200 and "Kørslen kan ikke udstedes" in text and "P/L for 2027 mangler" in text
    assert "Udsted fakturaer" not in text
    asked = client.post("/afregning/", {"month": f"{NEXT}-01"})  # the confirmation names what stops the month
    text = asked.content.decode()
    assert asked.status_code == 400 and "Måneden kan ikke udstedes" in text and "P/L for 2027 mangler" in text
    assert "Ja, udsted" not in text
    issued = client.post("/afregning/", {"month": f"{NEXT}-01", "confirm": "1"}, follow=True)  # asked or not
    assert issued.status_code == 200 and "kan ikke afregnes" in issued.content.decode()
    api = client.get(f"/api/billing/settlement/{NEXT}-01")
    assert api.status_code == 200 and api.json()["missing_tariffs"][0]["year"] == NEXT
    assert api.json()["problems"][0].startswith("Ingen takst:")

    with pytest.raises(Exception) as stopped:
        call_command("settlement", "run", "--month", f"{NEXT}-01", "--issue")
    assert getattr(stopped.value, "returncode", None) == 2
    answer = json.loads(capsys.readouterr().out)
    assert "P/L for 2027 mangler" in answer["sellers"][0]["error"]
    assert not Invoice.objects.exists()


def test_january_at_the_provisional_tariff_is_corrected_when_the_approved_tariff_arrives(world, system):
    basis = _basis(world["offer"])
    tariff_services.price_index_set(actor=world["secretariat"], year=NEXT, rate_pct=Decimal("2.00"), source="KL")
    assert Tariff.objects.get(service=basis, year=NEXT).amount_ore == 239_258  # 234.567 × 1,02 = 239.258,34
    january = settlement_issue(actor=world["seller"], seller=world["odense"], year=NEXT, month=1,
                               issue_date=date(NEXT, 1, 2))
    [invoice] = january.invoices
    [line] = invoice.lines.all()
    assert (line.rate_ore, line.amount_ore) == (239_258, 31 * 239_258)
    assert "(foreløbig takst)" in line.description

    # The approved tariff arrives (here published in the tariff list; a calculation does the same).
    Tariff.objects.filter(service=basis, year=NEXT).update(amount_ore=241_000, origin=TariffOrigin.PUBLISHED, note="")
    february = settlement_issue(actor=world["seller"], seller=world["odense"], year=NEXT, month=2,
                                issue_date=date(NEXT, 2, 2))
    [credit] = february.credit_notes
    assert credit.credits == invoice and credit.total_ore == 31 * 239_258
    [reinvoiced] = february.invoices
    lines = {(line.period_from.month, line.rate_ore, line.amount_ore) for line in reinvoiced.lines.all()}
    assert lines == {(1, 241_000, 31 * 241_000), (2, 241_000, 28 * 241_000)}
    net = sum(i.total_ore if i.kind == InvoiceKind.INVOICE else -i.total_ore
              for i in Invoice.objects.filter(run__year=NEXT))
    assert net == (31 + 28) * 241_000
    # A third run corrects nothing more.
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=NEXT, month=3,
                             issue_date=date(NEXT, 3, 2))
    assert march.credit_notes == []


def test_a_calculation_replaces_the_provisional_tariff_and_next_years_follows(world):
    basis = _basis(world["offer"])
    tariff_services.price_index_set(actor=world["secretariat"], year=NEXT, rate_pct=Decimal("2.00"), source="KL")
    operator_economist = world["seller"]
    saved = tariff_services.tariff_budget_save(actor=operator_economist, offer=world["offer"], year=NEXT, lines=[
        tariff_services.ServiceBudgetInput(service=basis, salaries_kr=Decimal(4_000_000), places=5,
                                           budgeted_occupancy_pct=Decimal(96))])
    tariff_services.tariff_budget_calculate(actor=operator_economist, budget=saved.budget)
    approved = Tariff.objects.get(service=basis, year=NEXT)
    assert approved.origin == TariffOrigin.CALCULATED and approved.note == ""
    assert approved.amount_ore == 228_311  # 4.000.000 / (5 × 365 × 0,96) = 2.283,105… → 2.283,11 kr.
    event = AuditEvent.objects.filter(event_type="tariff.calculated").latest("pk")
    assert event.after["replaced_provisional_ore"] == {str(basis.pk): 239_258}


def test_a_month_far_outside_every_agreement_is_refused_in_danish_on_page_api_and_console(world, client, capsys):
    from django.core.management.base import CommandError

    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    page = client.get("/afregning/forhaandsvisning/?month=2060-01")
    assert page.status_code == 400
    assert "Ingen rammeaftale for Region Syddanmark gælder den 01.01.2060" in page.content.decode()
    api = client.get("/api/billing/settlement/2060-01")
    assert api.status_code == 400 and api.json()["field"] == "date" and api.json()["code"] == "no_agreement"
    with pytest.raises(CommandError) as stopped:
        call_command("settlement", "run", "--month", "2060-01", "--issue")
    assert stopped.value.returncode == 2
    [seller] = json.loads(capsys.readouterr().out)["sellers"]
    assert "Ingen rammeaftale for Region Syddanmark gælder den 01.01.2060" in seller["error"]
    with pytest.raises(CommandError) as preview:
        call_command("settlement", "run", "--month", "2060-01")
    assert preview.value.returncode == 2 and "gælder den 01.01.2060" in str(preview.value)
    assert not SettlementRun.objects.exists() and not Invoice.objects.exists()
