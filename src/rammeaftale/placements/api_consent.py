"""REST endpoints for the paying municipality's consent: the requests awaiting its answer (nothing of the citizen),
accept and decline. Mounted on the placements router (/api/placements/consents, …/payer-accept, …/payer-decline)."""
from datetime import date, datetime
from types import SimpleNamespace

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import Id, errors
from rammeaftale.core.errors import NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.placements import selectors, services
from rammeaftale.placements.models import Placement
from rammeaftale.registry.api import OrganisationRef

router = Router(tags=["Placeringer"])


class ConsentOfferOut(Schema):
    id: int
    name: str
    offer_type: str
    operator: OrganisationRef


class ConsentServiceOut(Schema):
    name: str
    kind: str
    unit: str
    tariff_kr: str | None = Field(description="Taksten på startdagen i kroner (null: ingen takst endnu).")
    tariff_ore: int | None
    provisional: bool | None = Field(description="Foreløbig takst (sidste års takst × P/L).")


class ConsentRequestOut(Schema):
    """A request to pay as the paying municipality sees it: no name, CPR, birth date, address or contact."""

    id: int = Field(description="Placeringens id.")
    reference: str
    consent: str = Field(description="pending, accepted eller declined.")
    consent_label: str
    status: str = Field(description="Placeringens status (requested, indtil betalingskommunen har svaret).")
    acting_municipality: OrganisationRef
    paying_municipality: OrganisationRef
    offer: ConsentOfferOut
    start_date: date
    planned_end: date | None = Field(description="Første dag uden plads (null: løbende).")
    justification: str = Field(description="Handlekommunens begrundelse for, at betalingskommunen skal betale.")
    reserve_on_consent: bool = Field(description="Pladsen reserveres ved accept, hvis der er ledig plads.")
    covered_by_agreement: bool
    agreement_coverage_note: str
    payment_agreement: str
    services: list[ConsentServiceOut]
    requested_at: datetime
    answered_at: datetime | None
    answered_by: str
    note: str = Field(description="Betalingskommunens bemærkning eller begrundelse for afvisning.")

    @staticmethod
    def resolve_services(obj: selectors.ConsentRequest) -> list[dict]:
        return [{"name": s.name, "kind": s.kind, "unit": s.unit,
                 "tariff_kr": str(ore_to_kr(s.tariff.amount_ore)) if s.tariff else None,
                 "tariff_ore": s.tariff.amount_ore if s.tariff else None,
                 "provisional": s.tariff.provisional if s.tariff else None} for s in obj.services]


class ConsentAnswerOut(ConsentRequestOut):
    reserved: bool = Field(description="Pladsen er reserveret nu.")
    message: str = Field(description="Hvad der skete, på dansk.")


class ConsentStateIn(Schema):
    state: str = Field("pending", description="pending (venter på svar) eller answered (besvarede).")


class AcceptIn(Schema):
    note: str = Field("", max_length=500, description="Valgfri bemærkning til handlekommunen.")


class DeclineIn(Schema):
    reason: str = Field(max_length=500, description="Begrundelsen; handlekommunens sagsbehandler ser den.")




def _request_of(request, placement_id: int):
    actor = actor_from_user(request.auth)
    consent = selectors.placement_consent_get(actor=actor, placement_id=placement_id)  # 404 unless the payer's
    return actor, consent


def _answer(actor, placement_id: int, *, reserved: bool, message: str) -> SimpleNamespace:
    consent = selectors.placement_consent_get(actor=actor, placement_id=placement_id)  # as stored now
    return SimpleNamespace(**vars(consent), reserved=reserved, message=message)


@router.get("/consents", response={200: list[ConsentRequestOut], **errors(403, 422)},
            summary="Anmodninger om betaling til brugerens kommune (uden borgerens personoplysninger)")
def consent_list(request, filters: Query[ConsentStateIn]):
    """Købene, hvor en anden kommune har angivet brugerens kommune som betalingskommune. Før accept ses kun det, der
    skal til for at beslutte: handlekommune, tilbud, periode, ydelser og takst og begrundelsen — intet om borgeren.
    For betalingskommunens sagsbehandlere, økonomer og administratorer; andre roller får en tom liste."""
    actor = actor_from_user(request.auth)
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.")
    state = filters.state if filters.state in selectors.CONSENT_STATES else "pending"
    return Status(200, selectors.placement_consent_list(actor=actor, state=state))


@router.post("/{int:placement_id}/payer-accept", response={200: ConsentAnswerOut, **errors(400, 403, 404, 422)},
             summary="Betalingskommunen accepterer købet (reserverer, hvis handlekommunen bad om det og der er plads)")
def consent_accept(request, placement_id: Id, payload: AcceptIn):
    """Fra nu af betaler kommunen og ser placeringen som betalingskommune. 400, når anmodningen allerede er
    besvaret eller trukket tilbage; 404 for andre end betalingskommunen."""
    actor, consent = _request_of(request, placement_id)
    answer = services.placement_payer_accept(actor=actor, placement=Placement(pk=consent.id),
                                             note=payload.note)
    return Status(200, _answer(actor, consent.id, reserved=answer.reserved, message=answer.message_da))


@router.post("/{int:placement_id}/payer-decline", response={200: ConsentAnswerOut, **errors(400, 403, 404, 422)},
             summary="Betalingskommunen afviser købet med en begrundelse (købet annulleres)")
def consent_decline(request, placement_id: Id, payload: DeclineIn):
    actor, consent = _request_of(request, placement_id)
    services.placement_payer_decline(actor=actor, placement=Placement(pk=consent.id), reason=payload.reason)
    return Status(200, _answer(actor, consent.id, reserved=False,
                               message="Købet er afvist og annulleret; handlekommunen ser begrundelsen."))

