"""An offer's sales in a year from its placements: the places, the places sold to other municipalities and who
bought them, counted by the occupancy engine from the same stays and capacities as the occupancy figures.

"Sælger pladser til minimum 4 kommuner (udover udbyderkommunen)" (seed 002, footnote 2): a buyer is a paying
municipality other than the operator; the operator's own citizens (`Placement.is_internal`) hold places but are
not sold. A place-day is sold when a charged placement holds it (paid notice days included, cancelled placements
not), exactly as occupancy counts it.
"""
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import polars as pl

from rammeaftale.engine.occupancy import CAPACITY_SCHEMA, STAY_SCHEMA, Period, occupancy_frame, periods_frame
from rammeaftale.occupancy.inputs import charged_stays, occupancy_capacities_frame
from rammeaftale.parties.models import Organisation


@dataclass(frozen=True)
class Buyer:
    municipality_id: int
    name: str
    place_days: int


@dataclass(frozen=True)
class OfferSales:
    """One offer's year: days in the year, capacity place-days, place-days held (all citizens) and sold to others."""

    offer_id: int
    year: int
    days: int
    capacity_days: int
    occupied_days: int
    sold_days: int
    buyers: tuple[Buyer, ...]  # other municipalities with at least one place-day in the year, by name

    @property
    def other_buying_municipalities(self) -> int:
        return len(self.buyers)

    @property
    def places(self) -> Fraction:
        """The average number of places over the year (capacity place-days ÷ days), exact."""
        return Fraction(self.capacity_days, self.days)

    @property
    def places_sold_to_others(self) -> Fraction:
        """The average number of places sold to other municipalities (their place-days ÷ days), exact."""
        return Fraction(self.sold_days, self.days)


def offer_sales(*, offer_id: int, year: int) -> OfferSales:
    """What the offer sold in the calendar year, from one read of its placements and one of its capacity."""
    period = Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))
    held, sold = [], []
    for _, start, end, payer_id, internal in charged_stays(
            first_day=period.start, last_day=period.end, offer_ids=[offer_id],
            fields=("paying_municipality_id", "is_internal")):
        held.append((offer_id, start, end))
        if not internal:
            sold.append((payer_id, start, end))
    periods = periods_frame([period])
    offer_frame = occupancy_frame(pl.DataFrame(held, schema=STAY_SCHEMA, orient="row"),
                                  occupancy_capacities_frame(offer_ids=[offer_id]), periods)
    occupied_days = capacity_days = 0
    for _, _, occupied, capacity in offer_frame.iter_rows():
        occupied_days, capacity_days = occupied, capacity
    # The engine counts place-days per key; keyed by the paying municipality it gives each buyer's place-days.
    by_payer = occupancy_frame(pl.DataFrame(sold, schema=STAY_SCHEMA, orient="row"),
                               pl.DataFrame(schema=CAPACITY_SCHEMA), periods)
    days_of = {payer_id: days for payer_id, _, days, _ in by_payer.iter_rows() if days > 0}
    names = dict(Organisation.objects.filter(pk__in=days_of).values_list("pk", "name"))
    buyers = tuple(sorted((Buyer(payer_id, names.get(payer_id, str(payer_id)), days)
                           for payer_id, days in days_of.items()), key=lambda buyer: buyer.name))
    return OfferSales(offer_id=offer_id, year=year, days=(period.end - period.start).days,
                      capacity_days=capacity_days, occupied_days=occupied_days,
                      sold_days=sum(days_of.values()), buyers=buyers)
