"""Reading an offer's category assessment for a year: the rulebook's suggestion from the offer's daily tariff and
the previous year's sales (counted from the placements), and the secretariat's decision once made.

Which year's sales: a category for year Y is set before Y begins ("Ændret kategorisering sker årligt i forbindelse
med Styringsaftalen for det næstfølgende år", seed 002), so the year before it, Y−1, is the evidence: the last full
year once it has ended, and while it runs, its placements as they stand.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_see_offer_internals
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.categorisation import (
    CategoryInputError,
    CategorySuggestion,
    Sales,
    category_suggest,
    shown,
)
from rammeaftale.occupancy.sales import OfferSales, offer_sales
from rammeaftale.registry.models import Offer, OfferCategory
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.tariffs.models import Tariff
from rammeaftale.tariffs.selectors import category_may_decide
from rammeaftale.tariffs.timeline import tariffs_on


@dataclass(frozen=True)
class CategoryAssessment:
    offer: Offer
    year: int
    sales_year: int  # the year the sales figures are from: the one before `year`
    sales_year_complete: bool  # False while it runs: its placements are counted to the year's end as they stand
    record: OfferCategory | None
    rulebook: object | None  # the Rulebook governing `year`, None without an agreement
    suggestion: CategorySuggestion
    sales: Sales | None  # the figures the suggestion was made from; None when they do not add up
    offer_sales: OfferSales
    daily_tariff_kr: Decimal | None
    daily_tariff_source: str
    may_decide: bool
    may_see_buyers: bool  # which municipalities bought: the operator's own users and the region's secretariat

    @property
    def locked(self) -> bool:
        return self.record is not None and self.record.decided_at is not None

    @property
    def rulebook_name(self) -> str:
        return self.rulebook.name if self.rulebook is not None else ""

    @property
    def places_shown(self) -> Decimal:
        return shown(self.offer_sales.places)

    @property
    def places_sold_shown(self) -> Decimal:
        return shown(self.offer_sales.places_sold_to_others)

    @property
    def share_sold_pct_shown(self) -> Decimal | None:
        return self.sales.share_sold_pct_shown if self.sales is not None else None


def _daily_tariff(offer: Offer, year: int, rulebook) -> tuple[Decimal | None, str]:
    """The offer's basis tariff per day on 1 January of the year (from the tariff timeline, provisional included),
    else the newest year's before it; a month's tariff ÷ the conversion."""
    services = {s.pk: s for s in offer.services.filter(kind="basis", unit__in=["day", "month"]).order_by("pk")}
    on_first = tariffs_on(service_ids=services, day=date(year, 1, 1))
    if on_first:
        service_id = min(on_first)
        amount_ore, tariff_year, service = on_first[service_id].amount_ore, year, services[service_id]
        label = " (foreløbig)" if on_first[service_id].provisional else ""
    else:
        tariff = (Tariff.objects.filter(service_id__in=services, year__lte=year).select_related("service")
                  .order_by("-year", "service_id").first())
        if tariff is None:
            return None, "tilbuddet har ingen døgn- eller månedstakst"
        amount_ore, tariff_year, service, label = tariff.amount_ore, tariff.year, tariff.service, ""
    amount = ore_to_kr(amount_ore)
    if service.unit == "month" and rulebook is not None:
        conversion = rulebook.monthly_conversion_fraction(tariff_year)
        amount = (amount * conversion.denominator / conversion.numerator).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return amount, f"{service.name}, takst {tariff_year}{label}"


def category_assessment(*, actor: Actor, offer_id: int, year: int, today: date) -> CategoryAssessment:
    """The rulebook's suggestion for the year from the offer's own daily tariff and last year's sales (aggregate
    place-days, no citizen: every logged-in user may see it), and the decision if made.

    The decision for next year is made while this year runs: its placements then count to the year's end as they
    stand (an open-ended stay to 31 December), and `sales_year_complete` says so."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(f"Året {year} ligger uden for {YEAR_MIN}–{YEAR_MAX}.", field="year")
    offer = Offer.objects.select_related("operator", "municipality", "municipality__region").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    region_id = offer.municipality.region_id
    try:
        rulebook = rules_in_force(region=offer.municipality.region, on=date(year, 1, 1)).rulebook
    except DomainError:
        rulebook = None
    tariff_kr, source = _daily_tariff(offer, year, rulebook)
    sold = offer_sales(offer_id=offer.pk, year=year - 1)
    sales = None
    try:
        sales = Sales(daily_tariff_kr=tariff_kr, other_buying_municipalities=sold.other_buying_municipalities,
                      places=sold.places, places_sold_to_others=sold.places_sold_to_others)
    except CategoryInputError as error:
        # Real placements can hold more place-days than the capacity (a recorded over-occupancy, or no capacity
        # entered): the figures do not fit the thresholds, and a person must judge.
        suggestion = CategorySuggestion(
            None, True, f"Kræver vurdering: salget i {year - 1} kan ikke prøves mod regelbogen: {error.message_da}.")
    else:
        if rulebook is None:
            suggestion = CategorySuggestion(None, True, "Kræver vurdering: ingen rammeaftale for regionen i "
                                                        f"{year}; kategorien vurderes manuelt.")
        else:
            suggestion = category_suggest(sales=sales, rulebook=rulebook)
    return CategoryAssessment(
        offer=offer, year=year, sales_year=year - 1, sales_year_complete=today.year >= year,
        record=OfferCategory.objects.filter(offer=offer, year=year).select_related("decided_by").first(),
        rulebook=rulebook, suggestion=suggestion, sales=sales, offer_sales=sold, daily_tariff_kr=tariff_kr,
        daily_tariff_source=source, may_decide=category_may_decide(actor, offer),
        may_see_buyers=can_see_offer_internals(actor, operator_id=offer.operator_id, region_id=region_id),
    )
