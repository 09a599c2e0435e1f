"""The paying municipality's consent (issue 11, "High"): a purchase another municipality is to pay for is a request to
it. Until it accepts, the request holds no place, is not invoiced, never blocks the seller's month, and the payer sees
nothing of the citizen; it accepts or declines (audited) from its inbox (page and API). Also: a municipality that is
both buyer and operator sees its own internal placements (can_see_placement returned early)."""
import base64
import json
import re
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from stdnum import ean

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.accounts.selectors import audit_event_list
from rammeaftale.billing.models import InvoiceLine, PaymentAccount
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.core.errors import DomainError
from rammeaftale.placements import selectors, services
from rammeaftale.placements.models import PayerConsent, Placement, PlacementStatus
from rammeaftale.placements.services import PlacementRequest
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD

YEAR = 2026
RATE = 234_567
CPR = "0101901234"
JUSTIFICATION = "Opholdskommune efter retssikkerhedslovens § 9, stk. 7 (ophold i familiepleje før 18 år)"
# Everything of the citizen the request carries; none of it may reach the payer before it accepts.
PERSONAL = ("Anna Andersen", "010190", CPR, "1990", "Strandvejen", "Sara Sagsbehandler", "76161616",
            "sara@esbjerg.dk")
OUTSIDE = {"payment_agreement": "Betalingsaftale KBH-12", "payment_agreement_follows_tariff_principles": True}


def gln(body: str) -> str:
    return body + ean.calc_check_digit(body)


@pytest.fixture
def world(agreements, odense, esbjerg, copenhagen, make_offer, make_user, system):
    """Odense sells (Æblehaven, 2 places); Esbjerg buys; Copenhagen has no EAN (as in the probe)."""
    for organisation, body, cvr in ((odense, "579800000461", "35209115"), (esbjerg, "579800000561", "29189803")):
        organisation.ean, organisation.cvr = gln(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "5000", organisation.name
        organisation.save()
    assert not copenhagen.ean
    PaymentAccount.objects.create(organisation=odense, reg_no="1234", account_no="0001234567")
    offer = make_offer(odense, name="Bostedet Æblehaven", paragraphs=("sel-108",), places=2)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=RATE, origin=TariffOrigin.PUBLISHED)
    users = {
        "caseworker": make_user(esbjerg, Role.CASEWORKER, username="esbjerg-sagsbehandler"),
        "kbh_caseworker": make_user(copenhagen, Role.CASEWORKER, username="kbh-sagsbehandler"),
        "kbh_economist": make_user(copenhagen, Role.ECONOMIST, username="kbh-oekonom"),
        "kbh_admin": make_user(copenhagen, Role.ADMINISTRATOR, username="kbh-admin"),
        "kbh_operator": make_user(copenhagen, Role.OPERATOR, username="kbh-driftsherre"),
        "operator": make_user(odense, Role.OPERATOR, username="odense-driftsherre"),
        "seller": make_user(odense, Role.ECONOMIST, username="odense-oekonom"),
        "odense_caseworker": make_user(odense, Role.CASEWORKER, username="odense-sagsbehandler"),
    }
    return {"offer": offer, "basis": basis, "users": users, "odense": odense, "esbjerg": esbjerg,
            "copenhagen": copenhagen}


def actor(world, name):
    return actor_from_user(world["users"][name])


def ask(world, payer, *, cpr=CPR, start=date(YEAR, 11, 1), reserve=True, by="caseworker", **extra) -> Placement:
    if payer.region_id != world["odense"].region_id:  # seed 000: an individual payment agreement
        extra = {**OUTSIDE, **extra}
    if payer.pk != actor(world, by).organisation_id:  # a request to the payer: why it should pay
        extra.setdefault("payer_justification", JUSTIFICATION)
    return services.placement_request(actor=actor(world, by), reserve=reserve, request=PlacementRequest(
        offer=world["offer"], paying_municipality=payer, citizen_name="Anna Andersen", cpr=cpr, start_date=start,
        citizen_address="Strandvejen 3, 6700 Esbjerg", contact_name="Sara Sagsbehandler", contact_phone="76161616",
        contact_email="sara@esbjerg.dk", **extra))


