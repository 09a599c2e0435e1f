"""Placement pages, contract PDF, REST API and admin through Django's test client: buying a place, each action, scoping
(another municipality gets 404, the secretariat no access), the logged CPR reads and the Danish messages."""
import base64
import json
import re
import subprocess
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from stdnum import ean as stdnum_ean

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.parties.models import Organisation
from rammeaftale.placements import services
from rammeaftale.placements.models import Placement, PlacementStatus, RegisteredHours
from rammeaftale.placements.services import PlacementRequest
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement, Offer
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD, TODAY

YEAR = TODAY.year
CPR = "0101901234"
CHILD_CPR = "0101164321"  # born 1 January 2016


def _ean(prefix: str) -> str:
    return prefix + stdnum_ean.calc_check_digit(prefix)


@pytest.fixture
def world(agreements, region_syd, odense, esbjerg, copenhagen, secretariat_syd, make_offer, make_user, system):
    """Syddanmark with an agreement this year; Odense's Solsikken (2 places) with a basis service per day and an
    hour-based tilvalg; a user per role in Esbjerg (buyer), Odense (seller), Copenhagen and the secretariat."""
    rulebook = Agreement.objects.get(rulebook__key="syddanmark-2019-2020").rulebook
    registry_services.agreement_create(
        actor=system, region=region_syd, name=f"Demoaftale {YEAR}, Syddanmark", year_from=YEAR, year_to=YEAR,
        rulebook=rulebook, is_demo=True,
    )
    # Master data the reference load does not carry (set as the data stewards would in the admin).
    Organisation.objects.filter(pk=esbjerg.pk).update(ean=_ean("579800000101"), address="Torvegade 74",
                                                      postcode="6700", city="Esbjerg")
    Organisation.objects.filter(pk=odense.pk).update(ean=_ean("579800000202"), cvr="35209115",
                                                     address="Flakhaven 2", postcode="5000", city="Odense C")
    offer = make_offer(odense, name="Botilbuddet Solsikken", paragraphs=("sel-108",), places=2,
                       tilbudsportalen_id="100101")
    Offer.objects.filter(pk=offer.pk).update(address="Solsikkevej 1", postcode="5200", city="Odense V")
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    support = registry_services.service_create(actor=system, offer=offer, name="Ekstra støtte", kind="tilvalg",
                                               unit="hour")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=231_450, monthly_ore=7_040_000,
                          origin=TariffOrigin.PUBLISHED)
    Tariff.objects.create(service=support, year=YEAR, amount_ore=52_500, origin=TariffOrigin.PUBLISHED)
    users = {
        "caseworker": make_user(esbjerg, Role.CASEWORKER, username="sagsbehandler"),
        "economist": make_user(esbjerg, Role.ECONOMIST, username="oekonom"),
        "operator": make_user(odense, Role.OPERATOR, username="driftsherre"),
        "odense_caseworker": make_user(odense, Role.CASEWORKER, username="odense-sagsbehandler"),
        "copenhagen": make_user(copenhagen, Role.CASEWORKER, username="kbh-sagsbehandler"),
        "secretariat": make_user(secretariat_syd, Role.SECRETARIAT, username="sekretariat"),
    }
    return {"offer": offer, "basis": basis, "support": support, "users": users, "esbjerg": esbjerg,
            "odense": odense, "copenhagen": copenhagen}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def buy(world, *, cpr=CPR, start=date(YEAR, 1, 1), end=None, reserve=True, services_=(), custody="",
        payer=None, **payment_agreement) -> Placement:
    from rammeaftale.accounts.actor import actor_from_user
    if payer is not None and payer != world["esbjerg"]:  # a request to the payer (issue 11): why it should pay
        payment_agreement.setdefault("payer_justification", "Opholdskommune efter retssikkerhedslovens § 9, stk. 7")
    return services.placement_request(
        actor=actor_from_user(world["users"]["caseworker"]), reserve=reserve,
        request=PlacementRequest(
            offer=world["offer"], paying_municipality=payer or world["esbjerg"], citizen_name="Anna Andersen",
            cpr=cpr, start_date=start, planned_end=end, citizen_address="Strandvejen 3, 6700 Esbjerg",
            custody=custody, contact_name="Sara Sagsbehandler", contact_phone="76161616",
            contact_email="sara@esbjerg.dk", services=tuple(services_), **payment_agreement,
        ),
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def field_errors(response, field: str) -> list[str]:
    """The messages shown beside a form field (its errors live in the bound form of the response)."""
    form = response.context["form"]
    return list(form.errors.get(field, []))


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    out = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", out.decode())


# --- login and scoping --------------------------------------------------------------------------------------------


def test_every_placement_page_requires_login(client, world):
    placement = buy(world)
    for url in (reverse("placements:placement_list"), reverse("placements:placement_buy"),
                reverse("placements:placement_detail", args=[placement.pk]),
                reverse("placements:placement_contract", args=[placement.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_buyer_and_seller_see_the_placement_others_get_404(world):
    placement = buy(world)
    detail = reverse("placements:placement_detail", args=[placement.pk])
    for name in ("caseworker", "economist", "operator"):
        client = client_for(world["users"][name])
        listing = text_of(client.get(reverse("placements:placement_list")))
        assert placement.reference in listing and "010190-****" in listing and CPR not in listing
        page = client.get(detail)
        assert page.status_code == 200 and "Anna Andersen" in text_of(page) and CPR not in text_of(page)
    for name in ("copenhagen", "odense_caseworker"):
        client = client_for(world["users"][name])
        assert placement.reference not in text_of(client.get(reverse("placements:placement_list")))
        response = client.get(detail)
        assert response.status_code == 404 and "Siden findes ikke" in text_of(response)
        assert client.get(reverse("placements:placement_contract", args=[placement.pk])).status_code == 404
        assert client.post(reverse("placements:placement_cpr", args=[placement.pk]),
                           {"cpr-reason": "Nysgerrig"}).status_code == 404
    assert not AuditEvent.objects.filter(event_type="placement.cpr_read").exists()


def test_the_secretariat_has_no_placement_menu_nor_list(world):
    placement = buy(world)
    client = client_for(world["users"]["secretariat"])
    offers = text_of(client.get(reverse("registry:offer_list")))
    assert "Placeringer" not in offers
    response = client.get(reverse("placements:placement_list"))
    assert response.status_code == 403 and "personoplysninger" in text_of(response)
    assert client.get(reverse("placements:placement_detail", args=[placement.pk])).status_code == 404
    assert "Placeringer" in text_of(client_for(world["users"]["caseworker"]).get(reverse("registry:offer_list")))


def test_the_list_filters_by_status_side_and_text_and_answers_htmx_with_the_table(world, make_offer, system):
    reserved = buy(world)
    requested = buy(world, cpr="0202901234", reserve=False)
    client = client_for(world["users"]["operator"])
    url = reverse("placements:placement_list")

    def refs(**query) -> set[str]:
        return set(re.findall(r">(P\d{7})</a>", client.get(url, query).content.decode()))

    assert refs() == {reserved.reference, requested.reference}
    assert refs(status="requested") == {requested.reference}
    assert refs(side="sold") == {reserved.reference, requested.reference}
    assert refs(side="bought") == set()  # Odense sells, it did not buy
    assert refs(q=requested.reference) == {requested.reference}
    assert refs(q="Solsikken") == {reserved.reference, requested.reference}
    assert refs(status="nonsense") == {reserved.reference, requested.reference}  # an unknown status is ignored
    partial = client.get(url, {"status": "reserved"}, HTTP_HX_REQUEST="true")
    assert "<h1>" not in partial.content.decode() and 'id="placement-table"' in partial.content.decode()
    assert 'data-status="reserved"' in partial.content.decode() and "Reserveret" in partial.content.decode()


# --- buying a place -----------------------------------------------------------------------------------------------


def test_the_offer_page_links_to_buying_for_caseworkers_only(world):
    offer_url = reverse("registry:offer_detail", args=[world["offer"].pk])
    buy_url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    assert buy_url in client_for(world["users"]["caseworker"]).get(offer_url).content.decode()
    for name in ("operator", "economist", "secretariat"):
        assert buy_url not in client_for(world["users"][name]).get(offer_url).content.decode()


def test_a_caseworker_buys_a_place_through_the_form(world):
    client = client_for(world["users"]["caseworker"])
    url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    page = client.get(url)
    assert page.status_code == 200
    html = text_of(page)
    assert "Køb plads i Botilbuddet Solsikken" in html
    assert re.search(r'<strong id="vacancy-free">2</strong>', html)
    assert "2.314,50 kr." in html and "525,00 kr." in html
    form = page.context["form"]
    assert form["paying_municipality"].value() == world["esbjerg"].pk
    assert form["services"].value() == [world["basis"].pk] and form["reserve"].value() is True
    response = client.post(url, {
        "citizen_name": "Bo Barn", "cpr": "010116-4321", "citizen_address": "Skolevej 1, 6700 Esbjerg",
        "custody": "joint", "paying_municipality": world["esbjerg"].pk,
        "services": [world["basis"].pk, world["support"].pk], "start_date": f"{YEAR}-01-01",
        "planned_end": f"{YEAR + 1}-01-01", "contact_name": "Sara Sagsbehandler", "contact_phone": "76161616",
        "contact_email": "sara@esbjerg.dk", "reserve": "on",
    })
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:placement_detail", args=[placement.pk])
    assert (placement.status, placement.acting_municipality, placement.paying_municipality) == (
        PlacementStatus.RESERVED, world["esbjerg"], world["esbjerg"])
    assert placement.cpr_masked == "010116-****" and placement.custody == "joint"
    assert {ps.service for ps in placement.services.all()} == {world["basis"], world["support"]}
    detail = client.get(response["Location"])
    html = text_of(detail)
    assert f"Placering {placement.reference} er oprettet, og pladsen er reserveret." in html
    assert "010116-****" in html and CHILD_CPR not in html and "Fælles" in html
    assert AuditEvent.objects.filter(event_type="placement.reserved", object_id=str(placement.pk)).count() == 1


def test_buying_for_a_payer_outside_the_region_asks_for_the_payment_agreement_on_the_form(world):
    """Issue 10 b: Copenhagen pays for a place in a Syddanmark offer: not covered by the Styringsaftale, and the
    Syddanmark rulebook requires an individual payment agreement; the form says so and nothing is written."""
    client = client_for(world["users"]["caseworker"])
    url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    assert "Individuel betalingsaftale" in text_of(client.get(url))
    data = {"citizen_name": "Bo Barn", "cpr": "010116-4321", "paying_municipality": world["copenhagen"].pk,
            "services": [world["basis"].pk], "start_date": f"{YEAR}-01-01", "reserve": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and not Placement.objects.exists()
    assert "kræver ved hvert køb en konkret og individuel betalingsaftale" in text_of(refused)
    assert refused.context["form"].errors["payment_agreement"]
    response = client.post(url, {**data, "payment_agreement": "Betalingsaftale KBH-12 (takst og underskud)",
                                 "payment_agreement_follows_tariff_principles": "false",
                                 "payer_justification": "Opholdskommune (rsl. § 9, stk. 7)"})
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert (placement.covered_by_agreement, placement.payment_agreement_follows_tariff_principles) == (False, False)
    html = text_of(client.get(response["Location"]))
    assert "Omfattet af styringsaftalen</dt><dd id=\"agreement-coverage\">Nej: betalingskommunen ligger uden for " \
           "Region Syddanmark" in html
    assert "Standardkontrakt, Ikke Rammeaftale" in html
    assert "Betalingsaftale KBH-12 (takst og underskud)" in html
    assert "Følger styringsaftalens takstprincipper: Nej" in html


def test_the_vacancy_follows_the_start_date(world):
    buy(world)
    client = client_for(world["users"]["caseworker"])
    response = client.get(reverse("placements:placement_buy_vacancy"),
                          {"offer": world["offer"].pk, "start_date": f"{YEAR}-06-01"}, HTTP_HX_REQUEST="true")
    html = text_of(response)
    assert "<h1>" not in html and '<strong id="vacancy-free">1</strong>' in html and f"1. juni {YEAR}" in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"cpr": "0101901"}, "cpr", "det skal have 10 cifre"),
    ({"cpr": "3202901234"}, "cpr", "fødselsdatoen findes ikke"),
    ({"planned_end": f"{YEAR - 1}-12-01"}, "planned_end", "skal ligge efter startdatoen"),
    ({"start_date": f"{YEAR + 5}-01-01"}, "services", f"ingen takst for {YEAR + 5}"),
    ({"citizen_name": ""}, "citizen_name", "Dette felt er påkrævet."),
    ({"contact_email": "ikke-en-adresse"}, "contact_email", "Indtast en gyldig e-mail-adresse."),
    ({"start_date": "31.02.2026"}, "start_date", "Indtast en gyldig dato."),
])
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(world, data, field, message):
    client = client_for(world["users"]["caseworker"])
    url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    body = {"citizen_name": "Anna Andersen", "cpr": CPR, "paying_municipality": world["esbjerg"].pk,
            "services": [world["basis"].pk], "start_date": f"{YEAR}-01-01", "reserve": "on", **data}
    response = client.post(url, body)
    assert response.status_code == 400
    assert any(message in error for error in field_errors(response, field)), response.context["form"].errors
    assert "Pladsen er ikke købt" in text_of(response) and "Intet er gemt." in text_of(response)
    assert not Placement.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="placement").exists()


