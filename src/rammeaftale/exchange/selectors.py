"""Reads of the vacancy exchange (public facts about offers: no personal data, every logged-in user may see them)."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_manage_placement_as_operator
from rammeaftale.bulk import id_lists
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.engine.occupancy import FreePlaces, Span
from rammeaftale.exchange.models import VacancyConfirmation
from rammeaftale.placements.selectors import free_places_of
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import rules_in_force_by_region
from rammeaftale.rulebooks.display import MONTHS_DA


@dataclass(frozen=True)
class Confirmation:
    """An offer's newest confirmation of free places and whether it is still trusted on the day asked."""

    offer_id: int
    places: int
    free_from: date
    note: str
    confirmed_on: date
    trusted_until: date | None  # the first day it is no longer trusted; None: no rules for the offer's region
    age_days: int  # days since it was confirmed
    trusted: bool  # on the day asked


def vacancy_confirmations(*, offer_ids: Iterable[int], today: date) -> dict[int, Confirmation]:
    """The newest confirmation of each offer that has one, by offer id. It is trusted for the rulebook's
    `exchange.confirmation_valid_days` (the rules of the offer's region in force today); after that, or where no
    agreement governs the region, it is shown as unconfirmed with its age."""
    newest: dict[int, VacancyConfirmation] = {}
    for ids in id_lists(offer_ids):
        for confirmation in (VacancyConfirmation.objects.filter(offer_id__in=ids, confirmed_on__lte=today)
                             .order_by("offer_id", "-confirmed_on", "-id")):
            newest.setdefault(confirmation.offer_id, confirmation)
    regions = {}
    for ids in id_lists(newest):
        regions.update(Offer.objects.filter(pk__in=ids).values_list("pk", "municipality__region_id"))
    rules = rules_in_force_by_region(on=today) if newest else {}
    valid_days = {region_id: r.rulebook.exchange.confirmation_valid_days.value for region_id, r in rules.items()}
    result = {}
    for offer_id, confirmation in newest.items():
        region_id = regions.get(offer_id)
        days = valid_days.get(region_id)
        until = confirmation.confirmed_on + timedelta(days=days) if days else None
        result[offer_id] = Confirmation(
            offer_id=offer_id, places=confirmation.places, free_from=confirmation.free_from, note=confirmation.note,
            confirmed_on=confirmation.confirmed_on, trusted_until=until,
            age_days=(today - confirmation.confirmed_on).days, trusted=until is not None and today < until)
    return result


OUTLOOK_MONTHS = 3  # the offer page's outlook: the rest of this month and the next two


@dataclass(frozen=True)
class OutlookPeriod:
    label: str  # «december 2026 (fra 6.)»
    free: FreePlaces  # on its first day (places, held) and its fewest free places


@dataclass(frozen=True)
class OfferVacancy:
    """An offer's free places now and ahead (its capacity minus the placements holding a place, as occupancy counts
    them) beside the operator's newest confirmation."""

    offer: Offer
    today: FreePlaces
    outlook: list[OutlookPeriod]
    confirmation: Confirmation | None
    may_confirm: bool


def offer_vacancy_detail(*, actor: Actor, offer_id: int, today: date) -> OfferVacancy:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    offer = Offer.objects.select_related("operator").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    spans = [Span(offer.pk, today, today + timedelta(days=1))]
    labels = []
    start = today
    for _ in range(OUTLOOK_MONTHS):
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        spans.append(Span(offer.pk, start, end))
        labels.append(f"{MONTHS_DA[start.month - 1]} {start.year}" + (f" (fra {start.day}.)" if start.day > 1 else ""))
        start = end
    now, *ahead = free_places_of(spans)
    return OfferVacancy(
        offer=offer, today=now, outlook=[OutlookPeriod(label, free) for label, free in zip(labels, ahead, strict=True)],
        confirmation=vacancy_confirmations(offer_ids=[offer.pk], today=today).get(offer.pk),
        may_confirm=can_manage_placement_as_operator(actor, operator_id=offer.operator_id))
