"""Requests («forespørgsler», issue 13 part 3): a caseworker asks several offers at once, the operators answer, a yes
becomes a reservation with a hold date; unanswered requests expire and holds not activated are released. Every bad
input is refused in Danish with nothing written."""
from datetime import date, timedelta

import pytest
from django.core import mail

from rammeaftale.accounts.models import AuditEvent, Role, User
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.exchange.models import Answer, Notification, VacancyRequest, VacancyRequestOffer
from rammeaftale.exchange.requests import (
    Citizen,
    Need,
    holds_release,
    vacancy_request_answer,
    vacancy_request_get,
    vacancy_request_list,
    vacancy_request_recipient_get,
    vacancy_request_reserve,
    vacancy_request_send,
    vacancy_requests_expire,
    vacancy_requests_received,
)
from rammeaftale.placements.models import Placement, PlacementStatus
from rammeaftale.placements.services import PlacementRequest, placement_activate, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph, TargetGroup
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import TODAY
from tests.services.test_api_contract import basic

START = TODAY + timedelta(days=9)  # 15.12.2026
CITIZEN = Citizen(citizen_name="Mads Borgersen", cpr="0101901234", contact_name="Sagsbehandler Sørensen")


def _priced(offer, system):
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=TODAY.year, amount_ore=234_567, origin=TariffOrigin.PUBLISHED)
    return offer


@pytest.fixture
def offers(agreements, odense, make_offer, system):
    """Three offers Odense operates, each with a tariff this year."""
    return [_priced(make_offer(odense, name=name, places=2), system)
            for name in ("Bostedet Æblehaven", "Bofællesskabet Engen", "Botilbuddet Kilden")]


@pytest.fixture
def caseworker(esbjerg, make_user, actor_of):
    return actor_of(make_user(esbjerg, Role.CASEWORKER, email="sagsbehandler@esbjerg.invalid"))


@pytest.fixture
def operator(odense, make_user, actor_of):
    return actor_of(make_user(odense, Role.OPERATOR, email="driftsherre@odense.invalid"))


def need(description="Ung mand, 19 år, med autisme; behov for døgntilbud med egen bolig.", start=START):
    return Need(start_date=start, description=description,
                target_group=TargetGroup.objects.get(code="udviklingshaemning"),
                paragraph=LegalParagraph.objects.get(code="sel-108"))


def send(caseworker, offers, **kwargs):
    kwargs.setdefault("answer_by", None)
    return vacancy_request_send(actor=caseworker, need=kwargs.pop("need", need()),
                                offer_ids=[o.pk for o in offers], today=TODAY, **kwargs)


def nothing_written():
    assert not VacancyRequest.objects.exists()
    assert not VacancyRequestOffer.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="vacancy_request").exists()


# --- sending --------------------------------------------------------------------------------------------------------


def test_a_request_goes_to_each_offer_and_its_operator_is_notified(offers, caseworker, operator, odense, make_user):
    make_user(odense, Role.ECONOMIST)  # not an operator: not told
    sent = send(caseworker, offers[:2])
    assert sent.answer_by == TODAY + timedelta(days=5)  # the rulebook's exchange.request_answer_days
    assert [r.offer for r in sent.recipients.order_by("pk")] == offers[:2]
    assert {r.answer for r in sent.recipients.all()} == {Answer.PENDING}
    [event] = AuditEvent.objects.filter(event_type="vacancy_request.sent")
    assert event.organisation_id == caseworker.organisation_id and event.after["offers"] == [o.pk for o in offers[:2]]
    notes = list(Notification.objects.order_by("pk"))
    assert [n.user_id for n in notes] == [operator.user_id] * 2
    first = sent.recipients.order_by("pk").first()
    assert notes[0].link == f"/ledige-pladser/forespoergsler/svar/{first.pk}/"
    assert "Esbjerg" in notes[0].text and "15.12.2026" in notes[0].text and "11.12.2026" in notes[0].text


