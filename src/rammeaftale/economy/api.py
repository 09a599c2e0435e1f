"""REST endpoints of the economy: spending against P/L (the same selector as the page, economy/spend.py)."""
from ninja import Field, Query, Router, Schema

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import errors
from rammeaftale.core import clock
from rammeaftale.core.money import ore_to_kr
from rammeaftale.economy import spend

router = Router(tags=["Økonomi"])


class SpendIn(Schema):
    municipality: int | None = Field(None, ge=1, le=2**31, description="Kommunens id (standard: din egen).")
    region: int | None = Field(None, ge=1, le=2**31, description="Regionens id for regionens total (sekretariatet).")
    first_year: int | None = Field(None, ge=2000, le=2100, description="Første år (standard: tre år før det sidste).")
    last_year: int | None = Field(None, ge=2000, le=2100, description="Sidste år (standard: i år).")


def _kr(ore: int) -> str:
    return f"{ore_to_kr(ore):.2f}"


@router.get("/spend", response={200: dict, **errors(400, 403, 404, 422)},
            summary="Forbrug mod P/L pr. år: køb, salg, vækst, sager og særligt dyre sager (SEL § 176)")
def spend_get(request, filters: Query[SpendIn]):
    actor = actor_from_user(request.user)
    last = filters.last_year or clock.today().year
    municipality = filters.municipality
    if municipality is None and filters.region is None:
        municipality = actor.organisation_id
    overview = spend.spend_overview(actor=actor, municipality_id=municipality, region_id=filters.region,
                                    first_year=filters.first_year or last - 3, last_year=last, today=clock.today())
    return {
        "label": overview.label, "region": overview.region.code,
        "municipality": overview.municipality.code if overview.municipality else None,
        "years": [{
            "year": item.year, "running": item.running, "invoiced": item.invoiced,
            "purchases_kr": _kr(item.purchases_ore), "purchases_ore": item.purchases_ore,
            "sales_kr": _kr(item.sales_ore), "sales_ore": item.sales_ore,
            "own_costs_ore": item.own_costs_ore, "own_accounts_ore": item.own_accounts_ore,
            "growth_pct": None if item.growth_pct is None else str(item.growth_pct),
            "pl_pct": None if item.pl_pct is None else str(item.pl_pct), "over_pl": item.over_pl,
            "cases": item.cases, "expensive_cases": item.expensive_cases,
            "threshold_kr": None if item.threshold_kr is None else f"{item.threshold_kr:.2f}",
        } for item in overview.years],
        "by_paragraph": {key: [_kr(ore) for ore in amounts] for key, amounts in overview.paragraph_rows},
        "by_target_group": {key: [_kr(ore) for ore in amounts] for key, amounts in overview.target_group_rows},
        "by_category": {key: [_kr(ore) for ore in amounts] for key, amounts in overview.category_rows},
    }
