"""Offers through the services: validation in Danish, permission per operator, capacity as dated records, audit."""
from datetime import date

import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.registry import services
from rammeaftale.registry.models import LegalParagraph, Offer, OfferCapacity
from rammeaftale.registry.selectors import OfferFilters, offer_detail, offer_list
from tests.conftest import TODAY


def _input(operator, municipality, **changes):
    values = {
        "operator": operator, "municipality": municipality, "name": "Bofællesskabet Engen", "offer_type": "residential",
        "paragraphs": list(LegalParagraph.objects.filter(code="sel-108")),
    }
    values.update(changes)
    return services.OfferInput(**values)


def test_operator_staff_create_offers_for_their_own_organisation_only(esbjerg, odense, make_user, actor_of):
    staff = actor_of(make_user(odense, Role.OPERATOR))
    offer = services.offer_create(actor=staff, data=_input(odense, odense))
    assert AuditEvent.objects.filter(event_type="offer.created", object_id=str(offer.pk)).exists()
    with pytest.raises(NotAllowed):
        services.offer_create(actor=staff, data=_input(esbjerg, esbjerg, name="Andet"))
    caseworker = actor_of(make_user(odense, Role.CASEWORKER))
    with pytest.raises(NotAllowed):
        services.offer_create(actor=caseworker, data=_input(odense, odense, name="Tredje"))
    assert Offer.objects.count() == 1


def test_the_secretariat_maintains_offers_in_its_region_only(odense, copenhagen, secretariat_syd, make_user, actor_of):
    secretariat = actor_of(make_user(secretariat_syd, Role.SECRETARIAT))
    services.offer_create(actor=secretariat, data=_input(odense, odense))
    with pytest.raises(NotAllowed):
        services.offer_create(actor=secretariat, data=_input(copenhagen, copenhagen, name="Københavnsk"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"paragraphs": []}, "paragraphs"),
        ({"offer_type": "hotel"}, "offer_type"),
        ({"postcode": "67"}, "postcode"),
    ],
)
def test_bad_offer_input_names_the_field_and_writes_nothing(odense, system, changes, field):
    with pytest.raises(DomainError) as error:
        services.offer_create(actor=system, data=_input(odense, odense, **changes))
    assert error.value.field == field
    assert Offer.objects.count() == 0 and not AuditEvent.objects.filter(event_type="offer.created").exists()


def test_tilbudsportalen_id_is_unique(odense, system, make_offer):
    make_offer(odense, tilbudsportalen_id="4711")
    with pytest.raises(DomainError, match="4711"):
        services.offer_create(actor=system, data=_input(odense, odense, tilbudsportalen_id="4711"))


def test_capacity_is_dated_and_never_negative(odense, system, make_offer):
    offer = make_offer(odense, places=10)
    services.offer_capacity_set(actor=system, offer=offer, valid_from=date(2026, 7, 1), places=12)
    with pytest.raises(DomainError, match="negativ"):
        services.offer_capacity_set(actor=system, offer=offer, valid_from=date(2026, 8, 1), places=-1)
    assert offer_detail(actor=system, offer_id=offer.pk, on=date(2026, 6, 30)).places_now == 10
    assert offer_detail(actor=system, offer_id=offer.pk, on=date(2026, 7, 1)).places_now == 12
    assert OfferCapacity.objects.filter(offer=offer).count() == 2
    assert AuditEvent.objects.filter(event_type="offer.capacity_set").count() == 2


def test_offer_update_audits_before_and_after(odense, system, make_offer):
    offer = make_offer(odense, name="Gammelt navn")
    services.offer_update(actor=system, offer=offer, data=_input(odense, odense, name="Nyt navn"))
    event = AuditEvent.objects.get(event_type="offer.updated")
    assert event.before["name"] == "Gammelt navn" and event.after["name"] == "Nyt navn"


def test_internal_note_only_for_the_operator_and_the_regions_secretariat(
    odense, esbjerg, copenhagen, secretariat_syd, make_user, actor_of, make_offer
):
    offer = make_offer(odense, internal_note="Personalemangel i weekenden")
    seen = {
        "odense operator": actor_of(make_user(odense, Role.OPERATOR)),
        "odense caseworker": actor_of(make_user(odense, Role.CASEWORKER)),
        "secretariat": actor_of(make_user(secretariat_syd, Role.SECRETARIAT)),
        "esbjerg caseworker": actor_of(make_user(esbjerg, Role.CASEWORKER)),
        "copenhagen economist": actor_of(make_user(copenhagen, Role.ECONOMIST)),
    }
    notes = {name: offer_detail(actor=actor, offer_id=offer.pk, on=TODAY).internal_note for name, actor in seen.items()}
    assert notes == {
        "odense operator": "Personalemangel i weekenden",
        "odense caseworker": "Personalemangel i weekenden",
        "secretariat": "Personalemangel i weekenden",
        "esbjerg caseworker": None,
        "copenhagen economist": None,
    }


def test_offer_list_filters(odense, esbjerg, region_syd, system, make_offer):
    make_offer(odense, name="Solsikken", paragraphs=("sel-108",), target_groups=("autisme",))
    make_offer(esbjerg, name="Havblik", paragraphs=("sel-104",), offer_type="day", target_groups=("hjerneskade",))
    names = lambda **f: [o.name for o in offer_list(actor=system, filters=OfferFilters(**f), on=TODAY)]  # noqa: E731
    assert names() == ["Havblik", "Solsikken"]
    assert names(paragraph="sel-104") == ["Havblik"]
    assert names(target_group="autisme") == ["Solsikken"]
    assert names(operator_id=odense.pk) == ["Solsikken"]
    assert names(offer_type="day") == ["Havblik"]
    assert names(text="sols") == ["Solsikken"]
    assert names(text="esbjerg") == ["Havblik"]
    assert names(region_id=region_syd.pk) == ["Havblik", "Solsikken"]
    services.offer_category_set(actor=system, offer=Offer.objects.get(name="Havblik"), year=2026, category="klynge")
    assert names(category="klynge", year=2026) == ["Havblik"]


def test_reading_requires_a_logged_in_actor(odense, make_offer):
    from rammeaftale.accounts.actor import ANONYMOUS

    make_offer(odense)
    with pytest.raises(NotAllowed):
        offer_list(actor=ANONYMOUS, on=TODAY)
