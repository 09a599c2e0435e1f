"""The suggested category of an offer for a year from the rulebook's thresholds and the year's actual sales.

Syddanmark 2017, footnotes 2–3: a tariff of at least 2,000 kr. per day and places sold to at least 4 municipalities
besides the operator, or at least 40 % of the places sold to others → candidate for højt specialiseret; an offer
that sells places to other municipalities otherwise → klyngetilbud; else lokalt tilbud. The thresholds are rulebook
data; the final category is a manual assessment the caller records.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Thresholds:
    min_daily_tariff_kr: Decimal
    min_other_buying_municipalities: int
    min_share_places_sold_pct: Decimal


@dataclass(frozen=True)
class Sales:
    """The year's sales: distinct buying municipalities other than the operator, and the share of places sold."""

    daily_tariff_kr: Decimal
    other_buying_municipalities: int
    places: Decimal
    places_sold_to_others: Decimal

    @property
    def share_sold_pct(self) -> Decimal:
        if self.places <= 0:
            return Decimal(0)
        return (self.places_sold_to_others * 100 / self.places).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CategorySuggestion:
    category: str
    reason_da: str


def category_suggest(*, sales: Sales, thresholds: Thresholds) -> CategorySuggestion:
    share = sales.share_sold_pct
    facts = (f"takst {sales.daily_tariff_kr} kr./døgn, solgt til {sales.other_buying_municipalities} andre kommuner, "
             f"{share} % af pladserne solgt")
    sells = sales.other_buying_municipalities > 0 or sales.places_sold_to_others > 0
    tariff_high = sales.daily_tariff_kr >= thresholds.min_daily_tariff_kr
    spread = (sales.other_buying_municipalities >= thresholds.min_other_buying_municipalities
              or share >= thresholds.min_share_places_sold_pct)
    if tariff_high and spread:
        return CategorySuggestion(
            "hoejt_specialiseret",
            f"Kandidat til højt specialiseret tilbud med regional betydning: {facts} "
            f"(grænser: takst ≥ {thresholds.min_daily_tariff_kr} kr. og ≥ {thresholds.min_other_buying_municipalities} "
            f"kommuner eller ≥ {thresholds.min_share_places_sold_pct} %). Vurder også faglighed, behov, "
            "specialisering og kompleksitet.",
        )
    if sells:
        return CategorySuggestion("klynge", f"Klyngetilbud: sælger pladser til andre kommuner ({facts}).")
    return CategorySuggestion("lokal", f"Lokalt tilbud: sælger ikke pladser til andre kommuner ({facts}).")