@pytest.mark.parametrize(("case", "field", "message"), [
    ("none", "offers", "Vælg mindst ét tilbud"),
    ("cpr", "description", "Skriv ikke CPR-nummer i forespørgslen; CPR-nummeret oplyses først, når pladsen købes"),
    ("empty", "description", "Beskriv behovet"),
    ("start_past", "start_date", "Startdatoen 05.12.2026 ligger før i dag"),
    ("deadline_past", "answer_by", "Svarfristen 05.12.2026 ligger før i dag"),
    ("unknown", "offers", "Tilbuddet findes ikke"),
])
def test_bad_input_is_refused_in_danish_and_nothing_is_written(offers, caseworker, case, field, message):
    chosen, kwargs = offers[:1], {}
    if case == "none":
        chosen = []
    elif case == "cpr":
        kwargs["need"] = need("Borgeren (010190-1234) har brug for en plads.")
    elif case == "empty":
        kwargs["need"] = need("   ")
    elif case == "start_past":
        kwargs["need"] = need(start=TODAY - timedelta(days=1))
    elif case == "deadline_past":
        kwargs["answer_by"] = TODAY - timedelta(days=1)
    with pytest.raises(DomainError, match=message) as error:
        if case == "unknown":
            vacancy_request_send(actor=caseworker, need=need(), offer_ids=[offers[0].pk, 999_999], answer_by=None,
                                 today=TODAY)
        else:
            send(caseworker, chosen, **kwargs)
    assert error.value.field == field
    nothing_written()


def test_more_offers_than_the_rulebook_allows_are_refused(offers, caseworker, odense, make_offer):
    many = offers + [make_offer(odense, name=f"Tilbud {n}") for n in range(8)]  # 11 > request_max_offers = 10
    with pytest.raises(DomainError, match="højst 10 tilbud ad gangen; du har valgt 11"):
        send(caseworker, many)
    nothing_written()


def test_only_a_municipalitys_caseworkers_send(offers, odense, esbjerg, make_user, actor_of):
    for organisation, role in ((esbjerg, Role.ECONOMIST), (odense, Role.OPERATOR)):
        with pytest.raises(NotAllowed):
            send(actor_of(make_user(organisation, role)), offers[:1])
    nothing_written()


# --- answering ------------------------------------------------------------------------------------------------------


def test_the_operator_answers_and_the_caseworker_is_notified(offers, caseworker, operator):
    sent = send(caseworker, offers[:2])
    recipient = sent.recipients.order_by("pk").first()
    answered = vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.WAITING_LIST,
                                      note="Plads forventes i februar.", today=sent.answer_by)  # the last day
    assert (answered.answer, answered.note, answered.answered_by_id) == ("waiting_list", "Plads forventes i februar.",
                                                                         operator.user_id)
    [note] = Notification.objects.filter(user_id=caseworker.user_id)
    assert "Venteliste" in note.text and note.link == f"/ledige-pladser/forespoergsler/{sent.pk}/"
    assert AuditEvent.objects.get(event_type="vacancy_request.answered").after["answer"] == "waiting_list"
    with pytest.raises(DomainError, match="allerede besvaret"):
        vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.YES, note="", today=TODAY)


@pytest.mark.parametrize(("answer", "note", "day", "message"), [
    (Answer.YES, "", TODAY + timedelta(days=6), "Svarfristen udløb den 11.12.2026"),
    (Answer.YES, "Ring om 010190-1234", TODAY, "Skriv ikke CPR-nummer i bemærkningen"),
    ("maybe", "", TODAY, "Svar ja, nej eller venteliste"),
    (Answer.PENDING, "", TODAY, "Svar ja, nej eller venteliste"),
])
def test_a_bad_answer_is_refused_and_nothing_changes(offers, caseworker, operator, answer, note, day, message):
    sent = send(caseworker, offers[:1])
    recipient = sent.recipients.get()
    with pytest.raises(DomainError, match=message):
        vacancy_request_answer(actor=operator, recipient=recipient, answer=answer, note=note, today=day)
    recipient.refresh_from_db()
    assert recipient.answer == Answer.PENDING and recipient.answered_by_id is None
    assert not AuditEvent.objects.filter(event_type="vacancy_request.answered").exists()
    assert not Notification.objects.filter(user_id=caseworker.user_id).exists()


def test_only_the_offers_operator_answers(offers, caseworker, esbjerg, odense, make_user, actor_of):
    recipient = send(caseworker, offers[:1]).recipients.get()
    for organisation, role in ((esbjerg, Role.OPERATOR), (odense, Role.CASEWORKER), (esbjerg, Role.CASEWORKER)):
        with pytest.raises(NotAllowed):
            vacancy_request_answer(actor=actor_of(make_user(organisation, role)), recipient=recipient,
                                   answer=Answer.YES, note="", today=TODAY)
    recipient.refresh_from_db()
    assert recipient.answer == Answer.PENDING


# --- send → answer → reserve ----------------------------------------------------------------------------------------


