"""Writes of the vacancy exchange; each in one transaction with its audit event."""
from datetime import date, timedelta

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_manage_placement_as_operator
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.engine.occupancy import Span
from rammeaftale.exchange.models import VacancyConfirmation
from rammeaftale.placements.selectors import free_places_of
from rammeaftale.registry.models import Offer

NOTE_MAX = 300


@transaction.atomic
def vacancy_confirm(*, actor: Actor, offer: Offer, places: int, free_from: date, today: date,
                    note: str = "") -> VacancyConfirmation:
    """The operator confirms that the offer has `places` free places from `free_from` («bekræftet ledig»).

    Refused with a Danish message, nothing written: another organisation's offer, a from-date before today, a
    negative number, more places than the offer has on the from-date (its dated capacity), a note over 300
    characters or with a CPR number in it (the note is shown to every municipality searching)."""
    if not can_manage_placement_as_operator(actor, operator_id=offer.operator_id):
        raise NotAllowed("Kun tilbuddets driftsherre kan bekræfte dets ledige pladser.")
    if free_from < today:
        raise DomainError(f"«Ledig fra» ({free_from:%d.%m.%Y}) ligger før i dag ({today:%d.%m.%Y}).",
                          field="free_from", code="date_in_past", message_en="free_from is before today")
    if places < 0:
        raise DomainError(f"Antallet af ledige pladser kan ikke være negativt ({places}).", field="places",
                          message_en="places must not be negative")
    [day] = free_places_of([Span(offer.pk, free_from, free_from + timedelta(days=1))])
    if places > day.places:
        raise DomainError(
            f"{offer.name} har {day.places} plads{'er' if day.places != 1 else ''} den {free_from:%d.%m.%Y}; "
            f"der kan ikke bekræftes {places} ledige.",
            field="places", code="more_than_capacity",
            message_en=f"{places} free places confirmed, the offer has {day.places} on {free_from.isoformat()}")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Bemærkningen er {len(note)} tegn; højst {NOTE_MAX}.", field="note",
                          message_en=f"note longer than {NOTE_MAX} characters")
    if contains_cpr(note):
        raise DomainError("Bemærkningen ser ud til at indeholde et CPR-nummer. Ledige pladser vises for alle "
                          "kommuner: skriv uden personoplysninger.", field="note", code="cpr_in_text",
                          message_en="the note appears to contain a CPR number")
    confirmation = VacancyConfirmation.objects.create(offer=offer, places=places, free_from=free_from, note=note,
                                                      confirmed_on=today, confirmed_by_id=actor.user_id)
    audit_record(actor=actor, event_type="vacancy.confirmed", organisation_id=offer.operator_id, obj=confirmation,
                 after={"offer": offer.pk, "places": places, "free_from": free_from.isoformat(), "note": note,
                        "confirmed_on": today.isoformat()})
    return confirmation
