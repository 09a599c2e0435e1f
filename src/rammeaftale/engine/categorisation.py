"""The suggested category of an offer for a year from the rulebook's thresholds and the year's actual sales.

Syddanmark 2017 (seed 002, Særligt for Styringsaftalen) defines the three categories:

- footnote 2, højt specialiseret: "en takst på 2000 kr. eller derover, der sælger pladser til minimum 4 kommuner
  (udover udbyderkommunen) eller sælger minimum 40 % af deres pladser til andre kommuner", and then a judgement of
  "faglighed, behov, specialisering og kompleksitet";
- footnote 3, klyngetilbud: "sælger pladser til andre kommuner samt har en takst under 2000 kr.";
- lokalt tilbud: run for the operator's own citizens, "men hvor der kan ske salg af enkelte pladser til andre
  kommuner".

So an offer at 2000 kr. or more that sells to others but meets neither spread threshold is no klyngetilbud by
footnote 3, and may be a lokalt tilbud selling single places: the rules give no category and a person decides
(`needs_assessment`). The numbers (2000 kr., 4 municipalities, 40 %) are the rulebook's; a rulebook without
thresholds (method "manual", e.g. the 2019–20 text) leaves every offer to a judgement.

The share of places sold is compared exactly, never rounded first (39.96 % is not 40 %): places may be a Decimal
typed as text or a Fraction of place-days over days, and the comparison is done in rational numbers.
"""
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from rammeaftale.rulebooks.models import Rulebook

Places = Decimal | Fraction  # an average number of places: typed as text, or place-days ÷ days
HIGH = "hoejt_specialiseret"
CLUSTER = "klynge"
LOCAL = "lokal"
CENT = Decimal("0.01")


class CategoryInputError(ValueError):
    """Bad sales figures; `field` names the figure; the message is Danish, with English after it."""

    def __init__(self, message_da: str, *, field: str, message_en: str):
        super().__init__(f"{message_da} ({message_en})")
        self.field = field
        self.message_da = message_da


def number_da(value: Decimal) -> str:
    """A Decimal the Danish way, every digit kept (no rounding): 1999.99 → «1.999,99», 2000 → «2.000»."""
    return f"{value:,f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _kr_da(value: Decimal) -> str:
    """Kroner with two decimals where that is exact (2000 → «2.000,00 kr.»), every digit otherwise."""
    exact = value.quantize(CENT) if value == value.quantize(CENT, rounding=ROUND_DOWN) else value
    return f"{number_da(exact)} kr."


def shown(value: "Places") -> Decimal:
    """An exact figure for people to read: a Decimal as given, a Fraction cut (not rounded) to two decimals, so a
    share under a threshold never reads as reaching it (39.996 % shows as 39.99 %)."""
    if isinstance(value, Decimal):
        return value
    cents = value.numerator * 100 // value.denominator  # floor: exact, and the figures are never negative
    return Decimal(cents).scaleb(-2)


def _places_da(value: "Places") -> str:
    value = shown(value)
    return number_da(value.normalize() if value == value.to_integral_value() else value)


@dataclass(frozen=True)
class Sales:
    """The year's sales: the offer's daily tariff (None: it has none), the distinct municipalities other than the
    operator that bought places, and the average places and places sold to those municipalities."""

    daily_tariff_kr: Decimal | None
    other_buying_municipalities: int
    places: Places
    places_sold_to_others: Places

    def __post_init__(self) -> None:
        tariff = self.daily_tariff_kr
        if tariff is not None and (not isinstance(tariff, Decimal) or not tariff.is_finite()):
            raise CategoryInputError(f"døgntaksten skal være et decimaltal, ikke {tariff!r}",
                                     message_en="must be a Decimal", field="daily_tariff")
        if tariff is not None and tariff < 0:
            raise CategoryInputError("døgntaksten kan ikke være negativ", message_en="must not be negative",
                                     field="daily_tariff")
        buyers = self.other_buying_municipalities
        if isinstance(buyers, bool) or not isinstance(buyers, int):
            raise CategoryInputError(
                f"antallet af andre købende kommuner skal være et helt tal, ikke {buyers!r}",
                message_en="must be an integer", field="other_buying_municipalities")
        if buyers < 0:
            raise CategoryInputError("antallet af andre købende kommuner kan ikke være negativt",
                                     message_en="must not be negative", field="other_buying_municipalities")
        for field, label in (("places", "pladserne"), ("places_sold_to_others", "pladserne solgt til andre kommuner")):
            value = getattr(self, field)
            if not isinstance(value, Decimal | Fraction) or (isinstance(value, Decimal) and not value.is_finite()):
                raise CategoryInputError(f"{label} skal være et decimaltal, ikke {value!r}",
                                         message_en="must be a Decimal", field=field)
            if value < 0:
                raise CategoryInputError(f"{label} kan ikke være negative", message_en="must not be negative",
                                         field=field)
        sold = self.places_sold_to_others
        if sold > self.places:
            raise CategoryInputError(
                f"flere pladser solgt til andre kommuner ({_places_da(sold)}) end tilbuddet har "
                f"({_places_da(self.places)}); et tilbud kan højst sælge alle sine pladser",
                message_en="more places sold than places", field="places_sold_to_others")
        if buyers > 0 and sold == 0:
            raise CategoryInputError(
                f"{buyers} andre kommuner køber pladser, men ingen pladser er solgt til andre kommuner",
                message_en="buyers without places sold", field="places_sold_to_others")
        if buyers == 0 and sold > 0:
            raise CategoryInputError(
                f"{_places_da(sold)} pladser er solgt til andre kommuner, men ingen andre kommuner køber",
                message_en="places sold without buyers", field="other_buying_municipalities")

    @property
    def sells_to_others(self) -> bool:
        return self.other_buying_municipalities > 0

    @property
    def share_sold(self) -> Fraction | None:
        """The exact share of the places sold to other municipalities (0–1); None for an offer without places."""
        if self.places == 0:
            return None
        return Fraction(self.places_sold_to_others) / Fraction(self.places)

    @property
    def share_sold_pct_shown(self) -> Decimal | None:
        """The share in percent for people to read, cut to two decimals (`shown`); the tests use the exact share."""
        share = self.share_sold
        return None if share is None else shown(share * 100)


