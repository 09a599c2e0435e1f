"""What occupancy reads from the placements: the operator's own citizens count, paid notice days count where the
rulebook charges them, cancelled placements do not, capacity changes apply, and the budget's basis line is the plan."""
from datetime import date
from decimal import Decimal

import pytest

from rammeaftale.engine.occupancy import Period
from rammeaftale.occupancy.inputs import budgeted_occupancy, occupancy_stays_frame, offer_occupancy
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import ServiceBudget, Tariff, TariffBudget, TariffOrigin

YEAR = 2020
MARCH = Period("2020-03", date(2020, 3, 1), date(2020, 4, 1))
APRIL_JUNE = Period("2020-Q2", date(2020, 4, 1), date(2020, 7, 1))


@pytest.fixture
def offer(agreements, odense, make_offer, system):
    offer = make_offer(odense, name="Bostedet Æblehaven", places=4)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=200_000, origin=TariffOrigin.PUBLISHED)
    return offer


def _buy(system, offer, payer, *, cpr, start):
    return placement_request(actor=system, request=PlacementRequest(
        offer=offer, paying_municipality=payer, acting_municipality=payer, citizen_name="Borger", cpr=cpr,
        start_date=start, planned_end=None, custody="", contact_name="Sagsbehandler"), reserve=True)


def test_own_citizens_count_and_cancelled_placements_do_not(offer, odense, esbjerg, system):
    own = _buy(system, offer, odense, cpr="0101801234", start=date(YEAR, 3, 1))
    bought = _buy(system, offer, esbjerg, cpr="0101811234", start=date(YEAR, 3, 11))
    cancelled = _buy(system, offer, esbjerg, cpr="0101821234", start=date(YEAR, 3, 1))
    placement_services.placement_cancel(actor=system, placement=cancelled, reason="Fortrudt")
    assert own.is_internal and not bought.is_internal
    figure = offer_occupancy(periods=[MARCH], offer_ids=[offer.pk])[(offer.pk, "2020-03")]
    assert (figure.occupied_days, figure.capacity_days) == (31 + 21, 4 * 31)
    assert figure.pct == Decimal("41.94")


def test_paid_notice_days_after_moving_out_count_where_the_rulebook_charges_them(offer, esbjerg, system):
    placement = _buy(system, offer, esbjerg, cpr="0101801234", start=date(YEAR, 1, 1))
    placement_services.placement_activate(actor=system, placement=placement)
    # Notice given 10 April, moved out 20 April; Syddanmark: running month + 3 months for residential offers, and
    # the full tariff during notice (assumed, docs/rulebooks.md): the place is paid, so occupied, to 31 July.
    placement = placement_services.placement_notice_give(actor=system, placement=placement, given_on=date(YEAR, 4, 10),
                                                         moved_out_on=date(YEAR, 4, 20))
    assert placement.notice_end == date(YEAR, 8, 1)
    stays = occupancy_stays_frame(first_day=date(YEAR, 1, 1), last_day=date(YEAR + 1, 1, 1), offer_ids=[offer.pk])
    assert stays.rows() == [(offer.pk, date(YEAR, 1, 1), date(YEAR, 8, 1))]
    figure = offer_occupancy(periods=[APRIL_JUNE], offer_ids=[offer.pk])[(offer.pk, "2020-Q2")]
    assert figure.occupied_days == 91


def test_capacity_changes_are_dated(offer, system):
    registry_services.offer_capacity_set(actor=system, offer=offer, valid_from=date(YEAR, 3, 16), places=6)
    figure = offer_occupancy(periods=[MARCH], offer_ids=[offer.pk])[(offer.pk, "2020-03")]
    assert figure.capacity_days == 4 * 15 + 6 * 16 and figure.occupied_days == 0


def test_budgeted_occupancy_is_the_basis_day_line(offer, agreements, system):
    basis = offer.services.get()
    extra = registry_services.service_create(actor=system, offer=offer, name="Ekstra støtte", unit="day",
                                             kind="tilvalg")
    syd = next(a for a in agreements if a.region.code == "1083" and a.year_from == 2019)
    budget = TariffBudget.objects.create(offer=offer, year=YEAR, rulebook=syd.rulebook)
    ServiceBudget.objects.create(budget=budget, service=extra, places=4, budgeted_occupancy_pct=Decimal("80"))
    ServiceBudget.objects.create(budget=budget, service=basis, places=4, budgeted_occupancy_pct=Decimal("96.5"))
    assert budgeted_occupancy(year=YEAR, offer_ids=[offer.pk]) == {offer.pk: Decimal("96.50")}
    assert budgeted_occupancy(year=YEAR + 1, offer_ids=[offer.pk]) == {}
