"""Reads for tariffs: the tariff list of an agreement and year with changes and flags, breakdowns, reserves."""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.indexation import tariff_growth_check
from rammeaftale.registry.models import Agreement
from rammeaftale.registry.services import rulebook_of
from rammeaftale.tariffs.models import PriceIndex, ReserveEntry, Tariff


@dataclass(frozen=True)
class TariffRow:
    tariff: Tariff
    previous: Tariff | None
    increase_pct: Decimal | None
    exceeds_pl: bool
    report_required: bool
    explained: bool

    @property
    def needs_explanation(self) -> bool:
        return self.exceeds_pl and not self.explained


@dataclass(frozen=True)
class TariffList:
    agreement: Agreement
    year: int
    price_index: PriceIndex | None
    rows: list[TariffRow]


def tariff_list(*, actor: Actor, agreement: Agreement, year: int, operator_id: int | None = None,
                paragraph: str = "", offer_type: str = "") -> TariffList:
    """Every tariff of the agreement's region for a year, with last year's tariff and the P/L and report flags."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.")
    rulebook = rulebook_of(agreement.rulebook)
    tariffs = (
        Tariff.objects.filter(year=year, service__offer__municipality__region_id=agreement.region_id)
        .select_related("service", "service__offer", "service__offer__operator", "explanation")
        .order_by("service__offer__name", "service__kind", "service__name")
    )
    if operator_id:
        tariffs = tariffs.filter(service__offer__operator_id=operator_id)
    if paragraph:
        tariffs = tariffs.filter(service__offer__paragraphs__code=paragraph).distinct()
    if offer_type:
        tariffs = tariffs.filter(service__offer__offer_type=offer_type)
    tariffs = list(tariffs)
    previous = {
        t.service_id: t for t in Tariff.objects.filter(year=year - 1, service_id__in=[t.service_id for t in tariffs])
    }
    price_index = PriceIndex.objects.filter(year=year).first()
    pl_pct = price_index.rate_pct if price_index else None
    rows = []
    for tariff in tariffs:
        before = previous.get(tariff.service_id)
        check = None
        if before is not None and before.amount_ore > 0:
            check = tariff_growth_check(previous_kr=ore_to_kr(before.amount_ore), current_kr=ore_to_kr(tariff.amount_ore),
                                        pl_pct=pl_pct, rulebook=rulebook, offer_type=tariff.service.offer.offer_type)
        rows.append(TariffRow(
            tariff=tariff, previous=before, increase_pct=check.increase_pct if check else None,
            exceeds_pl=bool(check and check.exceeds_pl), report_required=bool(check and check.report_required),
            explained=hasattr(tariff, "explanation"),
        ))
    return TariffList(agreement=agreement, year=year, price_index=price_index, rows=rows)


def reserve_open_entries(*, operator_id: int, year: int) -> list[tuple[ReserveEntry, int]]:
    """Reserved surpluses not expired before `year` with what remains of each, oldest expiry first."""
    reserves = (
        ReserveEntry.objects.filter(operator_id=operator_id, amount_ore__gt=0, expires_year__gte=year)
        .annotate(used=Sum("uses__amount_ore"))
        .order_by("expires_year", "id")
    )
    return [(r, r.amount_ore + (r.used or 0)) for r in reserves if r.amount_ore + (r.used or 0) > 0]


def reserve_balance_ore(*, operator_id: int, year: int) -> int:
    return sum(remaining for _, remaining in reserve_open_entries(operator_id=operator_id, year=year))


def reserve_warnings(*, operator_id: int, year: int) -> list[str]:
    """Reserved surplus that must be used this year or next (the 5-year rule), oldest first."""
    return [
        f"Hensat overskud fra {entry.surplus_year}: {ore_to_kr(remaining)} kr. skal være brugt senest i "
        f"{entry.expires_year}."
        for entry, remaining in reserve_open_entries(operator_id=operator_id, year=year)
        if entry.expires_year <= year + 1
    ]
