"""The suggested category of an offer for a year from the rulebook's thresholds and the year's actual sales.

Syddanmark 2017, footnotes 2–3: a tariff of at least 2,000 kr. per day and places sold to at least 4 municipalities
besides the operator, or at least 40 % of the places sold to others → candidate for højt specialiseret; an offer
that sells places to other municipalities otherwise → klyngetilbud; else lokalt tilbud. The thresholds and the test
live in the rulebook (`Rulebook.high_specialised_thresholds_met`); the final category is a manual assessment.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rammeaftale.rulebooks.models import Rulebook


@dataclass(frozen=True)
class Sales:
    """The year's sales: distinct buying municipalities other than the operator, and the places sold on average."""

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
    category: str | None
    reason_da: str


def category_suggest(*, sales: Sales, rulebook: Rulebook) -> CategorySuggestion:
    share = sales.share_sold_pct
    facts = (f"takst {sales.daily_tariff_kr} kr./døgn, solgt til {sales.other_buying_municipalities} andre kommuner, "
             f"{share} % af pladserne solgt")
    high = rulebook.high_specialised_thresholds_met(
        daily_tariff_kr=sales.daily_tariff_kr, other_buying_municipalities=sales.other_buying_municipalities,
        share_places_sold_pct=share,
    )
    if high is None:
        return CategorySuggestion(None, f"Rammeaftalen har ingen tærskler; kategorien vurderes manuelt ({facts}).")
    if high:
        return CategorySuggestion(
            "hoejt_specialiseret",
            f"Kandidat til højt specialiseret tilbud med regional betydning: {facts}. "
            "Vurder også faglighed, behov, specialisering og kompleksitet.",
        )
    if sales.other_buying_municipalities > 0 or sales.places_sold_to_others > 0:
        return CategorySuggestion("klynge", f"Klyngetilbud: sælger pladser til andre kommuner ({facts}).")
    return CategorySuggestion("lokal", f"Lokalt tilbud: sælger ikke pladser til andre kommuner ({facts}).")
