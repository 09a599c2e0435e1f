"""Tariff services: budget → calculated tariffs with breakdown, occupancy approval, true-up into t+2, reserves,
P/L flags and explanations, and the yearly category lock."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.engine.true_up import TrueUpInput
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement, OfferCategory, RulebookVersion
from rammeaftale.tariffs import selectors, services
from rammeaftale.tariffs.models import ReserveEntry, Tariff, TariffCalculation
from rammeaftale.tariffs.selectors import offer_tariffs, reserve_balance_ore, reserve_warnings, tariff_list


@pytest.fixture
def hovedstaden_offer(agreements, copenhagen, make_offer, system):
    offer = make_offer(copenhagen, name="Bofællesskabet Engen", places=12)
    basis = registry_services.service_create(actor=system, offer=offer, name="Basistakst")
    return offer, basis


@pytest.fixture
def economist(copenhagen, make_user, actor_of):
    return actor_of(make_user(copenhagen, Role.ECONOMIST))


def _illustrative_line(service, **changes):
    values = {"service": service, "salaries_kr": Decimal(10_000_000), "overhead_pct": Decimal(6),
              "depreciation_kr": Decimal(250_000), "capital_book_value_kr": Decimal(3_000_000),
              "interest_rate_pct": Decimal(5), "true_up_kr": Decimal(-370_000), "budgeted_occupancy_pct": Decimal(95)}
    values.update(changes)
    return services.ServiceBudgetInput(**values)


def test_budget_calculates_into_a_stored_tariff_with_its_breakdown(hovedstaden_offer, economist):
    offer, basis = hovedstaden_offer
    budget = services.tariff_budget_save(actor=economist, offer=offer, year=2022, lines=[_illustrative_line(basis)]).budget
    calculation = services.tariff_budget_calculate(actor=economist, budget=budget)
    tariff = Tariff.objects.get(service=basis, year=2022)
    assert (tariff.amount_ore, tariff.monthly_ore, tariff.origin) == (255467, 7770455, "calculated")
    assert tariff.calculation == calculation
    breakdown = {line["element"]: line["per_unit"] for line in calculation.result["services"][0]["breakdown"]}
    assert breakdown["overhead"] == "144.20" and breakdown["true_up"] == "-88.92"
    assert AuditEvent.objects.filter(event_type="tariff.calculated", organisation=offer.operator).exists()


def test_occupancy_outside_the_bounds_needs_an_approval(hovedstaden_offer, economist):
    offer, basis = hovedstaden_offer
    budget = services.tariff_budget_save(
        actor=economist, offer=offer, year=2022, lines=[_illustrative_line(basis, budgeted_occupancy_pct=Decimal(92))]
    ).budget
    with pytest.raises(DomainError, match="godkendelse"):
        services.tariff_budget_calculate(actor=economist, budget=budget)
    assert not TariffCalculation.objects.exists() and not Tariff.objects.exists()
    services.occupancy_approval_record(actor=economist, line=budget.lines.get(), reason="Nyt tilbud under indfasning",
                                       approved_by="Den administrative styregruppe", approved_on=date(2021, 9, 1))
    services.tariff_budget_calculate(actor=economist, budget=budget)
    assert Tariff.objects.get(service=basis, year=2022).amount_ore > 255467


def test_the_approval_is_asked_only_where_the_rulebook_says_deviation_needs_approval(hovedstaden_offer, economist):
    from rammeaftale.registry.services import rulebook_of
    from rammeaftale.rulebooks import Param

    offer, basis = hovedstaden_offer
    budget = services.tariff_budget_save(
        actor=economist, offer=offer, year=2022, lines=[_illustrative_line(basis, budgeted_occupancy_pct=Decimal(92))]
    ).budget
    rulebook = rulebook_of(budget.rulebook)
    lines = list(budget.lines.select_related("service"))
    with pytest.raises(DomainError, match="godkendelse"):
        services.tariff_calculation_build(rulebook=rulebook, year=2022, short_stay=False, lines=lines, approvals={})
    free = rulebook.model_copy(update={"budgeted_occupancy": rulebook.budgeted_occupancy.model_copy(update={
        "deviation_needs_approval": Param[bool](value=False, assumed="test: no approval needed")})})
    stored, tariffs = services.tariff_calculation_build(rulebook=free, year=2022, short_stay=False, lines=lines,
                                                        approvals={})
    check = next(c for c in stored["checks"] if c["check"] == "budgeted_occupancy")
    assert (check["ok"], check["approved"]) == (False, False) and tariffs[0].amount_ore > 255467


def test_budgeted_occupancy_defaults_to_the_average_of_two_years(hovedstaden_offer, economist):
    offer, basis = hovedstaden_offer
    services.actual_occupancy_set(actor=economist, offer=offer, year=2019, occupancy_pct=Decimal("96"))
    services.actual_occupancy_set(actor=economist, offer=offer, year=2020, occupancy_pct=Decimal("94"))
    result = services.tariff_budget_save(actor=economist, offer=offer, year=2022,
                                         lines=[_illustrative_line(basis, budgeted_occupancy_pct=None)])
    line = result.budget.lines.get()
    assert line.budgeted_occupancy_pct == Decimal("95.00") and line.occupancy_from_actuals
    assert "gennemsnit af to tidligere år" in result.notes[0]


def test_only_the_operators_own_staff_budget_tariffs(hovedstaden_offer, esbjerg, make_user, actor_of, copenhagen):
    offer, basis = hovedstaden_offer
    for actor in (actor_of(make_user(esbjerg, Role.ECONOMIST)), actor_of(make_user(copenhagen, Role.CASEWORKER))):
        with pytest.raises(NotAllowed):
            services.tariff_budget_save(actor=actor, offer=offer, year=2022, lines=[_illustrative_line(basis)])


def test_no_agreement_for_the_year_is_a_clear_error(hovedstaden_offer, economist):
    offer, basis = hovedstaden_offer
    with pytest.raises(DomainError, match="Ingen rammeaftale"):
        services.tariff_budget_save(actor=economist, offer=offer, year=2040, lines=[_illustrative_line(basis)])


def test_true_up_reserve_enters_t_plus_2_and_the_ledger_warns_before_expiry(
    hovedstaden_offer, economist, region_hovedstaden, system
):
    offer, basis = hovedstaden_offer
    registry_services.agreement_create(
        actor=system, region=region_hovedstaden, name="Rammeaftale 2023–2024 (test)", year_from=2023, year_to=2024,
        rulebook=RulebookVersion.objects.get(key="hovedstaden-2021-2022"),
    )
    record = services.true_up_record(actor=economist, offer=offer, data=TrueUpInput(
        year=2021, cost_based_budget_kr=Decimal(8_000_000), cost_based_accounts_kr=Decimal(7_648_000),
        other_tariff_income_kr=Decimal(8_418_000)))
    assert (record.kept_ore, record.to_tariff_ore, record.enters_tariff_year) == (40_000_000, -37_000_000, 2023)
    assert reserve_balance_ore(offer_id=offer.pk, year=2023) == 40_000_000
    budget = services.tariff_budget_save(actor=economist, offer=offer, year=2023,
                                         lines=[_illustrative_line(basis, true_up_kr=None)])
    assert budget.budget.lines.get().true_up_ore == -37_000_000 and "Efterregulering fra 2021" in budget.notes[0]
    services.reserve_use(actor=economist, offer=offer, year=2024, amount_kr=Decimal(300_000), text="Kompetenceudvikling")
    assert reserve_balance_ore(offer_id=offer.pk, year=2025) == 10_000_000
    assert reserve_warnings(offer_id=offer.pk, year=2025) == [
        "Hensat overskud fra 2021: 100000.00 kr. skal være brugt senest i 2026."]
    assert reserve_balance_ore(offer_id=offer.pk, year=2027) == 0
    with pytest.raises(DomainError, match="højst bruges"):
        services.reserve_use(actor=economist, offer=offer, year=2025, amount_kr=Decimal(100_001), text="For meget")


def test_reserves_are_kept_per_offer(hovedstaden_offer, economist, make_offer, copenhagen, system, client, make_user):
    """Correction (issue 10 e): a reserved surplus is the offer's; the operator's other offer neither sees it in
    its balance nor draws on it."""
    offer, _ = hovedstaden_offer
    other = make_offer(copenhagen, name="Aflastningen Kilden", places=6)
    services.true_up_record(actor=economist, offer=offer, data=TrueUpInput(
        year=2021, cost_based_budget_kr=Decimal(8_000_000), cost_based_accounts_kr=Decimal(7_648_000),
        other_tariff_income_kr=Decimal(8_418_000)))
    assert offer.operator_id == other.operator_id
    assert reserve_balance_ore(offer_id=offer.pk, year=2022) == 40_000_000
    assert reserve_balance_ore(offer_id=other.pk, year=2022) == 0
    assert reserve_warnings(offer_id=other.pk, year=2025) == []
    with pytest.raises(DomainError, match="højst bruges 0.00 kr. af Aflastningen Kildens hensatte midler") as error:
        services.reserve_use(actor=economist, offer=other, year=2022, amount_kr=Decimal(1), text="Lån fra naboen")
    assert error.value.field == "amount_kr"
    assert not ReserveEntry.objects.filter(offer=other).exists()
    services.reserve_use(actor=economist, offer=offer, year=2022, amount_kr=Decimal(100_000), text="Efteruddannelse")
    assert reserve_balance_ore(offer_id=offer.pk, year=2022) == 30_000_000
    shown = offer_tariffs(actor=economist, offer_id=offer.pk, this_year=2026)
    assert (shown.reserve_balance_ore, shown.reserve_warnings) == (
        30_000_000, ["Hensat overskud fra 2021: 300000.00 kr. skal være brugt senest i 2026."])
    assert offer_tariffs(actor=economist, offer_id=other.pk, this_year=2026).reserve_balance_ore is None
    client.force_login(make_user(copenhagen, Role.ECONOMIST))
    assert 'id="reserve"' in client.get(f"/takster/tilbud/{offer.pk}/").content.decode()
    assert 'id="reserve"' not in client.get(f"/takster/tilbud/{other.pk}/").content.decode()


def test_tariff_list_flags_growth_above_pl_until_explained(hovedstaden_offer, economist, system):
    offer, basis = hovedstaden_offer
    Tariff.objects.create(service=basis, year=2021, amount_ore=240_000, origin="published")
    services.tariff_budget_calculate(actor=economist, budget=services.tariff_budget_save(
        actor=economist, offer=offer, year=2022, lines=[_illustrative_line(basis)]).budget)
    services.price_index_set(actor=system, year=2022, rate_pct=Decimal("2.8"), source="KL (test)")
    agreement = Agreement.objects.get(rulebook__key="hovedstaden-2021-2022")
    row = tariff_list(actor=economist, agreement=agreement, year=2022).rows[0]
    # 2,400 → 2,554.67 kr. is 6.4445… %; no 2019 tariff on record, so the cap is 2021's 2,400 × 1.028 = 2,467.20.
    assert row.increase_pct == Decimal("6.44") and row.growth.growth_pct > Decimal("6.4445")
    assert row.growth.cap_kr == Decimal("2467.2") and row.over_cap and row.needs_explanation and row.may_explain
    assert row.growth.notes == ("loft fra 2021; basisåret 2019 findes ikke",)
    services.tariff_explanation_record(actor=economist, tariff=row.tariff, text="Ny nattevagt efter tilsynets påbud.")
    row = tariff_list(actor=economist, agreement=agreement, year=2022).rows[0]
    assert row.explained and not row.needs_explanation and row.explanation_required


def test_tariff_list_cumulates_pl_from_2019_and_reads_the_history_in_one_query(
    agreements, copenhagen, make_offer, economist, system
):
    for year, rate in ((2020, "2.8"), (2021, "1.9"), (2022, "2.9")):
        services.price_index_set(actor=system, year=year, rate_pct=Decimal(rate), source="KL (test)")
    agreement = Agreement.objects.select_related("rulebook", "region").get(rulebook__key="hovedstaden-2021-2022")

    def offer_with(name, tariffs_ore):
        offer = make_offer(copenhagen, name=name)
        basis = registry_services.service_create(actor=system, offer=offer, name="Basistakst")
        for year, amount in tariffs_ore.items():
            Tariff.objects.create(service=basis, year=year, amount_ore=amount, origin="published")

    # From 2019: caps 2,467.20, 2,514.0768, 2,586.9850272. 2021 rose 3.31 % against 1.9 % but is under the cap.
    offer_with("A Fra 2019", {2019: 240_000, 2020: 242_000, 2021: 250_000, 2022: 260_000})
    offer_with("B Fra 2021", {2021: 250_000, 2022: 256_000})  # cap 2,500 × 1.029 = 2,572.50: under
    with CaptureQueriesContext(connection) as two_rows:
        listing = tariff_list(actor=economist, agreement=agreement, year=2022)
    first, second = listing.rows
    assert (first.growth.cap_from_year, first.growth.cap_kr, first.over_cap) == (
        2019, Decimal("2586.9850272"), True)
    assert first.needs_explanation and first.growth.notes == ()
    assert (second.growth.cap_from_year, second.growth.cap_kr, second.over_cap) == (2021, Decimal("2572.5"), False)
    assert second.growth.notes == ("loft fra 2021; basisåret 2019 findes ikke",)
    year_2021 = tariff_list(actor=economist, agreement=agreement, year=2021).rows[0]
    assert year_2021.increase_pct == Decimal("3.31") and not year_2021.over_cap
    assert [row.tariff.service.offer.name for row in tariff_list(
        actor=economist, agreement=agreement, year=2022, flag="unexplained").rows] == ["A Fra 2019"]
    offer_with("D Nul", {2021: 0, 2022: 0})  # a tariff of 0 kr. has no growth and no cap
    zero = tariff_list(actor=economist, agreement=agreement, year=2022).rows[2]
    assert zero.growth is None and zero.increase_pct is None and not zero.flagged and zero.previous.amount_ore == 0
    Tariff.objects.filter(service__offer__name="D Nul").delete()
    for index in range(10):
        offer_with(f"C{index}", {2019: 200_000, 2020: 205_000, 2022: 215_000})
    with CaptureQueriesContext(connection) as twelve_rows:
        assert len(tariff_list(actor=economist, agreement=agreement, year=2022).rows) == 12
    # the rules in force, the list's version, the year's tariffs with their history, the P/L
    assert len(twelve_rows) == len(two_rows) <= 5


def test_pl_examples_are_loaded_flagged(db, system):
    assert services.price_index_load_examples(actor=system) == 2
    assert selectors.price_index_for(2020).rate_pct == Decimal("2.80") and selectors.price_index_for(2020).is_example
    assert services.price_index_load_examples(actor=system) == 0


def test_the_category_is_locked_for_the_year_once_assessed(hovedstaden_offer, system):
    offer, _ = hovedstaden_offer
    registry_services.offer_category_set(actor=system, offer=offer, year=2022, category="klynge", reason="Sælger til 3 kommuner",
                             suggested_category="klynge")
    with pytest.raises(DomainError, match="låst"):
        registry_services.offer_category_set(actor=system, offer=offer, year=2022, category="hoejt_specialiseret", reason="Ændret")
    registry_services.offer_category_set(actor=system, offer=offer, year=2023, category="hoejt_specialiseret", reason="Fra 2023")
    assert OfferCategory.objects.get(offer=offer, year=2022).category == "klynge"