def test_capacity_exceeded_shows_the_danish_message_and_the_way_on(world):
    buy(world)
    buy(world, cpr="0202901234")
    client = client_for(world["users"]["caseworker"])
    url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    body = {"citizen_name": "Carl Carlsen", "cpr": "0303901234", "paying_municipality": world["esbjerg"].pk,
            "services": [world["basis"].pk], "start_date": f"{YEAR}-02-01", "reserve": "on"}
    response = client.post(url, body)
    assert response.status_code == 400
    errors = field_errors(response, "start_date")
    assert errors and f"ingen ledig plads 01.02.{YEAR}: 2 pladser, 2 er optaget" in errors[0]
    assert "Fjern fluebenet i «Reservér pladsen nu»" in text_of(response)
    assert Placement.objects.count() == 2
    # Without the reservation the request goes to the operator, who decides on over-occupancy.
    response = client.post(url, {**body, "reserve": ""})
    assert response.status_code == 302
    assert Placement.objects.get(citizen_name="Carl Carlsen").status == PlacementStatus.REQUESTED


def test_only_caseworkers_buy(world):
    url = f'{reverse("placements:placement_buy")}?offer={world["offer"].pk}'
    for name in ("economist", "operator", "secretariat"):
        response = client_for(world["users"][name]).get(url)
        assert response.status_code == 403 and "Kun kommunens sagsbehandlere" in text_of(response)
    client = client_for(world["users"]["caseworker"])
    assert client.get(reverse("placements:placement_buy")).status_code == 302  # no offer: choose one first
    assert client.get(f'{reverse("placements:placement_buy")}?offer=999999').status_code == 404