def basic(user) -> dict:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def api(world, name, method, path, body=None):
    client, user = Client(), world["users"][name]
    if method == "get":
        return client.get(f"/api/placements{path}", body or {}, **basic(user))
    return client.post(f"/api/placements{path}", body or {}, content_type="application/json", **basic(user))


def page(world, name, url, data=None):
    client = Client()
    client.force_login(world["users"][name])
    return client.post(url, data) if data is not None else client.get(url)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def assert_nothing_personal(text: str) -> None:
    """No personal value anywhere, a number not inside a longer one: a database id such as 19902 is not the birth
    year 1990 (on PostgreSQL the ids grow across tests, and one did contain it)."""
    for value in PERSONAL:
        assert not re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text), value


# --- the probe ----------------------------------------------------------------------------------------------------


def test_the_probe_a_third_party_payer_is_asked_not_bound(world):
    """Esbjerg POSTs a purchase with Copenhagen (no EAN) as payer: before, 201 reserved, invoiced to Copenhagen, the
    seller's month blocked by `missing_party_data`, and Copenhagen's caseworker could read the full CPR."""
    own = ask(world, world["esbjerg"], cpr="0202902345")  # Esbjerg's own purchase: the month has an invoice
    body = {"offer_id": world["offer"].pk, "paying_municipality_id": world["copenhagen"].pk,
            "citizen_name": "Anna Andersen", "cpr": CPR, "start_date": f"{YEAR}-11-01",
            "citizen_address": "Strandvejen 3, 6700 Esbjerg", "contact_name": "Sara Sagsbehandler",
            "contact_phone": "76161616", "contact_email": "sara@esbjerg.dk", **OUTSIDE}
    refused = api(world, "caseworker", "post", "", body)
    assert refused.status_code == 400 and refused.json()["field"] == "payer_justification"
    assert "sendes til København Kommune som en anmodning" in refused.json()["message"]
    created = api(world, "caseworker", "post", "", {**body, "payer_justification": JUSTIFICATION})
    assert created.status_code == 201
    data = created.json()
    assert (data["status"], data["payer_consent"], data["payer_justification"]) == (
        "requested", "pending", JUSTIFICATION)
    assert data["actions"] == ["cancel"]  # the acting caseworker may only withdraw it
    placement = Placement.objects.get(pk=data["id"])
    # Not reserved: it holds no place.
    assert selectors.offer_vacancy(offer=world["offer"], on=date(YEAR, 11, 15)).held == 1
    # Copenhagen sees nothing of the citizen: not in its list, detail, CPR, contract or pages.
    for name in ("kbh_caseworker", "kbh_economist", "kbh_admin"):
        assert api(world, name, "get", "").json()["count"] == 0
        assert api(world, name, "get", f"/{placement.pk}").status_code == 404
        assert api(world, name, "get", f"/{placement.pk}/contract.pdf").status_code == 404
        assert page(world, name, reverse("placements:placement_detail", args=[placement.pk])).status_code == 404
        assert page(world, name, reverse("placements:placement_contract", args=[placement.pk])).status_code == 404
        listing = page(world, name, reverse("placements:placement_list"))
        assert placement.reference not in text_of(listing)
    cpr = api(world, "kbh_caseworker", "post", f"/{placement.pk}/cpr", {"reason": "Kontrol"})
    assert cpr.status_code == 404 and CPR not in cpr.content.decode()
    assert not AuditEvent.objects.filter(event_type="placement.cpr_read").exists()
    # Nor does the operator, whose place is not held: the request is between the two municipalities.
    assert api(world, "operator", "get", f"/{placement.pk}").status_code == 404
    # The seller's month issues: no line for the request, Copenhagen's missing EAN blocks nothing.
    seller = actor(world, "seller")
    plan = settlement_plan(actor=seller, seller=world["odense"], year=YEAR, month=11, issue_date=date(YEAR, 12, 1))
    assert plan.problems == [] and [p.reference for p in plan.awaiting_consent] == [placement.reference]
    [warning] = [w for w in plan.warnings if "betalingskommunens accept" in w]
    assert warning.startswith("1 placering venter på betalingskommunens accept og afregnes ikke")
    assert placement.reference in warning and "Esbjerg Kommune køber, København Kommune betaler" in warning
    assert_nothing_personal(warning)
    result = settlement_issue(actor=seller, seller=world["odense"], year=YEAR, month=11, issue_date=date(YEAR, 12, 1))
    assert [invoice.buyer for invoice in result.invoices] == [world["esbjerg"]]
    assert set(InvoiceLine.objects.values_list("placement_id", flat=True)) == {own.pk}
    preview = page(world, "seller", reverse("billing:settlement_preview") + f"?month={YEAR}-11")
    assert "venter på betalingskommunens accept" in text_of(preview)


