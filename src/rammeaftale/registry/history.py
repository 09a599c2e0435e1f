"""The offer's dated history read on a day: its operator (takeovers), its status (planned, open, closing, closed).

One place for each question: who operated the offer on a day, which operators a placement belongs to, what the
offer's status is on a day. An offer without operator periods has had `Offer.operator` all along; without status
changes it is open. Capacity on a day is `OfferCapacity` (the occupancy engine and the vacancy search read it).
"""
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from django.db.models import Q

from rammeaftale.bulk import id_lists
from rammeaftale.registry.models import Offer, OfferOperatorPeriod, OfferStatus, OfferStatusChange

Period = tuple[int, date | None, date | None]  # operator id, valid_from (None: always), valid_to (None: still)


def operator_periods(offer_ids: Collection[int]) -> dict[int, list[Period]]:
    """The offers' operator periods, oldest first; an offer with a single operator all along is not in it."""
    periods: dict[int, list[Period]] = defaultdict(list)
    for chunk in id_lists(offer_ids):
        for offer_id, operator_id, valid_from, valid_to in (
                OfferOperatorPeriod.objects.filter(offer_id__in=chunk).order_by("offer_id", "valid_from", "pk")
                .values_list("offer_id", "operator_id", "valid_from", "valid_to")):
            periods[offer_id].append((operator_id, valid_from, valid_to))
    return dict(periods)


def _covers(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


def operators_on(offers: Collection[Offer], day: date) -> dict[int, int]:
    """Each offer's operator on the day, by offer id (one query for all)."""
    periods = operator_periods([offer.pk for offer in offers])
    found = {}
    for offer in offers:
        found[offer.pk] = next((operator_id for operator_id, valid_from, valid_to in periods.get(offer.pk, [])
                                if _covers(valid_from, valid_to, day)), offer.operator_id)
    return found


def operator_on(offer: Offer, day: date) -> int:
    """The operator of the offer on the day: its period's, or `Offer.operator` outside any (before the first
    period starts or for an offer with one operator all along)."""
    for operator_id, valid_from, valid_to in operator_periods([offer.pk]).get(offer.pk, []):
        if _covers(valid_from, valid_to, day):
            return operator_id
    return offer.operator_id


def _overlap(prefix: str, valid_from: date | None, valid_to: date | None) -> Q:
    """Placements (under `prefix`) whose stay meets [valid_from, valid_to): started before its end and not ended
    before its start."""
    q = Q()
    if valid_to is not None:
        q &= Q(**{f"{prefix}start_date__lt": valid_to})
    if valid_from is not None:
        q &= Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": valid_from})
    return q


def operator_placements_q(operator_id: int, *, prefix: str = "") -> Q:
    """The placements an operator sees as operator: those of the offers it runs with one operator all along, and in
    an offer that changed operator, those whose stay meets its own period — after a takeover the new operator sees
    the placements from the takeover date, the former keeps what it had. `prefix` leads to the placement (e.g.
    "placement__").

    The offers by id (two small queries), not a join to the offers: every condition is then on the placement's own
    indexed columns, so the database combines index scans instead of reading every placement (the national demo:
    0.9 s -> a few ms for Odense's list)."""
    current = set(Offer.objects.filter(operator_id=operator_id).values_list("id", flat=True))
    rows = list(OfferOperatorPeriod.objects.filter(Q(operator_id=operator_id) | Q(offer_id__in=current))
                .values_list("offer_id", "operator_id", "valid_from", "valid_to"))
    dated = {offer_id for offer_id, *_ in rows}
    q = Q(**{f"{prefix}offer_id__in": sorted(current - dated)})
    for offer_id, owner_id, valid_from, valid_to in rows:
        if owner_id == operator_id:
            q |= Q(**{f"{prefix}offer_id": offer_id}) & _overlap(prefix, valid_from, valid_to)
    return q


def placement_operator_ids(*, offer: Offer, start_date: date, end_date: date | None) -> set[int]:
    """The operators whose period meets the placement's stay (the current operator alone for most offers)."""
    periods = operator_periods([offer.pk]).get(offer.pk)
    if not periods:
        return {offer.operator_id}
    return {operator_id for operator_id, valid_from, valid_to in periods
            if (valid_to is None or start_date < valid_to)
            and (valid_from is None or end_date is None or end_date > valid_from)}


def offer_statuses_on(offer_ids: Collection[int], day: date) -> dict[int, str]:
    """Each offer's status on the day (open where it has no change by then)."""
    statuses = dict.fromkeys(offer_ids, OfferStatus.OPEN.value)
    for chunk in id_lists(offer_ids):
        for offer_id, status in (OfferStatusChange.objects.filter(offer_id__in=chunk, valid_from__lte=day)
                                 .order_by("offer_id", "valid_from", "pk").values_list("offer_id", "status")):
            statuses[offer_id] = status  # the newest not after the day wins
    return statuses


def offer_status_on(offer: Offer, day: date) -> str:
    return offer_statuses_on([offer.pk], day)[offer.pk]


def offer_closing_date(offer: Offer) -> date | None:
    """The day the offer closes (its first change to closed), if a closure is decided."""
    change = OfferStatusChange.objects.filter(offer=offer, status=OfferStatus.CLOSED).order_by("valid_from").first()
    return change.valid_from if change else None


def closed_offer_ids(day: date) -> set[int]:
    """Offers closed on the day (for searches that leave them out)."""
    closing = OfferStatusChange.objects.filter(valid_from__lte=day).values_list("offer_id", flat=True).distinct()
    statuses = offer_statuses_on(list(closing), day)
    return {offer_id for offer_id, status in statuses.items() if status == OfferStatus.CLOSED}