def test_the_happy_path_send_answer_reserve(offers, caseworker, operator):
    sent = send(caseworker, offers)
    yes, no, _ = sent.recipients.order_by("pk")
    vacancy_request_answer(actor=operator, recipient=yes, answer=Answer.YES, note="Værelse klar", today=TODAY)
    vacancy_request_answer(actor=operator, recipient=no, answer=Answer.NO, note="", today=TODAY)

    with pytest.raises(DomainError, match="Kun et ja kan blive til en reservation") as error:
        vacancy_request_reserve(actor=caseworker, recipient=no, citizen=CITIZEN, today=TODAY)
    assert error.value.code == "not_yes" and not Placement.objects.exists()

    placement = vacancy_request_reserve(actor=caseworker, recipient=yes, citizen=CITIZEN, today=TODAY)
    assert (placement.status, placement.offer, placement.start_date, placement.reserved_until) == (
        PlacementStatus.RESERVED, offers[0], START, START)
    assert placement.acting_municipality_id == placement.paying_municipality_id == caseworker.organisation_id
    assert [s.service.name for s in placement.services.all()] == ["Døgnophold"]
    yes.refresh_from_db()
    assert yes.placement == placement
    assert AuditEvent.objects.get(event_type="vacancy_request.reserved").after["placement"] == placement.reference
    assert Notification.objects.filter(user_id=operator.user_id, kind="request.reserved").count() == 1

    with pytest.raises(DomainError, match="allerede reserveret"):
        vacancy_request_reserve(actor=caseworker, recipient=yes, citizen=CITIZEN, today=TODAY)
    assert Placement.objects.count() == 1


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"reserved_until": START - timedelta(days=1)}, "reserved_until", "Holdedatoen 14.12.2026 ligger før startdatoen"),
    ({"start_date": TODAY - timedelta(days=1)}, "start_date", "Startdatoen 05.12.2026 ligger før i dag"),
])
def test_a_bad_hold_date_or_start_reserves_nothing(offers, caseworker, operator, kwargs, field, message):
    recipient = send(caseworker, offers[:1]).recipients.get()
    vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.YES, note="", today=TODAY)
    with pytest.raises(DomainError, match=message) as error:
        vacancy_request_reserve(actor=caseworker, recipient=recipient, citizen=CITIZEN, today=TODAY, **kwargs)
    assert error.value.field == field
    recipient.refresh_from_db()
    assert recipient.placement is None and not Placement.objects.exists()
    assert not AuditEvent.objects.filter(event_type="vacancy_request.reserved").exists()


def test_another_municipality_may_not_reserve_the_yes(offers, caseworker, operator, copenhagen, make_user, actor_of):
    recipient = send(caseworker, offers[:1]).recipients.get()
    vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.YES, note="", today=TODAY)
    with pytest.raises(NotAllowed):
        vacancy_request_reserve(actor=actor_of(make_user(copenhagen, Role.CASEWORKER)), recipient=recipient,
                                citizen=CITIZEN, today=TODAY)
    assert not Placement.objects.exists()


# --- scoping --------------------------------------------------------------------------------------------------------


def test_each_sees_only_its_own_requests(offers, caseworker, operator, esbjerg, odense, copenhagen, make_offer,
                                         make_user, actor_of, system):
    sent = send(caseworker, offers[:1])
    recipient = sent.recipients.get()
    assert list(vacancy_request_list(actor=caseworker)) == [sent]
    assert vacancy_request_get(actor=caseworker, request_id=sent.pk) == sent
    assert list(vacancy_requests_received(actor=operator)) == [recipient]
    assert vacancy_request_recipient_get(actor=operator, recipient_id=recipient.pk) == recipient

    other_caseworker = actor_of(make_user(copenhagen, Role.CASEWORKER))
    other_operator = actor_of(make_user(copenhagen, Role.OPERATOR))
    assert list(vacancy_request_list(actor=other_caseworker)) == []
    assert list(vacancy_requests_received(actor=other_operator)) == []
    for actor in (other_caseworker, other_operator, actor_of(make_user(esbjerg, Role.ECONOMIST))):
        with pytest.raises(NotFound):
            vacancy_request_get(actor=actor, request_id=sent.pk)
        with pytest.raises(NotFound):
            vacancy_request_recipient_get(actor=actor, recipient_id=recipient.pk)
    with pytest.raises(NotFound):  # the operator answers; the request's other offers are not its business
        vacancy_request_get(actor=operator, request_id=sent.pk)
    with pytest.raises(NotAllowed):
        vacancy_request_list(actor=operator)
    with pytest.raises(NotAllowed):
        vacancy_requests_received(actor=caseworker)


# --- expiry and holds -------------------------------------------------------------------------------------------------