# --- the detail and its actions -----------------------------------------------------------------------------------


def action(client, placement, slug, data=None):
    return client.post(reverse("placements:placement_action", args=[placement.pk, slug]), data or {})


def test_the_lifecycle_through_the_pages(world):
    placement = buy(world, reserve=False, services_=[world["basis"]])
    buyer = client_for(world["users"]["caseworker"])
    operator = client_for(world["users"]["operator"])
    detail = reverse("placements:placement_detail", args=[placement.pk])

    html = text_of(buyer.get(detail))
    assert "Anmodet" in html and "Annullér købet" in html and "Registrér indflytning" not in html
    html = text_of(operator.get(detail))
    assert "Bekræft reservation" in html and "Begrundelse for overbelægning" in html

    response = action(operator, placement, "reserver")
    assert response.status_code == 302 and response["Location"].endswith("#reserve")
    assert "Reservationen er bekræftet." in text_of(operator.get(detail))
    assert action(operator, placement, "indflytning").status_code == 302
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE

    html = text_of(buyer.get(detail))
    assert "Opsig pladsen" in html and "løbende måned + 3 måneder" in html
    assert "Antaget standard – ikke fastsat i rammeaftalen" in html  # the notice rules of Syddanmark are assumed
    notice = {"notice-given_on": f"{YEAR}-03-10", "notice-moved_out_on": f"{YEAR}-03-20"}
    asked = action(buyer, placement, "opsig", notice)  # binding: first what it will do, nothing given yet
    html = text_of(asked)
    assert asked.status_code == 200 and "Bekræft opsigelsen" in html
    assert f"10. marts {YEAR}" in html and "løbende måned + 3 måneder" in html
    assert re.search(rf'id="confirm-notice-end"><strong>30\. juni {YEAR}</strong>', html)
    assert re.search(rf'id="confirm-last-charged"><strong>30\. juni {YEAR}</strong>', html)  # full tariff in notice
    assert "Esbjerg Kommune" in html and "Odense Kommune" in html  # buyer, payer and operator named
    assert 'name="notice-given_on" value="' + f'{YEAR}-03-10"' in html and 'name="confirm" value="1"' in html
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE and placement.notice_end is None
    assert not AuditEvent.objects.filter(event_type="placement.notice_given").exists()
    response = action(buyer, placement, "opsig", {**notice, "confirm": "1"})
    assert response.status_code == 302
    assert f"Pladsen er opsagt den 10. marts {YEAR}; opsigelsesperioden løber til og med 30. juni {YEAR}" in (
        text_of(buyer.get(detail)))
    placement.refresh_from_db()
    assert (placement.status, placement.notice_end, placement.moved_out_on) == (
        PlacementStatus.NOTICE_GIVEN, date(YEAR, 7, 1), date(YEAR, 3, 20))
    html = text_of(buyer.get(detail))
    assert f"1. juli {YEAR}" in html and "Fuld takst i hele opsigelsesperioden, også efter fraflytningen" in html

    assert action(operator, placement, "fraflytning", {"move_out-moved_out_on": f"{YEAR}-03-18"}).status_code == 302
    placement.refresh_from_db()
    assert placement.moved_out_on == date(YEAR, 3, 18)

    early = action(buyer, placement, "slutdato", {"end_date-end_date": f"{YEAR}-05-01",
                                                  "end_date-reason": "Aftalt med driftsherren"})
    assert early.status_code == 400 and f"tidligst være 01.07.{YEAR}" in text_of(early)  # before the notice's end
    response = action(buyer, placement, "slutdato", {"end_date-end_date": f"{YEAR}-05-01",
                                                     "end_date-reason": "Aftalt med driftsherren",
                                                     "end_date-operator_agreement": "Leder Hanne Holm, 20. marts"})
    assert response.status_code == 302
    assert "Næste afregningskørsel krediterer og fakturerer forskellen." in text_of(buyer.get(detail))
    placement.refresh_from_db()
    assert placement.end_date == date(YEAR, 5, 1) and placement.notice_end == date(YEAR, 5, 1)
    events = list(AuditEvent.objects.filter(object_type="placements.placement", object_id=str(placement.pk))
                  .order_by("pk")
                  .values_list("event_type", flat=True))
    assert events == ["placement.requested", "placement.reserved", "placement.activated", "placement.notice_given",
                      "placement.moved_out", "placement.end_date_set"]
    assert AuditEvent.objects.get(event_type="placement.end_date_set").reason == "Aftalt med driftsherren"


