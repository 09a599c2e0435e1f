"""The demo region as plain data, drawn from one seeded random.Random: no database, no clock."""
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from stdnum import ean

from rammeaftale.core.money import kr_to_ore
from rammeaftale.demo import catalogue as cat
from rammeaftale.demo.published import PublishedTariff, published_pools
from rammeaftale.parties.models import OrganisationKind
from rammeaftale.registry.models import ServiceKind, ServiceUnit

KRONE = Decimal(1)
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)  # the eighth digit has weight 1; the weighted sum must be divisible by 11
EAN_PREFIX = "57900"  # synthetic: GS1 Denmark's 57x range, not a number GS1 has issued (see demo/DEMO.md)
EAN_KIND_DIGIT = {
    OrganisationKind.MUNICIPALITY: "1", OrganisationKind.REGION: "2", OrganisationKind.PRIVATE_OPERATOR: "3",
}
# Index into Archetype.weights.
OPERATOR_KIND_INDEX = {
    OrganisationKind.MUNICIPALITY: 0, OrganisationKind.REGION: 1, OrganisationKind.PRIVATE_OPERATOR: 2,
}
INTERNAL_NOTES = (
    "Ventelisten gennemgås på næste driftsmøde.",
    "Ombygning af fællesarealerne er planlagt til efteråret.",
    "Ny afdelingsleder fra 1. marts; kontakt driftskontoret ved spørgsmål.",
    "To medarbejdere på uddannelse i foråret; vikardækning er aftalt.",
)


@dataclass(frozen=True)
class Place:
    """A municipality as the planner needs it."""

    id: int
    code: str
    name: str
    inhabitants: int


@dataclass
class TariffPlan:
    year: int
    amount_ore: int
    monthly_ore: int | None
    note: str


@dataclass
class ServicePlan:
    name: str
    kind: str
    unit: str
    tariffs: list[TariffPlan] = field(default_factory=list)


@dataclass
class OfferPlan:
    operator: tuple[str, int]  # (organisation kind, id), or ("private", index into private_operators)
    municipality_id: int
    archetype: str
    name: str
    address: str
    postcode: str
    city: str
    tilbudsportalen_id: str
    offer_type: str
    is_short_stay: bool
    paragraphs: tuple[str, ...]
    target_groups: tuple[str, ...]
    description: str
    internal_note: str
    capacities: list[tuple[date, int, str]]
    categories: list[tuple[int, str]]
    services: list[ServicePlan]


@dataclass
class PrivateOperatorPlan:
    name: str
    root: str
    cvr: str
    ean: str
    municipality: Place
    address: str
    postcode: str
    city: str
    offers: int


@dataclass
class RegionPlan:
    private_operators: list[PrivateOperatorPlan]
    offers: list[OfferPlan]


@dataclass(frozen=True)
class PlanContext:
    """What the planner knows of the world: the region, its municipalities, the years, what is taken."""

    region_id: int
    region_code: str
    municipalities: tuple[Place, ...]
    years: tuple[int, ...]
    pl_pct: dict[int, Decimal]
    monthly_conversion: dict[int, Fraction]
    target_group_names: dict[str, str]
    taken_cvr: frozenset[str]
    taken_ean: frozenset[str]
    taken_tilbudsportalen_ids: frozenset[str]


def synthetic_ean(kind: str, number: int) -> str:
    """A 13-digit GLN with a valid check digit: 57900, a kind digit, six digits and the check digit."""
    body = f"{EAN_PREFIX}{EAN_KIND_DIGIT[kind]}{number % 1_000_000:06d}"
    return body + ean.calc_check_digit(body)


