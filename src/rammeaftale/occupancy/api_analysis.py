"""REST API for the capacity and occupancy analysis: the page's figures as JSON (percentages as strings)."""

from ninja import Router

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import errors
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.occupancy.analysis import analysis_json, analysis_years, occupancy_analysis
from rammeaftale.registry.selectors import region_resolve

router = Router(tags=["Belægning"])


@router.get("/", response={200: dict, **errors(400, 403, 422)},
            summary="Kapacitets- og belægningsanalysen for en region og en række år")
def analysis(request, region: str, year_from: str = "", year_to: str = "", purchase_year: str = ""):
    """`region`: the region's code (1083), name (syddanmark) or id; `year_from`/`year_to`: the span (default the
    last five years up to this one, this year counted to today); `purchase_year`: the year of the purchases across
    municipalities (default the latest full year in the span)."""
    today = clock.today()
    found = region_resolve(region)
    first, last = analysis_years(year_from, year_to, today=today)
    purchase = None
    if purchase_year.strip():
        if not purchase_year.strip().isdigit() or len(purchase_year.strip()) != 4:
            raise DomainError(f"Året for køb på tværs skal være et årstal med fire cifre, ikke «{purchase_year}».",
                              field="purchase_year", code="invalid_year",
                              message_en="purchase_year must be a four-digit year")
        purchase = int(purchase_year)
    return analysis_json(occupancy_analysis(actor=actor_from_user(request.user), region=found, year_from=first,
                                            year_to=last, purchase_year=purchase, today=today))
