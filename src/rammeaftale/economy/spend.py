"""Spending against P/L (issue 14, part 1): what a municipality, or a region's municipalities together, bought and
sold year by year, the growth of the purchases against the year's P/L, and the cases and especially expensive cases.

Seeds: Syddanmark 2017 and 2019–20, «de samlede udgifter … i alle kommuner og regionen maximalt må stige med KL´s pris
og lønfremskrivning» (the cap is on the total: the region's page shows the total first) and a yearly «beskrivelse af
udviklingen af antal sager og antal særligt dyre sager»; Hovedstaden 2021–22, a «monitoreringsmodel» of each
municipality's expenses.

- **Purchases** are the invoice lines the municipality received, by the year of the service days (credit notes
  negative: `billing.selectors.signed_amount`); **sales** the lines it sent. Money stays integer øre.
- **Growth** from the year before, compared with the year's P/L exactly (cross-multiplied); shown rounded half up.
- **Cases**: citizens with purchases in the year; **especially expensive**: those whose year's purchases exceed the
  first threshold of SEL § 176 for the year (`economy.refusion.thresholds_for`; unknown where the year has none).
- **Split** of the purchases by the offer's legal basis and target group (its first, by the order of the reference
  data) and by its category of the year.
- **Own offers' costs**: the basis of calculation of the municipality's own offers' tariffs (the newest calculation of
  each year's budget): what the year was budgeted to cost; budgets, not accounts.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.billing.models import InvoiceLine
from rammeaftale.billing.selectors import signed_amount
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.money import kr_to_ore, ore_to_kr
from rammeaftale.economy.refusion import thresholds_for
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Category, Offer, OfferCategory
from rammeaftale.tariffs.models import PriceIndex, TariffCalculation, TrueUpRecord

YEARS_MAX = 10
PCT = Decimal("0.01")
UNKNOWN = "(ikke angivet)"


@dataclass(frozen=True)
class SpendYear:
    year: int
    purchases_ore: int
    sales_ore: int
    cases: int
    expensive_cases: int | None  # None: no § 176 thresholds for the year
    threshold_kr: Decimal | None
    pl_pct: Decimal | None
    growth_pct: Decimal | None  # from the year before, half up to two decimals; None without a year before
    over_pl: bool | None  # the purchases grew more than the year's P/L; None: no year before or no P/L
    own_costs_ore: int | None = None  # the own offers' budgeted basis (takstberegningsgrundlag); None: no budget
    own_accounts_ore: int | None = None  # their cost-based accounts, from the year's true-ups; None: none recorded
    running: bool = False  # the year is not over: its figures so far, compared with nothing
    invoiced: bool = True  # any invoice line of the year (else the year shows as without invoices)


@dataclass
class SpendOverview:
    label: str  # «Esbjerg Kommune», «Region Syddanmark i alt»
    municipality: Organisation | None
    region: Organisation
    first_year: int
    last_year: int
    years: list[SpendYear] = field(default_factory=list)
    by_paragraph: dict[str, dict[int, int]] = field(default_factory=dict)  # label -> year -> øre
    by_target_group: dict[str, dict[int, int]] = field(default_factory=dict)
    by_category: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def year_range(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def _rows(self, table: dict[str, dict[int, int]]) -> list[tuple[str, list[int]]]:
        return [(key, [table[key].get(year, 0) for year in self.year_range]) for key in sorted(table)]

    @property
    def paragraph_rows(self):
        return self._rows(self.by_paragraph)

    @property
    def target_group_rows(self):
        return self._rows(self.by_target_group)

    @property
    def category_rows(self):
        return self._rows(self.by_category)

    @property
    def split_tables(self):
        return [("Køb efter lovgrundlag", self.paragraph_rows), ("Køb efter målgruppe", self.target_group_rows),
                ("Køb efter kategori", self.category_rows)]


def _scope(actor: Actor, *, municipality_id: int | None, region_id: int | None) -> tuple[Organisation | None,
                                                                                         Organisation]:
    """(the municipality or None for the region's total, the region), or NotAllowed."""
    if municipality_id:
        municipality = Organisation.objects.filter(pk=municipality_id, kind=OrganisationKind.MUNICIPALITY).first()
        if municipality is None:
            raise NotFound("Kommunen findes ikke.", message_en="Municipality not found.")
        region = Organisation.objects.get(pk=municipality.region_id)
    else:
        municipality = None
        region = Organisation.objects.filter(pk=region_id or actor.region_id, kind=OrganisationKind.REGION).first()
        if region is None:
            raise NotFound("Regionen findes ikke.", message_en="Region not found.")
    secretariat = actor.is_superuser or (actor.organisation_kind == OrganisationKind.SECRETARIAT
                                         and actor.region_id == region.pk
                                         and actor.has_role(Role.SECRETARIAT, Role.ADMINISTRATOR))
    own = (municipality is not None and actor.organisation_id == municipality.pk
           and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR))
    if not (secretariat or own):
        raise NotAllowed("Forbruget er for kommunens egne økonomimedarbejdere og regionens sekretariat.",
                         message_en="spending is for the municipality's economists and the region's secretariat")
    return municipality, region