def test_a_request_is_cancelled_with_a_reason(world):
    placement = buy(world)
    buyer = client_for(world["users"]["caseworker"])
    response = action(buyer, placement, "annuller", {"cancel-reason": " "})
    assert response.status_code == 400
    assert "Angiv en begrundelse for annulleringen." in text_of(response)
    assert "Handlingen er ikke gennemført" in text_of(response)
    asked = action(buyer, placement, "annuller", {"cancel-reason": "Borgeren flytter ikke"})
    html = text_of(asked)
    assert asked.status_code == 200 and "Bekræft annulleringen" in html and "Borgeren flytter ikke" in html
    assert "Reserveret" in html and "Esbjerg Kommune" in html and "Botilbuddet Solsikken" in html
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.RESERVED
    assert not AuditEvent.objects.filter(event_type="placement.cancelled").exists()
    done = action(buyer, placement, "annuller", {"cancel-reason": "Borgeren flytter ikke", "confirm": "1"})
    assert done.status_code == 302
    assert f"Købet af placering {placement.reference} er annulleret" in text_of(buyer.get(done["Location"]))
    placement.refresh_from_db()
    assert (placement.status, placement.cancelled_reason) == (PlacementStatus.CANCELLED, "Borgeren flytter ikke")


def test_actions_refuse_with_danish_messages_and_write_nothing(world):
    placement = buy(world)
    buyer = client_for(world["users"]["caseworker"])
    operator = client_for(world["users"]["operator"])
    before = AuditEvent.objects.count()
    response = action(buyer, placement, "indflytning")
    assert response.status_code == 403 and "Kun driftsherren registrerer indflytning." in text_of(response)
    response = action(operator, placement, "reserver")
    assert response.status_code == 400 and "kræver status anmodet" in text_of(response)
    response = action(buyer, placement, "opsig", {"notice-given_on": ""})
    assert response.status_code == 400 and "Dette felt er påkrævet." in text_of(response)
    response = action(buyer, placement, "slutdato", {"end_date-end_date": f"{YEAR - 1}-06-01",
                                                     "end_date-reason": "Fejl"})
    assert response.status_code == 400 and "skal ligge efter startdatoen" in text_of(response)
    assert response.context["forms"]["end_date"].errors["end_date"]  # shown beside the field
    assert action(buyer, placement, "findes-ikke").status_code == 404
    assert client_for(world["users"]["copenhagen"]).post(
        reverse("placements:placement_action", args=[placement.pk, "annuller"]), {"cancel-reason": "x"}
    ).status_code == 404
    assert buyer.get(reverse("placements:placement_action", args=[placement.pk, "annuller"])).status_code == 405
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.RESERVED and AuditEvent.objects.count() == before