def test_the_payer_sees_the_request_without_the_citizen_in_its_inbox(world):
    placement = ask(world, world["copenhagen"])
    listing = api(world, "kbh_economist", "get", "/consents")
    assert listing.status_code == 200
    [item] = listing.json()
    assert (item["id"], item["reference"], item["consent"], item["acting_municipality"]["name"]) == (
        placement.pk, placement.reference, "pending", "Esbjerg")
    assert (item["offer"]["name"], item["start_date"], item["justification"]) == (
        "Bostedet Æblehaven", f"{YEAR}-11-01", JUSTIFICATION)
    assert [(s["name"], s["tariff_ore"], s["tariff_kr"]) for s in item["services"]] == [
        ("Døgnophold", RATE, "2345.67")]
    assert_nothing_personal(listing.content.decode())
    inbox = page(world, "kbh_caseworker", reverse("placements:consent_list"))
    assert inbox.status_code == 200 and placement.reference in text_of(inbox) and "Esbjerg Kommune" in text_of(inbox)
    detail = page(world, "kbh_caseworker", reverse("placements:consent_detail", args=[placement.pk]))
    html = text_of(detail)
    assert detail.status_code == 200 and JUSTIFICATION in html and "2.345,67 kr." in html
    assert "Acceptér købet" in html and "Afvis købet" in html
    assert "no-store" in detail["Cache-Control"]
    for response in (inbox, detail):
        assert_nothing_personal(text_of(response))
    assert "anmodning om betaling venter på din kommunes accept" in text_of(
        page(world, "kbh_caseworker", reverse("placements:placement_list")))
    # The acting municipality sees its own request as pending; nobody else sees it in the inbox.
    assert "Venter på betalingskommunen" in text_of(page(world, "caseworker", reverse("placements:placement_list")))
    for name in ("caseworker", "seller", "operator"):
        assert api(world, name, "get", "/consents").json() == []
        assert api(world, name, "get", f"/{placement.pk}/payer-accept").status_code == 405
        assert api(world, name, "post", f"/{placement.pk}/payer-accept").status_code == 404
    assert page(world, "kbh_operator", reverse("placements:consent_list")).status_code == 403
    assert page(world, "caseworker", reverse("placements:consent_detail", args=[placement.pk])).status_code == 404
    assert Client().get("/api/placements/consents").status_code == 401


# --- accept and decline -------------------------------------------------------------------------------------------