def _organisations(municipality: Organisation | None, region: Organisation) -> list[int]:
    if municipality is not None:
        return [municipality.pk]
    return list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region)
                .values_list("pk", flat=True))


def first_invoiced_year(*, actor: Actor, municipality_id: int | None = None, region_id: int | None = None,
                        today: date) -> int:
    """The first year with an invoice line bought or sold by the municipality (or the region's municipalities):
    where the year selects begin (issue 16: they listed ten years, most before any invoice); this year without
    any."""
    municipality, region = _scope(actor, municipality_id=municipality_id, region_id=region_id)
    ids = _organisations(municipality, region)
    first = (InvoiceLine.objects.filter(Q(invoice__buyer_id__in=ids) | Q(invoice__seller_id__in=ids)).order_by()
             .aggregate(first=Min("period_from"))["first"])
    return min(first.year, today.year) if first else today.year


def _growth(now: int, before: int | None) -> Decimal | None:
    if not before or before <= 0:
        return None
    return ((Decimal(now) - before) * 100 / before).quantize(PCT, rounding=ROUND_HALF_UP)


def _over_pl(now: int, before: int | None, pl_pct: Decimal | None) -> bool | None:
    """now > before × (1 + P/L), exactly: 100 × now > (100 + P/L) × before."""
    if not before or before <= 0 or pl_pct is None:
        return None
    return Decimal(now) * 100 > (100 + pl_pct) * before


