"""Buying places: CPR at rest, scoping, notice per rulebook, no overbooking (also under parallel requests)."""
import threading
from datetime import date

import pytest
from django.db import connection, connections

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.engine.occupancy import Span
from rammeaftale.placements import selectors, services
from rammeaftale.placements.models import Placement, PlacementStatus
from rammeaftale.placements.selectors import (
    PlacementFilters,
    charged_until,
    offer_vacancy,
    placement_get,
    placement_list,
)
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin

CPR = "0101901234"  # a valid date; python-stdnum no longer checks modulus 11 (CPR numbers without it exist)
YEAR = 2026


@pytest.fixture
def offer(agreements, odense, make_offer, system):
    offer = make_offer(odense, name="Bostedet Æblehaven", paragraphs=("sel-108",), places=2)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=234_567, origin=TariffOrigin.PUBLISHED)
    return offer


@pytest.fixture
def people(odense, esbjerg, copenhagen, make_user, actor_of):
    return {
        "esbjerg_caseworker": actor_of(make_user(esbjerg, Role.CASEWORKER)),
        "esbjerg_economist": actor_of(make_user(esbjerg, Role.ECONOMIST)),
        "odense_operator": actor_of(make_user(odense, Role.OPERATOR)),
        "odense_caseworker": actor_of(make_user(odense, Role.CASEWORKER)),
        "copenhagen_caseworker": actor_of(make_user(copenhagen, Role.CASEWORKER)),
    }


def buy(actor, offer, payer, *, cpr=CPR, start=date(YEAR, 3, 1), end=None, reserve=True, reason=""):
    return placement_request(actor=actor, request=PlacementRequest(
        offer=offer, paying_municipality=payer, citizen_name="Anna Andersen", cpr=cpr, start_date=start,
        planned_end=end, custody="", contact_name="Sagsbehandler"), reserve=reserve, over_occupancy_reason=reason)


