"""Vacancies that can be trusted (issue 13, part 1): the operator's confirmation, its expiry by the rulebook, and
bad input refused with nothing written."""
from datetime import date, timedelta

import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange.models import VacancyConfirmation
from rammeaftale.exchange.selectors import vacancy_confirmations
from rammeaftale.exchange.services import vacancy_confirm
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.rules import rules_in_force
from tests.conftest import TODAY


@pytest.fixture
def offer(agreements, odense, make_offer):
    return make_offer(odense, name="Bostedet Æblehaven", places=2)


@pytest.fixture
def operator(odense, make_user, actor_of):
    return actor_of(make_user(odense, Role.OPERATOR))


def test_a_confirmation_is_trusted_for_the_rulebooks_days_then_shown_unconfirmed_with_its_age(offer, operator):
    first = vacancy_confirm(actor=operator, offer=offer, places=1, free_from=TODAY, today=TODAY - timedelta(days=3),
                            note="Værelse med eget bad")
    newest = vacancy_confirm(actor=operator, offer=offer, places=2, free_from=TODAY + timedelta(days=7), today=TODAY,
                             note="To værelser fra næste uge")
    [event] = AuditEvent.objects.filter(event_type="vacancy.confirmed", object_id=str(newest.pk))
    assert event.after["places"] == 2 and event.organisation_id == offer.operator_id
    days = rules_in_force(region=offer.municipality.region_id, on=TODAY).rulebook.exchange.confirmation_valid_days
    assert days.value == 14 and days.assumed  # not among the seeds: a documented default
    shown = vacancy_confirmations(offer_ids=[offer.pk], today=TODAY)[offer.pk]
    assert (shown.places, shown.free_from, shown.trusted, shown.age_days) == (2, TODAY + timedelta(days=7), True, 0)
    later = TODAY + timedelta(days=days.value)
    stale = vacancy_confirmations(offer_ids=[offer.pk], today=later)[offer.pk]
    assert (stale.trusted, stale.age_days, stale.trusted_until) == (False, 14, later)
    earlier = vacancy_confirmations(offer_ids=[offer.pk], today=TODAY - timedelta(days=1))[offer.pk]
    assert (earlier.places, earlier.note, earlier.age_days) == (first.places, "Værelse med eget bad", 2)
    assert vacancy_confirmations(offer_ids=[offer.pk], today=TODAY - timedelta(days=4)) == {}


@pytest.mark.parametrize(("places", "free_from", "note", "field", "message"), [
    (3, TODAY, "", "places", "har 2 pladser den 06.12.2026; der kan ikke bekræftes 3 ledige"),
    (1, TODAY - timedelta(days=1), "", "free_from", "ligger før i dag"),
    (-1, TODAY, "", "places", "kan ikke være negativt"),
    (1, TODAY, "Borger 010190-1234 flytter", "note", "CPR-nummer"),
    (1, TODAY, "x" * 301, "note", "højst 300"),
])
def test_bad_input_is_refused_in_danish_and_nothing_is_written(offer, operator, places, free_from, note, field,
                                                              message):
    with pytest.raises(DomainError, match=message) as error:
        vacancy_confirm(actor=operator, offer=offer, places=places, free_from=free_from, today=TODAY, note=note)
    assert error.value.field == field
    assert not VacancyConfirmation.objects.exists()
    assert not AuditEvent.objects.filter(event_type="vacancy.confirmed").exists()


def test_only_the_offers_operator_confirms(offer, esbjerg, make_user, actor_of):
    for role in (Role.OPERATOR, Role.CASEWORKER):
        with pytest.raises(NotAllowed):
            vacancy_confirm(actor=actor_of(make_user(esbjerg, role)), offer=offer, places=1, free_from=TODAY,
                            today=TODAY)
    assert not VacancyConfirmation.objects.exists()


def test_a_capacity_change_on_the_from_date_decides(offer, operator, system):
    registry_services.offer_capacity_set(actor=system, offer=offer, valid_from=date(2027, 1, 1), places=4)
    confirmed = vacancy_confirm(actor=operator, offer=offer, places=4, free_from=date(2027, 1, 1), today=TODAY)
    assert confirmed.places == 4


def test_the_offer_page_loads_its_free_places_and_the_operator_confirms_them_there(offer, odense, esbjerg, make_user,
                                                                                  client):
    page = client.get(f"/ledige-pladser/tilbud/{offer.pk}/")
    assert page.status_code == 302  # login first
    client.force_login(make_user(esbjerg, Role.CASEWORKER))
    detail = client.get(f"/tilbud/{offer.pk}/").content.decode()
    assert f'hx-get="/ledige-pladser/tilbud/{offer.pk}/"' in detail
    seen = client.get(f"/ledige-pladser/tilbud/{offer.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "2 ledige</strong> af 2 pladser" in seen and "ikke bekræftet" in seen and "<form" not in seen
    refused = client.post(f"/ledige-pladser/tilbud/{offer.pk}/", {"places": "1", "free_from": TODAY.isoformat()})
    assert refused.status_code == 403 and not VacancyConfirmation.objects.exists()

    client.force_login(make_user(odense, Role.OPERATOR))
    wrong = client.post(f"/ledige-pladser/tilbud/{offer.pk}/", {"places": "3", "free_from": TODAY.isoformat()},
                        HTTP_HX_REQUEST="true")
    assert wrong.status_code == 200 and "der kan ikke bekræftes 3 ledige" in wrong.content.decode()
    assert not VacancyConfirmation.objects.exists()
    saved = client.post(f"/ledige-pladser/tilbud/{offer.pk}/", {"places": "1", "free_from": TODAY.isoformat(),
                                                               "note": "Værelse med eget bad"},
                        HTTP_HX_REQUEST="true").content.decode()
    assert "De ledige pladser er bekræftet." in saved and "Bekræftet ledig:" in saved
    assert "Værelse med eget bad" in saved and "gælder til 20. december 2026" in saved
    plain = client.post(f"/ledige-pladser/tilbud/{offer.pk}/", {"places": "x", "free_from": ""})
    assert plain.status_code == 400 and "Ledige pladser:" in plain.content.decode()