def spend_overview(*, actor: Actor, municipality_id: int | None = None, region_id: int | None = None,
                   first_year: int, last_year: int, today: date) -> SpendOverview:
    """A municipality's spending by year (its economists, the region's secretariat), or its region's total
    (`municipality_id` None: the secretariat)."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    if first_year > last_year or last_year - first_year >= YEARS_MAX:
        raise DomainError(f"Vælg op til {YEARS_MAX} år, det første før det sidste.", field="first_year",
                          message_en=f"choose up to {YEARS_MAX} years, in order")
    municipality, region = _scope(actor, municipality_id=municipality_id, region_id=region_id)
    buyers = _organisations(municipality, region)
    label = str(municipality) if municipality is not None else f"{region} i alt"
    overview = SpendOverview(label=label, municipality=municipality, region=region, first_year=first_year,
                             last_year=last_year)
    span = {"period_from__year__gte": first_year - 1, "period_from__year__lte": last_year}
    bought = (InvoiceLine.objects.filter(invoice__buyer_id__in=buyers, **span)
              # a fixed charge (guarantee share, subscription) has an offer but no placement and no citizen
              .annotate(year=ExtractYear("period_from"), offer=Coalesce("placement__offer_id", "charge__offer_id"))
              .values("year", "offer", "placement__cpr_index")
              .annotate(total=Sum(signed_amount())).order_by())
    sold = dict(InvoiceLine.objects.filter(invoice__seller_id__in=buyers, **span)
                .annotate(year=ExtractYear("period_from")).values("year")
                .annotate(total=Sum(signed_amount())).order_by().values_list("year", "total"))
    purchases: dict[int, int] = defaultdict(int)
    invoiced: set[int] = set(sold)
    per_citizen: dict[tuple[int, str], int] = defaultdict(int)
    per_offer: dict[tuple[int, int], int] = defaultdict(int)
    for row in bought:
        invoiced.add(row["year"])
        purchases[row["year"]] += row["total"] or 0
        if row["placement__cpr_index"] is not None:
            per_citizen[(row["year"], row["placement__cpr_index"])] += row["total"] or 0
        per_offer[(row["year"], row["offer"])] += row["total"] or 0
    _split(overview, per_offer)
    pl = dict(PriceIndex.objects.filter(year__gte=first_year - 1, year__lte=last_year)
              .values_list("year", "rate_pct"))
    own_costs = _own_costs(operators=buyers, first_year=first_year, last_year=last_year)
    own_accounts = _own_accounts(operators=buyers, first_year=first_year, last_year=last_year)
    for year in range(first_year, last_year + 1):
        thresholds = thresholds_for(year)
        first = thresholds.bands[0].threshold_kr if thresholds else None
        citizens = [total for (y, _), total in per_citizen.items() if y == year and total > 0]
        # A year still running, or one of the two without invoices, has no growth to compare.
        comparable = year < today.year and year in invoiced and year - 1 in invoiced
        before = purchases.get(year - 1) if comparable else None
        overview.years.append(SpendYear(
            year=year, purchases_ore=purchases.get(year, 0), sales_ore=sold.get(year) or 0, cases=len(citizens),
            expensive_cases=None if first is None else sum(1 for total in citizens if ore_to_kr(total) > first),
            threshold_kr=first, pl_pct=pl.get(year), growth_pct=_growth(purchases.get(year, 0), before),
            over_pl=_over_pl(purchases.get(year, 0), before, pl.get(year)), own_costs_ore=own_costs.get(year),
            own_accounts_ore=own_accounts.get(year),
            running=year >= today.year,
            invoiced=year in invoiced))
    return overview


def _own_costs(*, operators: list[int], first_year: int, last_year: int) -> dict[int, int]:
    """By year: the basis of calculation (takstberegningsgrundlag) of the operators' own offers' tariffs, from each
    budget's newest calculation (its services' `basis`), in øre. Budgets, not accounts: what the year was planned
    to cost."""
    newest: dict[int, dict] = {}
    for budget_id, year, result in (TariffCalculation.objects.filter(
            budget__offer__operator_id__in=operators, budget__year__gte=first_year, budget__year__lte=last_year)
            .order_by("budget_id", "-calculated_at", "-id").values_list("budget_id", "budget__year", "result")):
        newest.setdefault(budget_id, (year, result))
    costs: dict[int, int] = defaultdict(int)
    for year, result in newest.values():
        basis = sum((Decimal(service["basis"]) for service in result.get("services", [])), Decimal(0))
        costs[year] += int((basis * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return dict(costs)


def _own_accounts(*, operators: list[int], first_year: int, last_year: int) -> dict[int, int]:
    """By year: the cost-based accounts (omkostningsbaseret regnskab) of the operators' own offers, as each offer's
    true-up of the year recorded them (`TrueUpRecord.inputs`), in øre. Offers without a true-up are not in it."""
    costs: dict[int, int] = defaultdict(int)
    for year, inputs in TrueUpRecord.objects.filter(
            offer__operator_id__in=operators, year__gte=first_year, year__lte=last_year).values_list("year", "inputs"):
        costs[year] += kr_to_ore(Decimal(inputs["cost_based_accounts"]))
    return dict(costs)


def _split(overview: SpendOverview, per_offer: dict[tuple[int, int], int]) -> None:
    offer_ids = {offer_id for _, offer_id in per_offer}
    paragraphs: dict[int, str] = {}
    groups: dict[int, str] = {}
    for offer in Offer.objects.filter(pk__in=offer_ids).prefetch_related("paragraphs", "target_groups"):
        first_paragraph = min(offer.paragraphs.all(), key=lambda p: p.pk, default=None)
        first_group = min(offer.target_groups.all(), key=lambda g: g.pk, default=None)
        paragraphs[offer.pk] = first_paragraph.label if first_paragraph else UNKNOWN
        groups[offer.pk] = first_group.name if first_group else UNKNOWN
    categories = {(year, offer_id): Category(code).label for offer_id, year, code in OfferCategory.objects.filter(
        offer_id__in=offer_ids).values_list("offer_id", "year", "category")}
    for (year, offer_id), total in per_offer.items():
        for table, key in ((overview.by_paragraph, paragraphs.get(offer_id, UNKNOWN)),
                           (overview.by_target_group, groups.get(offer_id, UNKNOWN)),
                           (overview.by_category, categories.get((year, offer_id), UNKNOWN))):
            table.setdefault(key, defaultdict(int))[year] += total


def municipalities_of(*, actor: Actor, region_id: int) -> list[Organisation]:
    """The municipalities whose spending the actor may open (the secretariat: its region's; else its own)."""
    if actor.is_superuser or actor.organisation_kind == OrganisationKind.SECRETARIAT:
        return list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=region_id)
                    .order_by("name"))
    return list(Organisation.objects.filter(pk=actor.organisation_id, kind=OrganisationKind.MUNICIPALITY))


PURCHASES = "Køb (modtagne fakturaer), hele år"
PL_LINE = "Køb det første år fremskrevet med P/L"


def chart_rows(overview: SpendOverview) -> list[tuple[str, int, Decimal | None]]:
    """The purchases by year, and the first year's purchases grown by each later year's P/L (where known): the
    line the purchases may not rise above under Syddanmark's cap."""
    whole = [item for item in overview.years if item.invoiced and not item.running]
    rows = [(PURCHASES, item.year, ore_to_kr(item.purchases_ore)) for item in whole]
    if whole:
        level = ore_to_kr(whole[0].purchases_ore)
        rows.append((PL_LINE, whole[0].year, level))
        for item in whole[1:]:
            if item.pl_pct is None:
                break
            level = level * (100 + item.pl_pct) / 100
            rows.append((PL_LINE, item.year, level.quantize(PCT, rounding=ROUND_HALF_UP)))
    return rows