def test_a_caseworker_buys_a_place_and_the_cpr_is_encrypted_at_rest(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    assert placement.status == PlacementStatus.RESERVED
    assert placement.reference == f"P{placement.pk:07d}"
    assert placement.cpr_masked == "010190-****"
    assert placement.birth_date == date(1990, 1, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr_encrypted FROM placements_placement WHERE id = %s", [placement.pk])
        stored = cursor.fetchone()[0]
    assert CPR not in stored and "010190" not in stored
    event = AuditEvent.objects.get(event_type="placement.reserved")
    assert "cpr_encrypted" not in event.after and CPR not in str(event.after)
    assert [s.service.name for s in placement.services.all()] == ["Døgnophold"]


def test_reading_the_full_cpr_is_logged_with_who_and_why(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    cpr = services.placement_cpr_read(actor=people["odense_operator"], placement=placement, reason="Indskrivning")
    assert cpr == CPR
    event = AuditEvent.objects.get(event_type="placement.cpr_read")
    assert (event.actor_username, event.reason) == (people["odense_operator"].username, "Indskrivning")
    with pytest.raises(NotAllowed):
        services.placement_cpr_read(actor=people["esbjerg_economist"], placement=placement, reason="Faktura")
    with pytest.raises(DomainError, match="Angiv hvorfor"):
        services.placement_cpr_read(actor=people["esbjerg_caseworker"], placement=placement, reason=" ")


def test_scoping_buyer_and_seller_see_it_others_do_not(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    for name in ("esbjerg_caseworker", "esbjerg_economist", "odense_operator"):
        assert list(placement_list(actor=people[name])) == [placement]
        assert placement_get(actor=people[name], placement_id=placement.pk) == placement
    for name in ("copenhagen_caseworker", "odense_caseworker"):
        assert list(placement_list(actor=people[name])) == []
        with pytest.raises(NotFound):
            placement_get(actor=people[name], placement_id=placement.pk)
    assert list(placement_list(actor=people["odense_operator"], filters=PlacementFilters(side="bought"))) == []


@pytest.mark.parametrize(("cpr", "message"), [("0101901", "10 cifre"), ("3202901234", "fødselsdatoen findes ikke"),
                                              ("01019O1234", "cifre")])
def test_an_invalid_cpr_writes_nothing(offer, esbjerg, people, cpr, message):
    with pytest.raises(DomainError, match=message) as error:
        buy(people["esbjerg_caseworker"], offer, esbjerg, cpr=cpr)
    assert error.value.field == "cpr"
    assert not Placement.objects.exists() and not AuditEvent.objects.filter(event_type__startswith="placement").exists()


def test_bad_input_gets_danish_messages(offer, esbjerg, odense, people, system, make_offer):
    with pytest.raises(DomainError, match="skal ligge efter startdatoen"):
        buy(people["esbjerg_caseworker"], offer, esbjerg, start=date(YEAR, 3, 1), end=date(YEAR, 2, 1))
    with pytest.raises(DomainError, match="ingen takst for 2031") as error:
        buy(people["esbjerg_caseworker"], offer, esbjerg, start=date(2031, 1, 1))
    assert error.value.code == "no_tariff"
    with pytest.raises(NotAllowed):
        buy(people["esbjerg_economist"], offer, esbjerg)
    assert not Placement.objects.exists()


def test_no_overbooking_without_a_recorded_reason(offer, esbjerg, people):
    buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0101901234")
    buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0202901234", start=date(YEAR, 5, 1))
    with pytest.raises(DomainError, match="ingen ledig plads 01.05.2026: 2 pladser, 2 er optaget") as error:
        buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0303901234", start=date(YEAR, 4, 1))
    assert error.value.code == "capacity_exceeded"
    # Before the second citizen moves in there is room for a stay that ends in time.
    early = buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0303901234", start=date(YEAR, 4, 1),
                end=date(YEAR, 5, 1))
    assert early.status == PlacementStatus.RESERVED
    assert offer_vacancy(offer=offer, on=date(YEAR, 4, 15)).free == 0
    # Only the operator may record an over-occupancy, and only with a reason.
    request = buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0404901234", reserve=False)
    with pytest.raises(DomainError, match="Overbelægning kræver en begrundelse"):
        services.placement_reserve(actor=people["odense_operator"], placement=request)
    reserved = services.placement_reserve(actor=people["odense_operator"], placement=request,
                                          over_occupancy_reason="Akut anbringelse, aftalt med Esbjerg")
    assert reserved.over_occupancy_reason == "Akut anbringelse, aftalt med Esbjerg"


def test_notice_runs_from_the_end_of_the_month_and_the_tariff_runs_to_its_end(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    services.placement_activate(actor=people["odense_operator"], placement=placement)
    placement = services.placement_notice_give(actor=people["esbjerg_caseworker"], placement=placement,
                                               given_on=date(YEAR, 6, 10), moved_out_on=date(YEAR, 6, 20))
    # Syddanmark: running month + 3 months for residential offers (assumed default, docs/rulebooks.md).
    assert placement.notice_end == date(YEAR, 10, 1)
    # The rules in force the day notice was given decide, once, and are recorded: paid notice to its end.
    assert placement.notice_full_tariff is True
    assert charged_until(placement) == date(YEAR, 10, 1)
    placement.notice_full_tariff = False  # a rulebook without paid notice: moving out ends the charge
    assert charged_until(placement) == date(YEAR, 6, 20)
    placement.notice_full_tariff = True
    assert placement.holds_until == date(YEAR, 6, 20)
    closed = services.placements_close_due(actor=services_system(), today=date(YEAR, 10, 1))
    placement.refresh_from_db()
    assert (closed, placement.status, placement.end_date) == (1, PlacementStatus.ENDED, date(YEAR, 10, 1))


def test_free_places_of_several_offers_from_their_dated_capacity_and_the_places_held(offer, esbjerg, odense, people,
                                                                                   make_offer, system):
    """The occupancy engine's free places on the database: holds from start to `holds_until`, dated capacity rows,
    a placement left out when it is the one being checked."""
    other = make_offer(odense, name="Bostedet Lærkereden", paragraphs=("sel-108",), places=1)
    first = buy(people["esbjerg_caseworker"], offer, esbjerg)  # from 1 March, open-ended
    buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0202901234", start=date(YEAR, 5, 1), end=date(YEAR, 8, 1))
    registry_services.offer_capacity_set(actor=system, offer=offer, valid_from=date(YEAR, 9, 1), places=3)
    march, summer, autumn, elsewhere = selectors.free_places_of([
        Span(offer.pk, date(YEAR, 3, 15), date(YEAR, 3, 16)), Span(offer.pk, date(YEAR, 4, 1), date(YEAR, 9, 1)),
        Span(offer.pk, date(YEAR, 8, 1), None), Span(other.pk, date(YEAR, 3, 1), None)])
    assert (march.places, march.held, march.free, march.short_on) == (2, 1, 1, None)
    assert (summer.free, summer.short_on, summer.short_places, summer.short_held) == (0, date(YEAR, 5, 1), 2, 2)
    assert (autumn.places, autumn.held, autumn.free, autumn.short_on) == (2, 1, 1, None)  # 3 places from September
    assert (elsewhere.places, elsewhere.held, elsewhere.free) == (1, 0, 1)
    [without_first] = selectors.free_places_of([Span(offer.pk, date(YEAR, 5, 1), date(YEAR, 8, 1))],
                                               exclude_id=first.pk)
    assert (without_first.free, without_first.short_on) == (1, None)
    assert offer_vacancy(offer=offer, on=date(YEAR, 9, 1)) == selectors.Vacancy(places=3, held=1)


def services_system():
    from rammeaftale.accounts.actor import Actor
    return Actor.system()


def test_the_wrong_status_is_refused(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    with pytest.raises(DomainError, match="kræver status anmodet"):
        services.placement_reserve(actor=people["odense_operator"], placement=placement)
    services.placement_cancel(actor=people["esbjerg_caseworker"], placement=placement, reason="Borgeren flytter ikke")
    with pytest.raises(DomainError, match="er annulleret"):
        services.placement_activate(actor=people["odense_operator"], placement=placement)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_attempts_at_the_last_place_let_exactly_one_win(agreements, odense, esbjerg, make_offer,
                                                                        make_user, actor_of, system):
    offer = make_offer(odense, name="Sidste plads", paragraphs=("sel-108",), places=1)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=200_000, origin=TariffOrigin.PUBLISHED)
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    attempts = 20
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt(number: int) -> None:
        try:
            barrier.wait()
            buy(caseworker, offer, esbjerg, cpr=f"{number + 1:02d}0190{1000 + number}")
            outcomes.append("won")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["capacity_exceeded"] * (attempts - 1) + ["won"]
    assert Placement.objects.filter(offer=offer).count() == 1
    assert AuditEvent.objects.filter(event_type="placement.reserved").count() == 1
    print(f"\nparallel booking on {connection.vendor}: {attempts} attempts, {outcomes.count('won')} won")


def test_long_text_unknown_custody_and_bad_email_are_refused(offer, esbjerg, people):
    base = dict(offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr=CPR,
                start_date=date(YEAR, 3, 1))
    for extra, field in ((dict(custody="aunt"), "custody"), (dict(contact_email="ikke-en-mail"), "contact_email"),
                         (dict(contact_phone="1" * 31), "contact_phone")):
        with pytest.raises(DomainError) as error:
            placement_request(actor=people["esbjerg_caseworker"], request=PlacementRequest(**base, **extra))
        assert error.value.field == field
    assert not Placement.objects.exists()


def test_an_end_before_the_notice_allows_is_refused_with_the_earliest_date(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    services.placement_activate(actor=people["odense_operator"], placement=placement)
    today = date(YEAR, 6, 10)
    # Residential, Syddanmark: running month + 3 months from today → the earliest end is 1 October.
    assert selectors.earliest_end(placement=placement, today=today) == date(YEAR, 10, 1)
    with pytest.raises(DomainError, match="tidligst være 01.10.2026") as error:
        services.placement_end_date_set(actor=people["esbjerg_caseworker"], placement=placement,
                                        end_date=date(YEAR, 7, 1), reason="Borgeren flytter", today=today)
    assert (error.value.field, error.value.code) == ("end_date", "notice_not_respected")
    placement.refresh_from_db()
    assert placement.end_date is None and not AuditEvent.objects.filter(event_type="placement.end_date_set").exists()
    # The notice's own end is allowed without anyone's agreement.
    ended = services.placement_end_date_set(actor=people["esbjerg_caseworker"], placement=placement,
                                            end_date=date(YEAR, 10, 1), reason="Opsagt", today=today)
    assert ended.end_date == date(YEAR, 10, 1) and ended.early_end_agreement == ""


def test_an_earlier_end_needs_the_operators_agreement_recorded(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    services.placement_activate(actor=people["odense_operator"], placement=placement)
    today = date(YEAR, 6, 10)
    agreed = services.placement_end_date_set(
        actor=people["esbjerg_caseworker"], placement=placement, end_date=date(YEAR, 7, 1), reason="Borgeren flytter",
        today=today, operator_agreement="Aftalt med Odenses leder, Hanne Holm, 9. juni")
    assert agreed.early_end_agreement == "Aftalt med Odenses leder, Hanne Holm, 9. juni"
    event = AuditEvent.objects.get(event_type="placement.end_date_set")
    assert event.after["early_end_agreement"] == "Aftalt med Odenses leder, Hanne Holm, 9. juni"
    # The operator agrees by setting an earlier end itself, and that is recorded too.
    other = buy(people["esbjerg_caseworker"], offer, esbjerg, cpr="0202901234")
    services.placement_activate(actor=people["odense_operator"], placement=other)
    by_operator = services.placement_end_date_set(actor=people["odense_operator"], placement=other,
                                                  end_date=date(YEAR, 7, 1), reason="Aftalt ophør", today=today)
    assert by_operator.early_end_agreement.startswith("Sat af driftsherren")


def test_notice_given_shortens_nothing_the_notice_set(offer, esbjerg, people):
    placement = buy(people["esbjerg_caseworker"], offer, esbjerg)
    services.placement_activate(actor=people["odense_operator"], placement=placement)
    placement = services.placement_notice_give(actor=people["esbjerg_caseworker"], placement=placement,
                                               given_on=date(YEAR, 6, 10))
    with pytest.raises(DomainError, match="tidligst være 01.10.2026"):
        services.placement_end_date_set(actor=people["esbjerg_caseworker"], placement=placement,
                                        end_date=date(YEAR, 8, 1), reason="Før tid", today=date(YEAR, 7, 1))
# --- the Styringsaftale: private offers and buyers outside the region (issue 10 b) --------------------------------


def _request(offer, payer, *, cpr=CPR, **extra):
    return PlacementRequest(offer=offer, paying_municipality=payer, citizen_name="Anna Andersen", cpr=cpr,
                            start_date=date(2020, 3, 1), custody="", contact_name="Sagsbehandler", **extra)


@pytest.fixture
def offer_2020(offer):
    """The Syddanmark offer with a tariff in 2020, a year the Syddanmark 2019–2020 agreement covers."""
    Tariff.objects.create(service=offer.services.get(), year=2020, amount_ore=230_000, origin=TariffOrigin.PUBLISHED)
    return offer


def test_a_purchase_within_the_region_from_a_public_offer_is_covered(offer_2020, esbjerg, people):
    placement = placement_request(actor=people["esbjerg_caseworker"], request=_request(offer_2020, esbjerg))
    assert (placement.covered_by_agreement, placement.agreement_coverage_note, placement.contract_variant) == (
        True, "", "Rammeaftale")
    with pytest.raises(DomainError, match="omfattet af styringsaftalen; en individuel betalingsaftale hører kun til"
                       ) as error:
        placement_request(actor=people["esbjerg_caseworker"], request=_request(
            offer_2020, esbjerg, cpr="0202902345", payment_agreement="Aftale 7",
            payment_agreement_follows_tariff_principles=True))
    assert error.value.field == "payment_agreement" and Placement.objects.count() == 1


def test_a_private_offer_is_not_covered_and_its_payment_agreement_is_recorded(
        agreements, region_syd, esbjerg, make_offer, system, people):
    from rammeaftale.registry.services import private_operator_create

    operator = private_operator_create(actor=system, name="Opholdsstedet Lærkereden ApS", cvr="35209115",
                                       region=region_syd)
    private = make_offer(operator, name="Lærkereden", places=3)
    basis = registry_services.service_create(actor=system, offer=private, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=2020, amount_ore=250_000, origin=TariffOrigin.PUBLISHED)
    without = placement_request(actor=people["esbjerg_caseworker"], request=_request(private, esbjerg))
    assert (without.covered_by_agreement, without.agreement_coverage_note, without.contract_variant) == (
        False, "tilbuddet er privat", "Ikke Rammeaftale")
    assert without.payment_agreement == ""  # within the region: no rulebook requires one
    with pytest.raises(DomainError, match="Skriv betalingsaftalen eller dens reference") as error:
        placement_request(actor=people["esbjerg_caseworker"], request=_request(
            private, esbjerg, cpr="0303903456", payment_agreement_follows_tariff_principles=True))
    assert error.value.field == "payment_agreement" and Placement.objects.count() == 1
    recorded = placement_request(actor=people["esbjerg_caseworker"], request=_request(
        private, esbjerg, cpr="0202902345", payment_agreement="Kontrakt 2020-17 med Lærkereden ApS",
        payment_agreement_follows_tariff_principles=False))
    assert (recorded.payment_agreement, recorded.payment_agreement_follows_tariff_principles) == (
        "Kontrakt 2020-17 med Lærkereden ApS", False)
    event = AuditEvent.objects.filter(event_type="placement.reserved").latest("pk")
    assert event.after["payment_agreement"] == "Kontrakt 2020-17 med Lærkereden ApS"


def test_a_buyer_outside_the_region_needs_the_individual_payment_agreement_the_rulebook_requires(
        offer_2020, copenhagen, people):
    caseworker = people["copenhagen_caseworker"]
    with pytest.raises(DomainError) as error:
        placement_request(actor=caseworker, request=_request(offer_2020, copenhagen))
    assert error.value.field == "payment_agreement"
    assert error.value.message_da.startswith(
        "Købet er ikke omfattet af styringsaftalen (betalingskommunen ligger uden for Region Syddanmark). "
        "Rammeaftale 2019–2020, Syddanmark kræver ved hvert køb en konkret og individuel betalingsaftale")
    with pytest.raises(DomainError, match="følger styringsaftalens takstprincipper") as error:
        placement_request(actor=caseworker, request=_request(offer_2020, copenhagen, payment_agreement="Aftale 12"))
    assert error.value.field == "payment_agreement_follows_tariff_principles"
    with pytest.raises(DomainError, match="kræver ved hvert køb") as error:
        placement_request(actor=caseworker, request=_request(
            offer_2020, copenhagen, payment_agreement=" ", payment_agreement_follows_tariff_principles=True))
    assert error.value.field == "payment_agreement"
    with pytest.raises(DomainError, match="Højst 2000 tegn") as error:
        placement_request(actor=caseworker, request=_request(
            offer_2020, copenhagen, payment_agreement="x" * 2001, payment_agreement_follows_tariff_principles=True))
    assert not Placement.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="placement").exists()
    placement = placement_request(actor=caseworker, request=_request(
        offer_2020, copenhagen, payment_agreement="Betalingsaftale 12: underskud deles efter forbrug",
        payment_agreement_follows_tariff_principles=True))
    assert (placement.covered_by_agreement, placement.contract_variant) == (False, "Ikke Rammeaftale")
    assert placement.agreement_coverage_note == "betalingskommunen ligger uden for Region Syddanmark"
    assert placement.payment_agreement_follows_tariff_principles is True


def test_the_buyers_rulebook_requires_it_when_buying_outside_its_region(agreements, copenhagen, esbjerg, make_offer,
                                                                         system, people):
    """Seed 000: "I forhold til køb og salg uden for Syddanmark …": Esbjerg buying in Copenhagen needs the
    agreement too, though the Hovedstaden rulebook says nothing about it."""
    offer = make_offer(copenhagen, name="Bofællesskabet Engen", places=2)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=2022, amount_ore=255_467, origin=TariffOrigin.PUBLISHED)
    request = PlacementRequest(offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr=CPR,
                               start_date=date(2022, 3, 1))
    coverage = services.agreement_coverage(offer=offer, payer=esbjerg, on=date(2022, 3, 1))
    assert coverage.payment_agreement_required_by == "Rammeaftale 2019–2020, Syddanmark"
    with pytest.raises(DomainError, match="Rammeaftale 2019–2020, Syddanmark kræver ved hvert køb"):
        placement_request(actor=people["esbjerg_caseworker"], request=request)
    assert not Placement.objects.exists()