def synthetic_cvr(rng: random.Random) -> str:
    """Eight digits passing the CVR modulus-11 check (first digit not zero)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(weight * digit for weight, digit in zip(CVR_WEIGHTS, digits, strict=True)) % 11
        if check < 10:
            return "".join(str(digit) for digit in digits) + str(check)


def pl_rates(*, seed: int, years: tuple[int, ...]) -> dict[int, Decimal]:
    """A P/L-like growth into each year after the first, the same for every region of a seed."""
    rng = random.Random(f"rammeaftale-demo:{seed}:pl")
    return {year: Decimal(rng.randint(*cat.PL_RANGE_TENTHS)) / 10 for year in years[1:]}


def scaled_count(inhabitants: int, per_100k: Decimal, minimum: int) -> int:
    count = (Decimal(inhabitants) * per_100k / 100_000).quantize(KRONE, rounding=ROUND_HALF_UP)
    return max(minimum, int(count))


def _pct_da(value: Decimal) -> str:
    return f"{value:+.1f}".replace(".", ",") if value else "0,0"


class RegionPlanner:
    """Draws a region: private operators, then each municipality's offers, the region's, the private ones."""

    def __init__(self, *, rng: random.Random, context: PlanContext, scale: cat.DemoScale):
        self.rng = rng
        self.ctx = context
        self.scale = scale
        self.pools = published_pools()
        self.names: set[str] = set()
        self.roots: set[str] = set()
        self.cvrs = set(context.taken_cvr)
        self.eans = set(context.taken_ean)
        self.tilbudsportalen_ids = set(context.taken_tilbudsportalen_ids)

    # Drawing helpers.

    def _chance(self, pct: int) -> bool:
        return self.rng.randint(1, 100) <= pct

    def _root(self) -> str:
        # A few tries for a fresh name; at national scale names repeat, and _unique_name adds the town.
        for _ in range(8):
            root = self.rng.choice(cat.NAME_FIRSTS) + self.rng.choice(cat.NAME_ENDINGS)
            if root not in self.roots:
                break
        self.roots.add(root)
        return root

    def _unique_name(self, name: str, city: str) -> str:
        candidate = name
        if candidate in self.names:
            candidate = f"{name}, {city}"
        number = 2
        while candidate in self.names:
            candidate = f"{name}, {city} {number}"
            number += 1
        self.names.add(candidate)
        return candidate

    def _address(self, place: Place) -> tuple[str, str, str]:
        postcode, city = self.rng.choice(cat.TOWNS.get(place.code, (("", place.name),)))
        return f"{self.rng.choice(cat.STREETS)} {self.rng.randint(1, 140)}", postcode, city

    def _weighted_place(self) -> Place:
        places = self.ctx.municipalities
        return self.rng.choices(places, weights=[max(place.inhabitants, 1) for place in places])[0]

    def _tilbudsportalen_id(self) -> str:
        # One range of synthetic ids per region, so regions built one at a time do not collide.
        low = (int(self.ctx.region_code) - 1080) * 100_000 + 10_000
        while True:
            candidate = str(self.rng.randint(low, low + 89_999))
            if candidate not in self.tilbudsportalen_ids:
                self.tilbudsportalen_ids.add(candidate)
                return candidate

    def _draw_published(self, pool: str) -> tuple[Decimal, PublishedTariff, Decimal]:
        row = self.rng.choice(self.pools[pool])
        spread = cat.VARIATION_PCT * 10
        variation_pct = Decimal(self.rng.randint(-spread, spread)) / 10
        amount = (row.amount_kr * (1 + variation_pct / 100)).quantize(KRONE, rounding=ROUND_HALF_UP)
        return amount, row, variation_pct

    # Prices.

    def _tariffs(self, *, first_kr: Decimal, unit: str, note: str) -> list[TariffPlan]:
        """The first year's price, then each later year indexed by the year's P/L, rounded to whole kroner."""
        plans = []
        amount = first_kr
        for index, year in enumerate(self.ctx.years):
            if index:
                rate = self.ctx.pl_pct[year]
                # Rounded down to whole kroner, so a demo tariff never rises above the P/L it is indexed by.
                amount = (amount * (1 + rate / 100)).quantize(KRONE, rounding=ROUND_DOWN)
                note = f"Demodata: fremskrevet med P/L {str(rate).replace('.', ',')} %."
            amount_ore = kr_to_ore(amount)
            if unit == ServiceUnit.DAY:
                conversion = self.ctx.monthly_conversion[year]
                monthly = (Decimal(amount_ore) * conversion.numerator / conversion.denominator).quantize(
                    KRONE, rounding=ROUND_HALF_UP)
                monthly_ore = int(monthly)
            elif unit == ServiceUnit.MONTH:
                monthly_ore = amount_ore
            else:
                monthly_ore = None
            plans.append(TariffPlan(year=year, amount_ore=amount_ore, monthly_ore=monthly_ore,
                                    note=note[:300]))
        return plans

    def _services(self, archetype: cat.Archetype, *, private: bool) -> list[ServicePlan]:
        basis_kr, row, variation = self._draw_published(archetype.pool)
        unit = archetype.basis_unit
        note = f"Demodata: {row.label_da}, {_pct_da(variation)} %."
        first_kr = basis_kr
        by_month = archetype.month_unit_for_private_pct
        if private and by_month and self._chance(by_month):
            unit = ServiceUnit.MONTH
            conversion = self.ctx.monthly_conversion[self.ctx.years[0]]
            first_kr = (basis_kr * conversion.numerator / conversion.denominator).quantize(
                KRONE, rounding=ROUND_HALF_UP)
            note = f"{note} Månedstakst = døgntakst × {conversion}."
        services = [ServicePlan(archetype.basis_name, ServiceKind.BASIS, unit,
                                self._tariffs(first_kr=first_kr, unit=unit, note=note))]
        for extra in archetype.extras:
            if not self._chance(extra.probability_pct):
                continue
            if extra.pool is not None:
                amount, row, variation = self._draw_published(extra.pool)
                extra_note = f"Demodata: {row.label_da}, {_pct_da(variation)} %."
            else:
                share = self.rng.randint(*extra.share_of_basis_pct)
                amount = (basis_kr * share / 100).quantize(KRONE, rounding=ROUND_HALF_UP)
                extra_note = f"Demodata: {share} % af basisydelsens døgntakst."
            services.append(ServicePlan(extra.name, extra.kind, extra.unit,
                                        self._tariffs(first_kr=amount, unit=extra.unit, note=extra_note)))
        return services

    # Offers.

    def _categories(self, archetype: cat.Archetype, operator_kind: str) -> list[tuple[int, str]]:
        years = self.ctx.years
        if archetype.category:
            return [(year, archetype.category) for year in years]
        choices = cat.CATEGORY_WEIGHTS[operator_kind]
        pick = lambda: self.rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]  # noqa: E731
        category = pick()
        if len(years) == 1 or not self._chance(cat.CATEGORY_CHANGE_PCT):
            return [(year, category) for year in years]
        change_from = self.rng.choice(years[1:])
        later = next((c for c in (pick() for _ in range(10)) if c != category), category)
        return [(year, later if year >= change_from else category) for year in years]

    def _capacities(self, archetype: cat.Archetype) -> list[tuple[date, int, str]]:
        places = self.rng.randint(*archetype.places)
        records = [(date(self.ctx.years[0], 1, 1), places, "")]
        if len(self.ctx.years) > 1 and self._chance(cat.CAPACITY_CHANGE_PCT):
            year = self.rng.choice(self.ctx.years[1:])
            month = self.rng.choice((1, 4, 7, 10))
            change = self.rng.choice((-3, -2, -1, 1, 2, 3, 4))
            new_places = max(1, places + change)
            if new_places != places:
                verb = "Udvidet" if new_places > places else "Reduceret"
                records.append((date(year, month, 1), new_places,
                                f"{verb} med {abs(new_places - places)} pladser (demodata)"))
        return records

    def _offer(self, archetype: cat.Archetype, *, operator: tuple[str, int], operator_kind: str, place: Place,
               name: str, address: tuple[str, str, str] | None = None) -> OfferPlan:
        street, postcode, city = address or self._address(place)
        count = min(2 if self._chance(30) else 1, len(archetype.target_groups))
        groups = tuple(sorted(self.rng.sample(archetype.target_groups, count)))
        group_text = ", ".join(self.ctx.target_group_names[code].lower() for code in groups)
        private = operator_kind == OrganisationKind.PRIVATE_OPERATOR
        return OfferPlan(
            operator=operator, municipality_id=place.id, archetype=archetype.key,
            name=self._unique_name(name, city), address=street, postcode=postcode, city=city,
            tilbudsportalen_id=self._tilbudsportalen_id(), offer_type=archetype.offer_type,
            is_short_stay=archetype.short_stay, paragraphs=archetype.paragraphs, target_groups=groups,
            description=f"{archetype.description} Målgruppe: {group_text}. Syntetiske demodata.",
            internal_note=self.rng.choice(INTERNAL_NOTES) if self._chance(cat.INTERNAL_NOTE_PCT) else "",
            capacities=self._capacities(archetype), categories=self._categories(archetype, operator_kind),
            services=self._services(archetype, private=private),
        )

    def _archetype(self, operator_kind: str) -> cat.Archetype:
        index = OPERATOR_KIND_INDEX[operator_kind]
        return self.rng.choices(cat.ARCHETYPES, weights=[a.weights[index] for a in cat.ARCHETYPES])[0]

    def _public_offer(self, archetype: cat.Archetype, *, operator: tuple[str, int],
                      place: Place) -> OfferPlan:
        name = f"{self.rng.choice(archetype.prefixes)} {self._root()}"
        return self._offer(archetype, operator=operator, operator_kind=operator[0], place=place, name=name)

    def _private_operators(self) -> list[PrivateOperatorPlan]:
        inhabitants = sum(place.inhabitants for place in self.ctx.municipalities)
        count = scaled_count(inhabitants, self.scale.private_operators_per_100k,
                             self.scale.min_private_operators)
        operators = []
        for _ in range(count):
            root = self._root()
            cvr = synthetic_cvr(self.rng)
            while cvr in self.cvrs:
                cvr = synthetic_cvr(self.rng)
            self.cvrs.add(cvr)
            gln = synthetic_ean(OrganisationKind.PRIVATE_OPERATOR, self.rng.randint(0, 999_999))
            while gln in self.eans:
                gln = synthetic_ean(OrganisationKind.PRIVATE_OPERATOR, self.rng.randint(0, 999_999))
            self.eans.add(gln)
            place = self._weighted_place()
            street, postcode, city = self._address(place)
            operators.append(PrivateOperatorPlan(
                name=self.rng.choice(cat.PRIVATE_OPERATOR_FORMS).format(root=root), root=root, cvr=cvr,
                ean=gln, municipality=place, address=street, postcode=postcode, city=city,
                offers=self.rng.choices((1, 2, 3), weights=(5, 3, 2))[0],
            ))
        return operators

    def plan(self) -> RegionPlan:
        private_operators = self._private_operators()
        offers: list[OfferPlan] = []
        for place in self.ctx.municipalities:
            count = scaled_count(place.inhabitants, self.scale.municipal_offers_per_100k,
                                 self.scale.min_municipal_offers)
            for _ in range(count):
                archetype = self._archetype(OrganisationKind.MUNICIPALITY)
                operator = (OrganisationKind.MUNICIPALITY, place.id)
                offers.append(self._public_offer(archetype, operator=operator, place=place))
        region = (OrganisationKind.REGION, self.ctx.region_id)
        inhabitants = sum(place.inhabitants for place in self.ctx.municipalities)
        regional = scaled_count(inhabitants, self.scale.regional_offers_per_100k,
                                self.scale.min_regional_offers)
        # The region runs a few secured and nationwide offers, and regional offers of the common kinds.
        kinds = [cat.SECURED] * self.rng.randint(*self.scale.secured_offers)
        kinds += [cat.NATIONWIDE] * self.rng.randint(*self.scale.nationwide_offers)
        kinds += [self._archetype(OrganisationKind.REGION) for _ in range(regional - len(kinds))]
        for archetype in kinds:
            offers.append(self._public_offer(archetype, operator=region, place=self._weighted_place()))
        for index, operator in enumerate(private_operators):
            for number in range(operator.offers):
                archetype = self._archetype(OrganisationKind.PRIVATE_OPERATOR)
                name = f"{self.rng.choice(archetype.prefixes)} {operator.root}"
                # The first offer is at the operator's own address; other departments lie elsewhere.
                address = (operator.address, operator.postcode, operator.city) if number == 0 else None
                offers.append(self._offer(archetype, operator=("private", index),
                                          operator_kind=OrganisationKind.PRIVATE_OPERATOR,
                                          place=operator.municipality, name=name, address=address))
        return RegionPlan(private_operators=private_operators, offers=offers)