def test_the_operator_records_over_occupancy_with_a_reason(world):
    buy(world)
    buy(world, cpr="0202901234")
    placement = buy(world, cpr="0303901234", reserve=False)
    operator = client_for(world["users"]["operator"])
    response = action(operator, placement, "reserver")
    assert response.status_code == 400 and "Overbelægning kræver en begrundelse fra driftsherren." in text_of(response)
    response = action(operator, placement, "reserver", {"reserve-over_occupancy_reason": "Akut, aftalt med Esbjerg"})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.status, placement.over_occupancy_reason) == (PlacementStatus.RESERVED,
                                                                   "Akut, aftalt med Esbjerg")
    assert "Akut, aftalt med Esbjerg" in text_of(operator.get(reverse("placements:placement_detail",
                                                                      args=[placement.pk])))


def test_the_operator_registers_hours_of_an_hour_based_service(world):
    placement = buy(world, services_=[world["basis"], world["support"]])
    support = placement.services.get(service=world["support"])
    operator = client_for(world["users"]["operator"])
    detail = reverse("placements:placement_detail", args=[placement.pk])
    assert "Registrér leverede timer" in text_of(operator.get(detail))
    assert "Registrér leverede timer" not in text_of(client_for(world["users"]["caseworker"]).get(detail))
    response = action(operator, placement, "timer", {"hours-placement_service": support.pk,
                                                     "hours-day": f"{YEAR}-01-05", "hours-minutes": 90})
    assert response.status_code == 302
    assert RegisteredHours.objects.get().minutes == 90
    assert 'id="hours-table"' in text_of(operator.get(detail))
    response = action(operator, placement, "timer", {"hours-placement_service": support.pk,
                                                     "hours-day": f"{YEAR - 1}-12-31", "hours-minutes": 30})
    assert response.status_code == 400 and "ligger uden for placeringens periode" in text_of(response)
    response = action(operator, placement, "timer", {"hours-placement_service": support.pk,
                                                     "hours-day": f"{YEAR}-01-06", "hours-minutes": 0})
    assert response.status_code == 400 and "større end eller lig 1" in text_of(response)
    assert RegisteredHours.objects.count() == 1


# --- CPR ----------------------------------------------------------------------------------------------------------