def test_accepting_reserves_and_the_payer_then_sees_what_a_paying_municipality_sees(world):
    placement = ask(world, world["copenhagen"])
    # While pending, nobody can reserve it, not even the acting caseworker.
    with pytest.raises(DomainError) as error:
        services.placement_reserve(actor=actor(world, "caseworker"), placement=placement)
    assert error.value.code == "payer_consent_pending"
    assert api(world, "kbh_operator", "post", f"/{placement.pk}/payer-accept").status_code == 404
    answer = api(world, "kbh_economist", "post", f"/{placement.pk}/payer-accept", {"note": "Vi betaler fra start."})
    assert answer.status_code == 200
    data = answer.json()
    assert (data["consent"], data["status"], data["reserved"], data["note"], data["answered_by"]) == (
        "accepted", "reserved", True, "Vi betaler fra start.", "kbh-oekonom")
    assert data["message"] == "Købet er accepteret, og pladsen er reserveret."
    placement.refresh_from_db()
    assert (placement.status, placement.payer_consent, placement.payer_consent_by) == (
        PlacementStatus.RESERVED, PayerConsent.ACCEPTED, world["users"]["kbh_economist"])
    accepted = AuditEvent.objects.get(event_type="placement.payer_accepted")
    assert (accepted.actor_username, accepted.actor_organisation, accepted.organisation, accepted.reason) == (
        "kbh-oekonom", world["copenhagen"], world["esbjerg"], "Vi betaler fra start.")
    assert (accepted.before["payer_consent"], accepted.after["payer_consent"]) == ("pending", "accepted")
    assert_nothing_personal(json.dumps([accepted.before, accepted.after]))
    assert AuditEvent.objects.filter(event_type="placement.reserved", object_id=str(placement.pk)).count() == 1
    # Now Copenhagen sees the placement as a paying municipality does, its caseworkers the full CPR (logged).
    detail = api(world, "kbh_caseworker", "get", f"/{placement.pk}").json()
    assert (detail["citizen_name"], detail["may_read_full_cpr"]) == ("Anna Andersen", True)
    assert api(world, "kbh_caseworker", "post", f"/{placement.pk}/cpr", {"reason": "Sagen"}).json()["cpr"] == CPR
    assert api(world, "operator", "get", f"/{placement.pk}").status_code == 200
    again = api(world, "kbh_caseworker", "post", f"/{placement.pk}/payer-decline", {"reason": "Fortrudt"})
    assert again.status_code == 400 and again.json()["message"] == "Anmodningen er allerede accepteret af " \
        "betalingskommunen."


def test_accepting_without_a_free_place_leaves_the_request_for_the_operator(world):
    for cpr in ("0202902345", "0303903456"):
        ask(world, world["esbjerg"], cpr=cpr)  # both places held from 1 November
    placement = ask(world, world["copenhagen"])
    answer = services.placement_payer_accept(actor=actor(world, "kbh_caseworker"), placement=placement)
    assert (answer.reserved, answer.shortfall_day) == (False, date(YEAR, 11, 1))
    assert answer.message_da.startswith("Købet er accepteret. Tilbuddet har ingen ledig plads 01.11.2026")
    placement.refresh_from_db()
    assert (placement.status, placement.payer_consent) == (PlacementStatus.REQUESTED, PayerConsent.ACCEPTED)
    assert "reserve" in selectors.placement_actions(actor=actor(world, "operator"), placement=placement)
    reserved = services.placement_reserve(actor=actor(world, "operator"), placement=placement,
                                          over_occupancy_reason="Akut anbringelse, midlertidig ekstra seng")
    assert reserved.status == PlacementStatus.RESERVED


def test_declining_ends_the_purchase_and_the_acting_caseworker_sees_the_reason(world):
    placement = ask(world, world["copenhagen"])
    url = reverse("placements:consent_answer", args=[placement.pk, "afvis"])
    refused = page(world, "kbh_caseworker", url, {"decline-reason": " "})
    assert refused.status_code == 400 and "Angiv en begrundelse for afvisningen" in text_of(refused)
    placement.refresh_from_db()
    assert placement.payer_consent == PayerConsent.PENDING and not AuditEvent.objects.filter(
        event_type="placement.payer_declined").exists()
    done = page(world, "kbh_caseworker", url, {"decline-reason": "Borgeren har ikke ophold i København."})
    assert done.status_code == 302 and done["Location"] == reverse("placements:consent_list")
    placement.refresh_from_db()
    assert (placement.status, placement.payer_consent, placement.payer_consent_note) == (
        PlacementStatus.CANCELLED, PayerConsent.DECLINED, "Borgeren har ikke ophold i København.")
    html = text_of(page(world, "caseworker", reverse("placements:placement_detail", args=[placement.pk])))
    assert "Afvist af betalingskommunen" in html and "Borgeren har ikke ophold i København." in html
    declined = AuditEvent.objects.get(event_type="placement.payer_declined")
    assert (declined.actor_username, declined.reason) == ("kbh-sagsbehandler", "Borgeren har ikke ophold i København.")
    # Copenhagen's administrator reads its answer in the audit trail, still without the citizen.
    events = audit_event_list(actor=actor(world, "kbh_admin"), event_type="placement")
    assert [e.event_type for e in events] == ["placement.payer_declined"]
    assert_nothing_personal(json.dumps([declined.before, declined.after, declined.object_repr]))
    assert api(world, "kbh_caseworker", "get", f"/{placement.pk}").status_code == 404
    [answered] = api(world, "kbh_economist", "get", "/consents?state=answered").json()
    assert (answered["consent"], answered["note"]) == ("declined", "Borgeren har ikke ophold i København.")
    assert api(world, "kbh_economist", "get", "/consents").json() == []
    again = api(world, "kbh_economist", "post", f"/{placement.pk}/payer-accept")
    assert again.status_code == 400 and again.json()["field"] == "payer_consent"