@dataclass(frozen=True)
class ThresholdTests:
    """Which of the rulebook's tests the sales meet (None: the figure is missing, e.g. no daily tariff)."""

    min_daily_tariff_kr: Decimal
    min_other_buying_municipalities: int
    min_share_sold_pct: Decimal
    tariff_met: bool | None
    buyers_met: bool
    share_met: bool


@dataclass(frozen=True)
class CategorySuggestion:
    """The rulebook's suggestion: a category, or None with `needs_assessment` when the rules do not decide.

    Every category stays a judgement of the region's secretariat; `needs_assessment` says that the rules give no
    suggestion at all (no thresholds, or an offer that fits none of the definitions)."""

    category: str | None
    needs_assessment: bool
    reason_da: str
    tests: ThresholdTests | None = None


def _doc(param) -> str:
    """Where the rulebook has the figure from: its document id, or that it is assumed."""
    return param.source.doc if param.source is not None else "antaget"


def _facts_da(sales: Sales) -> str:
    tariff = ("ingen døgntakst" if sales.daily_tariff_kr is None
              else f"døgntakst {_kr_da(sales.daily_tariff_kr)}")
    buyers = sales.other_buying_municipalities
    share = sales.share_sold_pct_shown
    return (f"Grundlag: {tariff}, {buyers} {'anden købende kommune' if buyers == 1 else 'andre købende kommuner'}, "
            f"{_places_da(sales.places_sold_to_others)} af {_places_da(sales.places)} pladser solgt til andre kommuner"
            + ("" if share is None else f" ({number_da(share)} %)") + ".")


def category_suggest(*, sales: Sales, rulebook: Rulebook) -> CategorySuggestion:
    rules = rulebook.categorisation
    facts = _facts_da(sales)
    if rules.method.value != "thresholds":
        source = rules.method.source
        basis = f" ({source.doc}: «{source.quote}»)" if source is not None and source.quote else ""
        return CategorySuggestion(
            None, True,
            f"Kræver vurdering: {rulebook.name} har ingen tærskler for kategorisering{basis}; kategorien vurderes "
            f"manuelt. {facts}",
        )
    assert rules.high_min_daily_tariff_kr and rules.high_min_other_buying_municipalities
    assert rules.high_min_share_places_sold_pct
    min_tariff = rules.high_min_daily_tariff_kr.value
    min_buyers = rules.high_min_other_buying_municipalities.value
    min_share = rules.high_min_share_places_sold_pct.value
    share = sales.share_sold
    tests = ThresholdTests(
        min_daily_tariff_kr=min_tariff, min_other_buying_municipalities=min_buyers, min_share_sold_pct=min_share,
        tariff_met=None if sales.daily_tariff_kr is None else sales.daily_tariff_kr >= min_tariff,
        buyers_met=sales.other_buying_municipalities >= min_buyers,
        share_met=share is not None and share * 100 >= Fraction(min_share),
    )
    doc = _doc(rules.high_min_daily_tariff_kr)
    tariff_da, share_da = _kr_da(min_tariff), f"{number_da(min_share)} %"
    if not sales.sells_to_others:
        return CategorySuggestion(
            LOCAL, False, f"Lokalt tilbud: sælger ingen pladser til andre kommuner. {facts}", tests)
    if tests.tariff_met is None:
        return CategorySuggestion(
            None, True,
            f"Kræver vurdering: tilbuddet sælger pladser til andre kommuner, men har ingen døgntakst, så grænsen på "
            f"{tariff_da} mellem højt specialiseret tilbud og klyngetilbud kan ikke prøves. {facts}", tests)
    if not tests.tariff_met:
        return CategorySuggestion(
            CLUSTER, False,
            f"Klyngetilbud: sælger pladser til andre kommuner og har en takst under {tariff_da} ({doc}, fodnote 3). "
            "Vurder også, om faglighed, behov, specialisering og kompleksitet gør det til et højt specialiseret "
            f"tilbud. {facts}", tests)
    if tests.buyers_met or tests.share_met:
        met = " og ".join(text for ok, text in (
            (tests.buyers_met, f"sælger til mindst {min_buyers} andre kommuner"),
            (tests.share_met, f"sælger mindst {share_da} af pladserne til andre kommuner")) if ok)
        return CategorySuggestion(
            HIGH, False,
            f"Kandidat til højt specialiseret tilbud med regional betydning: takst på {tariff_da} eller derover og "
            f"{met} ({doc}, fodnote 2). Vurder også faglighed, behov, specialisering og kompleksitet. {facts}",
            tests)
    return CategorySuggestion(
        None, True,
        f"Kræver vurdering: taksten er {tariff_da} eller derover, og tilbuddet sælger pladser til andre kommuner, men "
        f"hverken til mindst {min_buyers} andre kommuner eller mindst {share_da} af pladserne ({doc}, fodnote 2). "
        f"Et klyngetilbud har en takst under {tariff_da} ({doc}, fodnote 3), og et lokalt tilbud kan sælge enkelte "
        f"pladser til andre kommuner ({doc}, «Lokale tilbud»); regelbogen giver derfor intet forslag. {facts}",
        tests)