def test_revealing_the_full_cpr_needs_a_reason_and_is_logged(world):
    placement = buy(world)
    client = client_for(world["users"]["caseworker"])
    url = reverse("placements:placement_cpr", args=[placement.pk])
    detail = reverse("placements:placement_detail", args=[placement.pk])
    assert "Vis fuldt CPR-nummer" in text_of(client.get(detail))

    response = client.post(url, {"cpr-reason": ""})
    assert response.status_code == 400 and "Angiv hvorfor du skal se det fulde CPR-nummer." in text_of(response)
    assert not AuditEvent.objects.filter(event_type="placement.cpr_read").exists()

    response = client.post(url, {"cpr-reason": "Indskrivning hos lægen"})
    assert response.status_code == 200
    assert "010190-1234" in text_of(response) and "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(event_type="placement.cpr_read")
    assert (event.actor_username, event.reason, event.object_id) == (
        "sagsbehandler", "Indskrivning hos lægen", str(placement.pk))
    assert "010190-1234" not in text_of(client.get(detail)) and CPR not in text_of(client.get(detail))

    partial = client.post(url, {"cpr-reason": "Opringning fra borgeren"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<h1>" not in html and 'id="full-cpr"' in html and "010190-1234" in html
    assert AuditEvent.objects.filter(event_type="placement.cpr_read").count() == 2


def test_the_economist_sees_only_the_masked_cpr(world):
    placement = buy(world)
    client = client_for(world["users"]["economist"])
    assert "Vis fuldt CPR-nummer" not in text_of(client.get(reverse("placements:placement_detail",
                                                                    args=[placement.pk])))
    response = client.post(reverse("placements:placement_cpr", args=[placement.pk]), {"cpr-reason": "Faktura"})
    assert response.status_code == 403 and "Du kan kun se det maskerede CPR-nummer." in text_of(response)
    assert not AuditEvent.objects.filter(event_type="placement.cpr_read").exists()


# --- the standard contract ----------------------------------------------------------------------------------------


def test_the_contract_pdf_holds_the_standard_contract_with_the_full_cpr_as_a_logged_read(world):
    placement = buy(world, cpr=CHILD_CPR, custody="joint", services_=[world["basis"], world["support"]],
                    end=date(YEAR + 1, 1, 1))
    client = client_for(world["users"]["caseworker"])
    response = client.get(reverse("placements:placement_contract", args=[placement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="standardkontrakt-{placement.reference}.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    esbjerg, odense = Organisation.objects.get(pk=world["esbjerg"].pk), Organisation.objects.get(pk=world["odense"].pk)
    for expected in [
        "Standardkontrakt for køb af plads", placement.reference,
        "Barnet/den unge", "Anna Andersen", "010116-4321", "Strandvejen 3, 6700 Esbjerg",
        "Forældremyndighed Fælles",
        "Betalings- og handlekommune er samme kommune Ja",
        "Esbjerg Kommune", "Torvegade 74, 6700 Esbjerg", f"EAN-nr. {esbjerg.ean}",
        "Sara Sagsbehandler, tlf. 76161616, sara@esbjerg.dk",
        "Kommunalt tilbud", "Odense Kommune", f"EAN-nr. {odense.ean}", "CVR-nr. 35209115",
        "Botilbuddet Solsikken", "Solsikkevej 1, 5200 Odense V", "Tilbudsportalen-id 100101",
        "Standardkontrakt for køb af plads – Rammeaftale", "Kontraktskabelon Rammeaftale",
        "Leverandøren er omfattet af styringsaftalen Ja", "Region Syddanmark", f"Demoaftale {YEAR}, Syddanmark",
        "SEL § 108", f"Takst {YEAR}", "Døgnophold", "2.314,50 kr.", "70.400,00 kr.", "Ekstra støtte", "525,00 kr.",
        f"1. januar {YEAR}", f"1. januar {YEAR + 1}",
        "Betaling forud eller bagud Forud", "Længste betalingsfrist 30 dage", "Dage × døgntakst",
        "Krav skal fremsættes senest efter ydelsen 12 måneder", "Kilde:", "Antaget standard – ikke fastsat i rammeaftalen",
        "løbende måned + 3 måneder", "Opsigelsesvarsel for døgn- og botilbud", "3 måneder",
        "Taksten betales fuldt i opsigelsesperioden", "Fortroligt",
    ]:
        assert expected in text, (expected, text)
    assert "010116-****" not in text
    event = AuditEvent.objects.get(event_type="placement.cpr_read")
    assert (event.reason, event.actor_username) == ("Standardkontrakt", "sagsbehandler")


def test_the_contract_shows_the_masked_cpr_to_those_who_may_not_read_it(world):
    placement = buy(world, payer=world["copenhagen"], payment_agreement="Betalingsaftale KBH-12",
                    payment_agreement_follows_tariff_principles=True)
    from rammeaftale.accounts.actor import actor_from_user
    services.placement_payer_accept(actor=actor_from_user(world["users"]["copenhagen"]), placement=placement)
    text = pdf_text(client_for(world["users"]["economist"]).get(
        reverse("placements:placement_contract", args=[placement.pk])).content)
    assert "010190-**** (maskeret)" in text and "010190-1234" not in text
    # Copenhagen pays: outside Syddanmark, so the template is «Ikke Rammeaftale» with the payment agreement.
    for expected in ("Standardkontrakt for køb af plads – Ikke Rammeaftale",
                     "Leverandøren er omfattet af styringsaftalen Nej: betalingskommunen ligger uden for Region "
                     "Syddanmark", "Kontraktskabelon Ikke Rammeaftale",
                     "Individuel betalingsaftale Betalingsaftale KBH-12",
                     "Følger styringsaftalens takstprincipper Ja"):
        assert expected in text, (expected, text)
    assert "Borgeren" in text and "Ikke relevant (voksen)" in text
    assert "Betalings- og handlekommune er samme kommune Nej" in text and "København Kommune" in text
    assert "Ikke registreret i placeringen" in text  # the paying municipality's contact is not on the placement
    # A caseworker may choose the masked version; then nothing is logged.
    masked = client_for(world["users"]["caseworker"]).get(
        reverse("placements:placement_contract", args=[placement.pk]), {"cpr": "maskeret"})
    assert "010190-****" in pdf_text(masked.content)
    assert not AuditEvent.objects.filter(event_type="placement.cpr_read").exists()


# --- REST API -----------------------------------------------------------------------------------------------------


def basic(user) -> dict:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def api_post(user, path: str, body: dict | None = None):
    return Client().post(f"/api/placements{path}", body or {}, content_type="application/json", **basic(user))


def api_get(user, path: str = "", **query):
    return Client().get(f"/api/placements{path}", query, **basic(user))


def test_the_api_lists_and_shows_placements_scoped_with_the_masked_cpr(world):
    placement = buy(world)
    listing = api_get(world["users"]["operator"])
    assert listing.status_code == 200
    item = listing.json()["items"][0]
    assert (item["reference"], item["cpr_masked"], item["status"]) == (placement.reference, "010190-****", "reserved")
    assert item["acting_municipality"]["display_name"] == "Esbjerg Kommune" and CPR not in listing.content.decode()
    assert api_get(world["users"]["operator"], side="bought").json()["count"] == 0
    assert api_get(world["users"]["copenhagen"]).json()["count"] == 0
    refused = api_get(world["users"]["secretariat"])
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    detail = api_get(world["users"]["caseworker"], f"/{placement.pk}").json()
    assert detail["notice_rule"] == "løbende måned + 3 måneder" and detail["full_tariff_during_notice"] is True
    assert {"cancel", "notice", "end_date"} <= set(detail["actions"]) and detail["may_read_full_cpr"] is True
    assert detail["tariffs"][0]["amount_kr"] == "2314.50" and detail["tariffs"][0]["amount_ore"] == 231_450
    assert any(t["assumed"] for t in detail["terms"]) and any(t["source"] for t in detail["terms"])
    missing = api_get(world["users"]["copenhagen"], f"/{placement.pk}")
    assert missing.status_code == 404 and missing.json()["message"] == "Placeringen findes ikke."
    assert Client().get("/api/placements").status_code == 401


def test_the_api_lists_rows_read_as_values_exactly_as_the_schema_gives_the_placement(world):
    """The list reads its page as values (`placements.api._rows_page`), not as placements: each row is what
    `PlacementOut` gives from the placement object through its resolvers, field for field in the same JSON."""
    from ninja.responses import NinjaJSONEncoder

    from rammeaftale.placements.api import PlacementOut

    placements = [buy(world, services_=(world["support"],), custody="joint", end=date(YEAR, 6, 1)),
                  buy(world, cpr="0202902345", start=date(YEAR, 2, 1), payer=world["copenhagen"],
                      payment_agreement="Betalingsaftale 2026-17",
                      payment_agreement_follows_tariff_principles=False),
                  buy(world, cpr="0303903456", start=date(YEAR, 3, 1), reserve=False)]
    listing = api_get(world["users"]["caseworker"])  # the acting municipality: the payer's request too
    assert listing.status_code == 200 and listing.json()["count"] == len(placements)
    by_id = {item["id"]: item for item in listing.json()["items"]}
    for placement in Placement.objects.filter(pk__in=[p.pk for p in placements]).select_related(
            "offer__operator", "acting_municipality", "paying_municipality"):
        expected = json.loads(json.dumps(PlacementOut.model_validate(placement).model_dump(), cls=NinjaJSONEncoder))
        assert by_id[placement.pk] == expected
    assert len({(item["custody_label"], item["holds_until"], item["status"], item["contract_variant"],
                 item["payer_consent"]) for item in by_id.values()}) == 3  # three different rows compared


def test_the_api_buys_a_place_and_refuses_bad_input_in_danish(world):
    caseworker = world["users"]["caseworker"]
    body = {"offer_id": world["offer"].pk, "citizen_name": "Anna Andersen", "cpr": CPR, "start_date": f"{YEAR}-01-01",
            "service_ids": [world["basis"].pk, world["support"].pk]}
    bad_cpr = api_post(caseworker, "", {**body, "cpr": "3202901234"})
    assert bad_cpr.status_code == 400
    assert bad_cpr.json()["field"] == "cpr" and "fødselsdatoen findes ikke" in bad_cpr.json()["message"]
    backwards = api_post(caseworker, "", {**body, "planned_end": f"{YEAR - 1}-06-01"})
    assert backwards.status_code == 400 and backwards.json()["field"] == "planned_end"
    assert backwards.json()["message"].startswith(f"Slutdatoen 01.06.{YEAR - 1} skal ligge efter startdatoen")
    malformed = api_post(caseworker, "", {**body, "start_date": "1. januar"})
    assert malformed.status_code == 422 and malformed.json()["field"] == "start_date"
    assert "Ugyldige eller manglende data i «start_date»" in malformed.json()["message"]
    assert api_post(caseworker, "", {**body, "custody": "bedstemor"}).json()["field"] == "custody"
    foreign = api_post(caseworker, "", {**body, "service_ids": [999999]})
    assert foreign.status_code == 400 and foreign.json()["field"] == "service_ids"
    assert api_post(world["users"]["economist"], "", body).status_code == 403
    assert not Placement.objects.exists()

    unjustified = api_post(caseworker, "", {**body, "paying_municipality_id": world["odense"].pk, "reserve": False})
    assert unjustified.status_code == 400 and unjustified.json()["field"] == "payer_justification"
    assert not Placement.objects.exists()
    created = api_post(caseworker, "", {**body, "paying_municipality_id": world["odense"].pk, "reserve": False,
                                        "payer_justification": "Opholdskommune (rsl. § 9, stk. 7)"})
    assert created.status_code == 201
    data = created.json()
    assert (data["status"], data["paying_municipality"]["name"], data["cpr_masked"], data["payer_consent"]) == (
        "requested", "Odense", "010190-****", "pending")
    assert [s["name"] for s in data["services"]] == ["Døgnophold", "Ekstra støtte"]
    assert "cpr" not in data and CPR not in created.content.decode()
    assert (data["covered_by_agreement"], data["contract_variant"], data["payment_agreement"]) == (
        True, "Rammeaftale", "")

    outside = {**body, "cpr": "0202902345", "paying_municipality_id": world["copenhagen"].pk,
               "payer_justification": "Opholdskommune (rsl. § 9, stk. 7)"}
    refused = api_post(caseworker, "", outside)
    assert refused.status_code == 400 and refused.json()["field"] == "payment_agreement"
    assert "individuel betalingsaftale" in refused.json()["message"]
    unsure = api_post(caseworker, "", {**outside, "payment_agreement": "Aftale 12"})
    assert unsure.json()["field"] == "payment_agreement_follows_tariff_principles"
    assert Placement.objects.count() == 1
    created = api_post(caseworker, "", {**outside, "payment_agreement": "Aftale 12",
                                        "payment_agreement_follows_tariff_principles": True})
    assert created.status_code == 201
    data = created.json()
    assert (data["covered_by_agreement"], data["contract_variant"], data["agreement_coverage_note"]) == (
        False, "Ikke Rammeaftale", "betalingskommunen ligger uden for Region Syddanmark")
    assert (data["payment_agreement"], data["payment_agreement_follows_tariff_principles"]) == ("Aftale 12", True)


def test_the_api_runs_every_action_and_logs_cpr_reads(world):
    caseworker, operator = world["users"]["caseworker"], world["users"]["operator"]
    placement = buy(world, reserve=False, services_=[world["basis"], world["support"]])
    path = f"/{placement.pk}"
    assert api_post(caseworker, f"{path}/activate").status_code == 403
    assert api_post(operator, f"{path}/reserve").json()["status"] == "reserved"
    assert api_post(operator, f"{path}/activate").json()["status"] == "active"
    support = placement.services.get(service=world["support"])
    hours = api_post(operator, f"{path}/hours", {"placement_service_id": support.pk, "day": f"{YEAR}-01-02",
                                                 "minutes": 45})
    assert hours.status_code == 200 and hours.json()["minutes"] == 45
    noticed = api_post(caseworker, f"{path}/notice", {"given_on": f"{YEAR}-02-15"}).json()
    assert (noticed["status"], noticed["notice_end"], noticed["charged_until"]) == (
        "notice_given", f"{YEAR}-06-01", f"{YEAR}-06-01")
    moved = api_post(operator, f"{path}/move-out", {"moved_out_on": f"{YEAR}-03-01"}).json()
    assert moved["moved_out_on"] == f"{YEAR}-03-01" and moved["charged_until"] == f"{YEAR}-06-01"
    no_reason = api_post(caseworker, f"{path}/end-date", {"end_date": f"{YEAR}-04-01", "reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["message"] == "Angiv en begrundelse for den nye slutdato."
    early = api_post(caseworker, f"{path}/end-date", {"end_date": f"{YEAR}-04-01", "reason": "Rettet"})
    assert early.status_code == 400 and early.json()["code"] == "notice_not_respected"
    assert f"tidligst være 01.06.{YEAR}" in early.json()["message"]
    ended = api_post(caseworker, f"{path}/end-date", {"end_date": f"{YEAR}-04-01", "reason": "Rettet",
                                                      "operator_agreement": "Aftalt med driftsherren 1. april"}).json()
    assert ended["end_date"] == f"{YEAR}-04-01" and ended["charged_until"] == f"{YEAR}-04-01"
    assert ended["early_end_agreement"] == "Aftalt med driftsherren 1. april"

    other = buy(world, cpr="0202901234")
    cancelled = api_post(caseworker, f"/{other.pk}/cancel", {"reason": "Fortrudt"})
    assert cancelled.json()["status"] == "cancelled"

    read = api_post(operator, f"{path}/cpr", {"reason": "Indskrivning"})
    assert read.status_code == 200 and read.json() == {"cpr": CPR, "logged": True}
    assert "no-store" in read["Cache-Control"]
    assert AuditEvent.objects.get(event_type="placement.cpr_read").reason == "Indskrivning"
    assert api_post(world["users"]["economist"], f"{path}/cpr", {"reason": "Faktura"}).status_code == 403
    assert api_post(world["users"]["copenhagen"], f"{path}/cpr", {"reason": "x"}).status_code == 404

    pdf = api_get(caseworker, f"{path}/contract.pdf", masked="true")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "010190-****" in pdf_text(pdf.content)
    assert AuditEvent.objects.filter(event_type="placement.cpr_read").count() == 1  # the masked copy is no read


def test_the_openapi_schema_lists_the_placement_endpoints(world):
    paths = client_for(world["users"]["caseworker"]).get("/api/openapi.json").json()["paths"]
    for path in ("/api/placements", "/api/placements/{placement_id}", "/api/placements/{placement_id}/cpr",
                 "/api/placements/{placement_id}/contract.pdf", "/api/placements/{placement_id}/end-date"):
        assert path in paths, path


# --- admin ----------------------------------------------------------------------------------------------------------


def test_the_admin_shows_placements_without_the_encrypted_cpr_and_audits_changes(world, make_superuser,
                                                                                  secretariat_syd):
    placement = buy(world)
    steward = make_superuser("forvalter", secretariat_syd, Role.ADMINISTRATOR)
    client = client_for(steward)
    listing = client.get(reverse("admin:placements_placement_changelist"))
    assert listing.status_code == 200 and placement.reference in listing.content.decode()
    url = reverse("admin:placements_placement_change", args=[placement.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "010190-****" in html
    assert "cpr_encrypted" not in html and "cpr_index" not in html and placement.cpr_encrypted not in html
    assert set(page.context["adminform"].form.fields) == {"citizen_address", "contact_name", "contact_phone",
                                                          "contact_email"}
    assert client.get(reverse("admin:placements_placement_add")).status_code == 403
    response = client.post(url, {
        "citizen_address": "Ny vej 1, 6700 Esbjerg", "contact_name": "Sara Sagsbehandler",
        "contact_phone": "76161617", "contact_email": "sara@esbjerg.dk",
        "services-TOTAL_FORMS": "1", "services-INITIAL_FORMS": "1", "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "1000", "services-0-id": placement.services.get().pk,
        "services-0-placement": placement.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(event_type="admin.placement.changed")
    assert event.after["contact_phone"] == "76161617" and event.before["contact_phone"] == "76161616"
    assert "cpr_encrypted" not in event.after and "cpr_index" not in event.after


def test_a_notice_the_service_refuses_is_refused_before_it_is_asked(world):
    """The confirmation is the service's own answer, rolled back: what it refuses is shown as the failed action, with
    nothing written and no question asked."""
    placement = buy(world)
    buyer = client_for(world["users"]["caseworker"])
    before = AuditEvent.objects.count()
    response = action(buyer, placement, "opsig", {"notice-given_on": f"{YEAR - 1}-12-01"})
    html = text_of(response)
    assert response.status_code == 400 and "Opsigelsen kan ikke gives før placeringens start." in html
    assert "Bekræft opsigelsen" not in html and 'name="confirm"' not in html
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.RESERVED and AuditEvent.objects.count() == before