def test_a_withdrawn_request_leaves_the_inbox_and_cannot_be_accepted(world):
    placement = ask(world, world["copenhagen"])
    services.placement_cancel(actor=actor(world, "caseworker"), placement=placement, reason="Ny plan for borgeren")
    assert api(world, "kbh_economist", "get", "/consents").json() == []
    refused = api(world, "kbh_economist", "post", f"/{placement.pk}/payer-accept")
    assert refused.status_code == 400 and "trukket tilbage" in refused.json()["message"]


def test_a_request_accepted_later_is_billed_in_the_next_run(world):
    """November is issued while the request waits; accepted in December, the December run bills November's days
    as corrections (the run recomputes the months already invoiced) and December's."""
    ask(world, world["esbjerg"], cpr="0202902345")
    placement = ask(world, world["copenhagen"])
    seller = actor(world, "seller")
    settlement_issue(actor=seller, seller=world["odense"], year=YEAR, month=11, issue_date=date(YEAR, 12, 1))
    assert not InvoiceLine.objects.filter(placement=placement).exists()
    copenhagen = world["copenhagen"]
    copenhagen.ean, copenhagen.address, copenhagen.postcode, copenhagen.city = (
        gln("579800000101"), "Rådhuspladsen 1", "1550", "København V")
    copenhagen.save()
    services.placement_payer_accept(actor=actor(world, "kbh_economist"), placement=placement)
    result = settlement_issue(actor=seller, seller=world["odense"], year=YEAR, month=12, issue_date=date(YEAR + 1, 1, 2))
    [invoice] = [i for i in result.invoices if i.buyer == copenhagen]
    lines = sorted(invoice.lines.values_list("period_from", "quantity", "amount_ore"))
    assert lines == [(date(YEAR, 11, 1), 30, 30 * RATE), (date(YEAR, 12, 1), 31, 31 * RATE)]


def test_the_migration_marks_existing_purchases_by_another_payer_as_accepted_before_consent(world):
    own = ask(world, world["esbjerg"], cpr="0202902345")
    other = ask(world, world["copenhagen"])
    Placement.objects.update(payer_consent=PayerConsent.NOT_NEEDED)  # as the rows stood before the migration
    migration = __import__("rammeaftale.placements.migrations.0005_payer_consent", fromlist=["consent_of_existing"])
    migration.consent_of_existing(django_apps, None)
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.payer_consent, own.payer_consent_note) == (PayerConsent.NOT_NEEDED, "")
    assert other.payer_consent == PayerConsent.ACCEPTED
    assert other.payer_consent_note.startswith("Oprettet, før betalingskommunens accept blev indført")


# --- a municipality on both sides ---------------------------------------------------------------------------------


def test_operator_staff_open_their_own_municipalitys_internal_placements(world):
    """Odense buys a place in its own offer for its own citizen: its operator staff (role operator only) got 404,
    because can_see_placement returned at the buyer check; both sides' rights now add up."""
    placement = ask(world, world["odense"], by="odense_caseworker")
    assert placement.is_internal and placement.payer_consent == PayerConsent.NOT_NEEDED
    detail = page(world, "operator", reverse("placements:placement_detail", args=[placement.pk]))
    assert detail.status_code == 200 and "Anna Andersen" in text_of(detail)
    data = api(world, "operator", "get", f"/{placement.pk}").json()
    assert data["reference"] == placement.reference and "activate" in data["actions"]
    assert selectors.may_read_full_cpr(actor=actor(world, "operator"), placement=placement)
    assert api(world, "operator", "post", f"/{placement.pk}/cpr", {"reason": "Indflytning"}).json()["cpr"] == CPR