def test_pending_answers_expire_after_the_deadline_and_the_sender_is_told(offers, caseworker, operator, system):
    sent = send(caseworker, offers[:2])
    answered, silent = sent.recipients.order_by("pk")
    vacancy_request_answer(actor=operator, recipient=answered, answer=Answer.NO, note="", today=TODAY)
    assert vacancy_requests_expire(actor=system, today=sent.answer_by) == 0  # the deadline's last day: still open
    assert vacancy_requests_expire(actor=system, today=sent.answer_by + timedelta(days=1)) == 1
    silent.refresh_from_db()
    answered.refresh_from_db()
    assert (silent.answer, answered.answer) == (Answer.EXPIRED, Answer.NO)
    [note] = Notification.objects.filter(user_id=caseworker.user_id, kind="request.expired")
    assert offers[1].name in note.text and "11.12.2026" in note.text
    assert AuditEvent.objects.get(event_type="vacancy_request.expired").after["offers"] == [offers[1].pk]
    with pytest.raises(DomainError, match="udløb uden svar"):
        vacancy_request_answer(actor=operator, recipient=silent, answer=Answer.YES, note="", today=TODAY)
    with pytest.raises(NotAllowed):
        vacancy_requests_expire(actor=caseworker, today=TODAY)


def test_a_hold_not_activated_by_its_date_is_released_and_both_sides_told(offers, caseworker, operator, system):
    recipient = send(caseworker, offers[:2]).recipients.order_by("pk").first()
    vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.YES, note="", today=TODAY)
    held = vacancy_request_reserve(actor=caseworker, recipient=recipient, citizen=CITIZEN, today=TODAY,
                                   reserved_until=START + timedelta(days=2))
    activated = placement_request(actor=caseworker, request=PlacementRequest(
        offer=offers[1], paying_municipality=held.acting_municipality, citizen_name="Anna Andersen",
        cpr="0202902345", start_date=START, reserved_until=START))
    placement_activate(actor=operator, placement=activated)
    Notification.objects.all().delete()

    assert holds_release(actor=system, today=START + timedelta(days=2)) == []  # the hold date itself: still held
    [released] = holds_release(actor=system, today=START + timedelta(days=3))
    assert released.pk == held.pk
    held.refresh_from_db()
    activated.refresh_from_db()
    assert held.status == PlacementStatus.CANCELLED and activated.status == PlacementStatus.ACTIVE
    assert held.cancelled_reason == ("Reservationen blev ikke aktiveret senest holdedatoen 17.12.2026 og er "
                                     "frigivet.")
    assert AuditEvent.objects.filter(event_type="placement.hold_released", object_id=str(held.pk)).count() == 1
    told = {n.user_id: n for n in Notification.objects.filter(kind="hold.released")}
    assert set(told) == {caseworker.user_id, operator.user_id}
    assert held.reference in told[caseworker.user_id].text
    assert told[operator.user_id].link == f"/placeringer/{held.pk}/"


def test_notifications_are_emailed_only_after_the_commit(offers, caseworker, operator,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sent = send(caseworker, offers[:1])
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["driftsherre@odense.invalid"]
    assert message.subject == "Rammeaftale: Ny forespørgsel om plads"
    recipient = sent.recipients.get()
    assert f"http://127.0.0.1:8000/ledige-pladser/forespoergsler/svar/{recipient.pk}/" in message.body
    assert Notification.objects.get(user_id=operator.user_id).emailed_at is not None


def test_a_refused_write_sends_no_email(offers, caseworker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError):
        send(caseworker, offers[:1], need=need("CPR 0101901234"))
    assert callbacks == [] and mail.outbox == []


def test_a_request_may_start_on_a_later_day_than_tariffs_cover(offers, caseworker):
    sent = send(caseworker, offers[:1], need=need(start=date(TODAY.year + 1, 3, 1)), answer_by=TODAY)
    assert sent.answer_by == TODAY and sent.start_date == date(TODAY.year + 1, 3, 1)


def test_the_hold_date_is_in_the_placements_api(client, offers, caseworker, operator):
    recipient = send(caseworker, offers[:1]).recipients.get()
    vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.YES, note="", today=TODAY)
    placement = vacancy_request_reserve(actor=caseworker, recipient=recipient, citizen=CITIZEN, today=TODAY,
                                        reserved_until=START + timedelta(days=1))
    user = User.objects.get(pk=caseworker.user_id)
    detail = client.get(f"/api/placements/{placement.pk}", **basic(user)).json()
    assert detail["reserved_until"] == "2026-12-16"
    assert client.get("/api/placements", **basic(user)).json()["items"][0]["reserved_until"] == "2026-12-16"
