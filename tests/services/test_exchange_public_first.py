"""Public places before private (issue 13, part 5; Sjælland 2025–26, `market.check_public_vacancies_before_private`):
the public vacancies are shown first, buying private anyway takes a reason, and the secretariat sees it."""
import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange.public_first import public_alternatives, public_checks_of_year, public_vacancy_check
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement, PublicVacancyCheck
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import TODAY

CPR = "0101901234"
START = TODAY.replace(day=20)


def _org(kind: str, code: str) -> Organisation:
    return Organisation.objects.get(kind=kind, code=code)


@pytest.fixture
def sjaelland(agreements, make_offer, make_user, actor_of, system):
    holbaek = _org(OrganisationKind.MUNICIPALITY, "316")
    roskilde = _org(OrganisationKind.MUNICIPALITY, "265")
    region = holbaek.region
    private = registry_services.private_operator_create(actor=system, name="Opholdsstedet Fjorden ApS",
                                                        cvr="12345674", region=region)
    offers = {"private": make_offer(private, name="Opholdsstedet Fjorden", municipality=holbaek, places=4),
              "public": make_offer(roskilde, name="Bostedet Domkirken", places=3)}
    for offer in offers.values():
        service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        Tariff.objects.create(service=service, year=TODAY.year, amount_ore=250_000, origin=TariffOrigin.PUBLISHED)
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=region)
    return {"holbaek": holbaek, "offers": offers,
            "caseworker": actor_of(make_user(holbaek, Role.CASEWORKER)),
            "secretariat": actor_of(make_user(secretariat, Role.SECRETARIAT))}


def _buy(actor, offer, payer, *, check=None):
    return placement_request(actor=actor, request=PlacementRequest(
        offer=offer, paying_municipality=payer, citizen_name="Anna Andersen", cpr=CPR, start_date=START,
        public_check_id=check.pk if check else None))


def test_buying_private_needs_the_public_vacancies_first_and_a_reason_when_there_are_some(sjaelland):
    caseworker, private = sjaelland["caseworker"], sjaelland["offers"]["private"]
    with pytest.raises(DomainError, match="afstemmes før køb hos private") as refused:
        _buy(caseworker, private, sjaelland["holbaek"])
    assert refused.value.code == "public_check_required" and not Placement.objects.exists()
    shown = public_alternatives(actor=caseworker, offer=private, start=START, today=TODAY)
    assert shown.required and [hit.name for hit in shown.hits] == ["Bostedet Domkirken"]
    with pytest.raises(DomainError, match="Skriv, hvorfor") as no_reason:
        public_vacancy_check(actor=caseworker, offer=private, start=START, reason=" ", today=TODAY)
    assert no_reason.value.field == "reason" and not PublicVacancyCheck.objects.exists()
    with pytest.raises(DomainError, match="CPR-nummer"):
        public_vacancy_check(actor=caseworker, offer=private, start=START, reason="Borger 010190-1234", today=TODAY)
    check = public_vacancy_check(actor=caseworker, offer=private, start=START,
                                 reason="Borgeren har brug for et mindre opholdssted tæt på skolen.", today=TODAY)
    assert [row["name"] for row in check.public_vacancies] == ["Bostedet Domkirken"]
    assert AuditEvent.objects.filter(event_type="placement.public_vacancies_checked").count() == 1
    placement = _buy(caseworker, private, sjaelland["holbaek"], check=check)
    check.refresh_from_db()
    assert check.placement == placement
    with pytest.raises(DomainError, match="afstemmes før køb hos private"):  # a check serves one purchase
        _buy(caseworker, private, sjaelland["holbaek"], check=check)


def test_without_public_vacancies_no_reason_is_needed_and_a_public_offer_needs_no_check(sjaelland, system):
    caseworker, public = sjaelland["caseworker"], sjaelland["offers"]["public"]
    registry_services.offer_capacity_set(actor=system, offer=public, valid_from=TODAY, places=0)
    check = public_vacancy_check(actor=caseworker, offer=sjaelland["offers"]["private"], start=START, reason="",
                                 today=TODAY)
    assert check.public_vacancies == [] and check.reason == ""
    with pytest.raises(DomainError, match="ikke et privat tilbud"):
        public_vacancy_check(actor=caseworker, offer=public, start=START, reason="", today=TODAY)


def test_where_the_rules_do_not_ask_a_private_place_is_bought_directly(agreements, esbjerg, make_user, actor_of,
                                                                        make_offer, system):
    private = registry_services.private_operator_create(actor=system, name="Opholdsstedet Klitten ApS",
                                                        cvr="12345674", region=esbjerg.region)
    offer = make_offer(private, name="Opholdsstedet Klitten", municipality=esbjerg, places=2)
    service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=service, year=TODAY.year, amount_ore=250_000, origin=TariffOrigin.PUBLISHED)
    placement = _buy(actor_of(make_user(esbjerg, Role.CASEWORKER)), offer, esbjerg)
    assert placement.pk and not PublicVacancyCheck.objects.exists()


def test_the_secretariat_sees_the_year_s_private_purchases_with_the_reason(sjaelland, esbjerg, make_user, actor_of,
                                                                          secretariat_syd):
    caseworker, private = sjaelland["caseworker"], sjaelland["offers"]["private"]
    check = public_vacancy_check(actor=caseworker, offer=private, start=START, reason="Særlige behov", today=TODAY)
    assert public_checks_of_year(actor=sjaelland["secretariat"], year=TODAY.year) == []  # no purchase yet
    _buy(caseworker, private, sjaelland["holbaek"], check=check)
    [row] = public_checks_of_year(actor=sjaelland["secretariat"], year=TODAY.year)
    assert (row.check.reason, row.shown, row.check.buyer, row.check.checked_by_id) == (
        "Særlige behov", 1, sjaelland["holbaek"], caseworker.user_id)
    assert public_checks_of_year(actor=actor_of(make_user(secretariat_syd, Role.SECRETARIAT)), year=TODAY.year) == []
    assert public_checks_of_year(actor=actor_of(make_user(esbjerg, Role.CASEWORKER)), year=TODAY.year) == []
    with pytest.raises(NotAllowed):
        public_checks_of_year(actor=actor_of(make_user(esbjerg, Role.OPERATOR)), year=TODAY.year)


def test_the_pages_send_a_private_purchase_through_the_public_vacancies(sjaelland, make_user, client):
    private = sjaelland["offers"]["private"]
    user = make_user(sjaelland["holbaek"], Role.CASEWORKER)
    client.force_login(user)
    buy = client.get("/placeringer/ny/", {"offer": private.pk})
    assert buy.status_code == 302 and buy["Location"] == f"/ledige-pladser/privat-koeb/?offer={private.pk}"
    page = client.get(buy["Location"])
    assert page.status_code == 200 and "Bostedet Domkirken" in page.content.decode()
    assert "Rammeaftale 2025–2026" in page.content.decode()  # the rule's words and agreement, from the rulebook
    assert "»Vi afstemmer altid ledige bo- og døgntilbud i andre kommuner og i regionen før køb hos private«" in (
        page.content.decode())
    refused = client.post(buy["Location"], {"start": START.isoformat(), "reason": ""})
    assert refused.status_code == 400 and "Skriv, hvorfor" in refused.content.decode()
    sent = client.post(buy["Location"], {"start": START.isoformat(), "reason": "Tæt på familien"})
    check = PublicVacancyCheck.objects.get()
    assert sent.status_code == 302 and f"check={check.pk}" in sent["Location"]
    form = client.get(sent["Location"])
    assert form.status_code == 200 and f"check={check.pk}" in form.content.decode()
