"""The offer's life (issue 15, parts 1–2): capacity change with notice and consultation, closure within the buyers'
notice, and a municipality's takeover of a regional offer on 1 January — access and invoicing follow the operator of
the day; every refusal names its rule, with nothing written."""
from datetime import date

import pytest

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.models import InvoiceLine, PaymentAccount
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange.models import Notification
from rammeaftale.lifecycle.models import OfferProposal, ProposalStatus
from rammeaftale.lifecycle.services import (
    lifecycle_apply_due,
    proposal_comment,
    proposal_create,
    proposal_decide,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import Placement
from rammeaftale.placements.selectors import placement_get, placement_list
from rammeaftale.placements.services import PlacementRequest, placement_end_date_set, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.history import offer_status_on, operator_on
from rammeaftale.registry.models import OfferCapacity, OfferOperatorPeriod
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.services.test_settlement import invoicing_ready

TODAY = date(2026, 12, 7)


@pytest.fixture
def world(agreements, region_syd, odense, esbjerg, make_offer, make_user, actor_of, system):
    offer = make_offer(region_syd, municipality=odense, name="Regionshuset Fyn", places=10)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    for year in (2026, 2027, 2028):
        Tariff.objects.create(service=basis, year=year, amount_ore=200_000, origin=TariffOrigin.PUBLISHED)
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    return {"offer": offer, "basis": basis, "caseworker": caseworker,
            "region": actor_of(make_user(region_syd, Role.OPERATOR, Role.ECONOMIST)),
            "odense": actor_of(make_user(odense, Role.ADMINISTRATOR, Role.ECONOMIST, Role.OPERATOR)),
            "esbjerg": actor_of(make_user(esbjerg, Role.ECONOMIST))}


def _place(world, name: str, cpr: str, start: date, planned_end: date | None = None):
    return placement_request(actor=world["caseworker"], request=PlacementRequest(
        offer=world["offer"], paying_municipality=Organisation.objects.get(pk=world["caseworker"].organisation_id),
        citizen_name=name, cpr=cpr, start_date=start, planned_end=planned_end))


def test_a_capacity_reduction_is_consulted_decided_and_counts_from_its_date(world):
    _place(world, "Anna Andersen", "0101901234", date(2026, 6, 1))
    offer = world["offer"]
    with pytest.raises(DomainError, match="før i dag") as error:
        proposal_create(actor=world["region"], offer_id=offer.pk, kind="capacity", places=6,
                        effective_date=date(2026, 12, 1), reason="Færre pladser", today=TODAY)
    assert error.value.field == "effective_date"
    with pytest.raises(DomainError, match="varsles 3 måneder"):
        proposal_create(actor=world["region"], offer_id=offer.pk, kind="capacity", places=6,
                        effective_date=date(2027, 2, 1), reason="Færre pladser", today=TODAY)
    with pytest.raises(DomainError, match="senest 01.06.2026"):
        proposal_create(actor=world["region"], offer_id=offer.pk, kind="capacity", places=6,
                        effective_date=date(2027, 1, 1), reason="Færre pladser", today=TODAY)
    with pytest.raises(DomainError, match="ingen overbelægning"):
        proposal_create(actor=world["region"], offer_id=offer.pk, kind="capacity", places=0,
                        effective_date=date(2027, 4, 1), reason="Færre pladser", today=TODAY)
    with pytest.raises(NotAllowed):
        proposal_create(actor=world["esbjerg"], offer_id=offer.pk, kind="capacity", places=6,
                        effective_date=date(2027, 4, 1), reason="Færre pladser", today=TODAY)
    assert not OfferProposal.objects.exists()

    proposal = proposal_create(actor=world["region"], offer_id=offer.pk, kind="capacity", places=6,
                               effective_date=date(2027, 4, 1), reason="Færre pladser", today=TODAY)
    assert proposal.status == ProposalStatus.CONSULTATION and proposal.consultation_until == date(2026, 12, 21)
    assert Notification.objects.filter(user__organisation_id=world["esbjerg"].organisation_id,
                                       kind="lifecycle.consultation").exists()
    proposal_comment(actor=world["esbjerg"], proposal_id=proposal.pk, text="Vi har en borger der.", today=TODAY)
    with pytest.raises(DomainError, match="Høringen løber"):
        proposal_decide(actor=world["region"], proposal_id=proposal.pk, decision_reference="Regionsrådet",
                        today=TODAY)
    with pytest.raises(DomainError, match="Høringen er slut"):
        proposal_comment(actor=world["esbjerg"], proposal_id=proposal.pk, text="Sent", today=date(2026, 12, 22))
    proposal_decide(actor=world["region"], proposal_id=proposal.pk, decision_reference="Regionsrådet 20.12.2026",
                    today=date(2026, 12, 22))
    capacities = dict(OfferCapacity.objects.filter(offer=offer).values_list("valid_from", "places"))
    assert capacities[date(2027, 4, 1)] == 6 and capacities[date(2020, 1, 1)] == 10
    assert AuditEvent.objects.filter(event_type="lifecycle.decided").count() == 1


def test_a_closure_respects_the_buyers_notice_and_stops_new_placements(world):
    _place(world, "Anna Andersen", "0101901234", date(2026, 6, 1))
    offer = world["offer"]
    # residential: running month + 3 months, given 7 December → runs to 31 March
    with pytest.raises(DomainError, match="inden for købernes opsigelsesvarsel") as error:
        proposal_create(actor=world["region"], offer_id=offer.pk, kind="closure", effective_date=date(2027, 3, 1),
                        reason="Tilbuddet lukker", today=TODAY)
    assert "01.04.2027" in error.value.message_da
    proposal = proposal_create(actor=world["region"], offer_id=offer.pk, kind="closure",
                               effective_date=date(2027, 4, 1), reason="Tilbuddet lukker", today=TODAY)
    proposal_decide(actor=world["region"], proposal_id=proposal.pk, decision_reference="Regionsrådet",
                    today=date(2026, 12, 22))
    assert offer_status_on(offer, date(2027, 1, 1)) == "closing"
    assert offer_status_on(offer, date(2027, 4, 1)) == "closed"
    assert Notification.objects.filter(user__organisation_id=world["esbjerg"].organisation_id,
                                       kind="lifecycle.closure").exists()
    with pytest.raises(DomainError, match="lukker 01.04.2027"):
        _place(world, "Bo Berg", "0202902345", date(2027, 4, 1))
    # a stay that ends before the closing date is still possible
    assert _place(world, "Bo Berg", "0202902345", date(2027, 2, 1), planned_end=date(2027, 3, 31)).pk


def test_a_takeover_moves_the_offer_on_1_january_and_each_side_sees_its_own(world, odense, esbjerg, region_syd):
    invoicing_ready(odense, esbjerg)
    region = world["offer"].operator
    region.ean, region.cvr = "5798000000016", "29190925"
    region.address, region.postcode, region.city = "Damhaven 12", "7100", "Vejle"
    region.save()
    PaymentAccount.objects.create(organisation=region, reg_no="1234", account_no="0007654321")
    offer = world["offer"]
    before = _place(world, "Anna Andersen", "0101901234", date(2026, 6, 1))
    placement_end_date_set(actor=world["caseworker"], placement=before, end_date=date(2027, 7, 1),
                           reason="Flytter hjem", today=TODAY)
    running = _place(world, "Bo Berg", "0202902345", date(2027, 3, 1))
    with pytest.raises(DomainError, match="fra 1. januar 2028 til senest 01.01.2029"):
        proposal_create(actor=world["odense"], offer_id=offer.pk, kind="takeover", effective_date=date(2027, 1, 1),
                        reason="Odense overtager", today=TODAY)
    with pytest.raises(NotAllowed):  # Esbjerg is not where the offer lies
        proposal_create(actor=world["esbjerg"], offer_id=offer.pk, kind="takeover", effective_date=date(2028, 1, 1),
                        reason="Esbjerg overtager", today=TODAY)
    proposal = proposal_create(actor=world["odense"], offer_id=offer.pk, kind="takeover",
                               effective_date=date(2028, 1, 1), reason="Byrådet 1.12.2026", today=TODAY)
    assert proposal.status == ProposalStatus.PROPOSED and proposal.new_operator == odense
    proposal_decide(actor=world["odense"], proposal_id=proposal.pk, decision_reference="Byrådet 1.12.2026, pkt. 7",
                    today=TODAY)
    assert OfferOperatorPeriod.objects.count() == 0  # nothing moves before the day
    second = world["offer"].__class__.objects.create(
        operator=region, municipality=odense, name="Regionshuset Syd", offer_type="residential")
    with pytest.raises(DomainError, match="én gang i hver valgperiode"):
        proposal_create(actor=world["odense"], offer_id=second.pk, kind="takeover", effective_date=date(2028, 1, 1),
                        reason="Også den", today=TODAY)

    after = _place(world, "Cai Clausen", "0303903456", date(2028, 2, 1))
    assert lifecycle_apply_due(actor=Actor.system(), today=date(2027, 12, 31)).takeovers == 0
    assert lifecycle_apply_due(actor=Actor.system(), today=date(2028, 1, 1)).takeovers == 1
    offer.refresh_from_db()
    assert offer.operator == odense and operator_on(offer, date(2027, 12, 31)) == region.pk
    assert operator_on(offer, date(2028, 1, 1)) == odense.pk

    def sold(actor):
        return set(placement_list(actor=actor).filter(offer=offer).values_list("citizen_name", flat=True))

    assert sold(world["region"]) == {"Anna Andersen", "Bo Berg"}  # the former keeps what it had
    assert sold(world["odense"]) == {"Bo Berg", "Cai Clausen"}  # the new sees from the takeover date
    with pytest.raises(Exception):
        placement_get(actor=world["odense"], placement_id=before.pk)
    assert placement_get(actor=world["region"], placement_id=running.pk).pk == running.pk

    # Invoicing follows the operator of the day: the region invoices December 2027, Odense January 2028
    december = settlement_issue(actor=world["region"], seller=region, year=2027, month=12, issue_date=date(2028, 1, 2))
    assert {line.placement.citizen_name for line in InvoiceLine.objects.filter(invoice__run=december.run)} == {"Bo Berg"}
    january_region = settlement_issue(actor=world["region"], seller=region, year=2028, month=1,
                                      issue_date=date(2028, 2, 1))
    assert january_region.invoices == [] and january_region.credit_notes == []
    january = settlement_issue(actor=world["odense"], seller=odense, year=2028, month=1, issue_date=date(2028, 2, 1))
    lines = InvoiceLine.objects.filter(invoice__run=january.run)
    assert [(line.placement.citizen_name, line.quantity) for line in lines] == [("Bo Berg", 31)]
    assert Placement.objects.filter(pk=after.pk).exists()


def test_a_new_offer_is_planned_consulted_and_opens_with_its_places(world, region_syd, odense, make_offer):
    new = make_offer(region_syd, municipality=odense, name="Nyt bosted", places=None)
    with pytest.raises(DomainError, match="Angiv antal pladser"):
        proposal_create(actor=world["region"], offer_id=new.pk, kind="opening", effective_date=date(2027, 3, 1),
                        reason="Nyt tilbud", today=TODAY)
    proposal = proposal_create(actor=world["region"], offer_id=new.pk, kind="opening", places=8,
                               effective_date=date(2027, 3, 1), reason="Behov for pladser", today=TODAY)
    assert proposal.status == ProposalStatus.CONSULTATION  # consult_opening (assumed)
    assert offer_status_on(new, date(2027, 1, 1)) == "planned"
    proposal_decide(actor=world["region"], proposal_id=proposal.pk, decision_reference="Regionsrådet",
                    today=date(2026, 12, 22))
    assert offer_status_on(new, date(2027, 3, 1)) == "open"
    assert OfferCapacity.objects.get(offer=new, valid_from=date(2027, 3, 1)).places == 8
