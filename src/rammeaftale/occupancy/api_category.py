"""REST API for the category suggestion: the engine's JSON as `rammeaftale category suggest`, and an offer's
assessment for a year from its daily tariff and last year's sales (the category page's figures)."""
from typing import Any

from ninja import Body, Router, Schema
from ninja.responses import Status

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import ErrorOut, Id, Year, errors
from rammeaftale.core import clock
from rammeaftale.engine.category_json import category_suggest_json, category_suggestion_json
from rammeaftale.engine.tariff_json import EngineInputError
from rammeaftale.occupancy.category import CategoryAssessment, category_assessment

router = Router(tags=["Belægning"])


class CategoryEngineError(Schema):
    error: dict


@router.post("/suggest", response={200: dict, **errors(403, 422), 400: CategoryEngineError | ErrorOut},
             summary="Kategoriforslag ud fra takst og salg (JSON)")
def suggest(request, payload: dict[str, Any] = Body(...)):
    """Same input and output as `rammeaftale category suggest` (docs/engine-json.md)."""
    try:
        return Status(200, category_suggest_json(payload))
    except EngineInputError as exc:
        return Status(400, exc.as_dict())


def assessment_json(assessment: CategoryAssessment) -> dict:
    sold, record, suggestion = assessment.offer_sales, assessment.record, assessment.suggestion
    if assessment.sales is not None and assessment.rulebook is not None:
        result = category_suggestion_json(sales=assessment.sales, suggestion=suggestion, rulebook=assessment.rulebook)
    else:  # no agreement, or figures that do not add up: the suggestion and the figures as counted
        rulebook = assessment.rulebook
        result = {
            "rulebook": rulebook.key if rulebook else None, "rulebook_version": rulebook.version if rulebook else None,
            "method": rulebook.categorisation.method.value if rulebook else None, "category": suggestion.category,
            "needs_assessment": suggestion.needs_assessment, "reason": suggestion.reason_da,
            "facts": {"daily_tariff": None if assessment.daily_tariff_kr is None else str(assessment.daily_tariff_kr),
                      "other_buying_municipalities": sold.other_buying_municipalities,
                      "places": str(assessment.places_shown),
                      "places_sold_to_others": str(assessment.places_sold_shown), "share_sold_pct": None},
            "thresholds": None,
        }
    return {
        "offer_id": assessment.offer.pk, "offer": assessment.offer.name, "year": assessment.year,
        **result,
        "daily_tariff_source": assessment.daily_tariff_source,
        "sales": {
            "year": assessment.sales_year, "complete": assessment.sales_year_complete, "days": sold.days, "capacity_days": sold.capacity_days,
            "occupied_days": sold.occupied_days, "sold_days": sold.sold_days,
            "buyers": ([{"municipality_id": b.municipality_id, "name": b.name, "place_days": b.place_days}
                        for b in sold.buyers] if assessment.may_see_buyers else None),
        },
        "decision": None if record is None else {
            "category": record.category, "reason": record.reason, "locked": assessment.locked,
            "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        },
    }


@router.get("/offers/{offer_id}/{year}", response={200: dict, **errors(400, 404, 422)},
            summary="Et tilbuds kategorivurdering for et år (salget året før)")
def offer_category(request, offer_id: Id, year: Year):
    """The rulebook's suggestion for `year` from the offer's own daily tariff and the sales of `year` − 1 counted
    from the placements, and the secretariat's decision if made. `sales.buyers` (who bought) only for the operator's
    own users and the region's secretariat, else null."""
    return assessment_json(category_assessment(actor=actor_from_user(request.user), offer_id=offer_id, year=year,
                                                      today=clock.today()))
