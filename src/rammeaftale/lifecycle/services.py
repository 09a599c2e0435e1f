"""Changing an offer's life: propose (checked against the rulebook), consult, decide, and record it in the registry.

- **Opening** of a registered offer (bilag 11 in Syddanmark 2017, «oprettelse af tilbud og pladser»): «planlagt»
  from the proposal, «åbent» with its places from the opening day; the region's municipalities are consulted where
  the rulebook says so (Hovedstaden's economic model for new places is set up beside it: docs/economy.md).
- **Capacity** (bilag 12–13 in Syddanmark 2017): a change during the year needs the rulebook's notice; a change on
  1 January must be announced by the rulebook's day the year before. It takes effect as an `OfferCapacity` record from
  its date, so vacancies, occupancy and the search read it from then on. A reduction is never backdated and never
  below the placements the offer has on the day.
- **Closure**: the closing date respects the buyers' notice (the rulebook's notice for the offer type, given today);
  decided, the offer is «under lukning» from the decision and «lukket» from the closing date with 0 places, no
  placement can start from that day, and the buyers with placements after it are notified.
- **Takeover** of a regional offer by the municipality where it lies: announced within the rulebook's window of the
  election period, on a 1 January, once per election period. Decided, it takes effect on its day (`lifecycle_apply_due`,
  run daily): the operator periods are written (the former's ends, the new one's starts), `Offer.operator` moves, and
  from then on each side sees its own period's placements and invoices its own days.

Each proposal is consulted where the rulebook says so: the buyers with placements in the offer and the region's
municipalities are notified and may comment until the deadline. Every write is audited in its transaction.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_manage_offer
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.engine.notice import notice_end
from rammeaftale.exchange.notifications import notify
from rammeaftale.lifecycle.models import OfferProposal, ProposalComment, ProposalKind, ProposalStatus
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import HOLDING_STATUSES, Placement, ends_on
from rammeaftale.registry.history import offer_closing_date, offer_status_on
from rammeaftale.registry.models import (
    Offer,
    OfferCapacity,
    OfferOperatorPeriod,
    OfferStatus,
    OfferStatusChange,
)
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks.display import source_text

TEXT_MAX = 2000
NOTIFIED_ROLES = (Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR)
LINK = "/aendringer/{pk}/"


def _source(param) -> str:
    """A parameter's basis as the user reads it: the agreement's words, or «Antaget standard» with why."""
    return source_text(param)


def _rules(offer: Offer, on: date) -> RulesInForce:
    return rules_in_force(region=offer.municipality.region, on=on)


def _placements_on(offer: Offer, day: date):
    """The offer's placements that hold a place on the day (requested, reserved, active or under notice)."""
    return (Placement.objects.filter(offer=offer, status__in=HOLDING_STATUSES, start_date__lte=day)
            .alias(ends=ends_on()).filter(ends__gt=day))


def placements_from(offer: Offer, day: date):
    """The offer's placements that hold a place on the day or later."""
    return (Placement.objects.filter(offer=offer, status__in=HOLDING_STATUSES)
            .alias(ends=ends_on()).filter(ends__gt=day))


def _capacity_on(offer: Offer, day: date) -> int | None:
    record = OfferCapacity.objects.filter(offer=offer, valid_from__lte=day).order_by("-valid_from").first()
    return record.places if record else None


def _election_period_start(rules, day: date) -> int:
    first, length = rules.election_period_first_year.value, rules.election_period_years.value
    return first + ((day.year - first) // length) * length


def _text(value: str, field: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise DomainError(f"Skriv {label}.", field=field, message_en=f"{field} is required")
    if len(value) > TEXT_MAX:
        raise DomainError(f"{label.capitalize()} er {len(value)} tegn; højst {TEXT_MAX}.", field=field,
                          message_en=f"{field} longer than {TEXT_MAX} characters")
    return value


def _check_capacity(offer: Offer, rules, *, places: int | None, effective: date, today: date) -> bool:
    """Refuse what bilag 12–13's parameters do not allow; True when the change is a reduction."""
    if places is None:
        raise DomainError("Angiv antal pladser fra datoen.", field="places", message_en="places required")
    if effective < today:
        raise DomainError(
            f"En kapacitetsændring kan ikke have virkning før i dag ({today:%d.%m.%Y}): pladserne er allerede "
            "brugt af dagens placeringer. Regel: ændringer har virkning fremadrettet.", field="effective_date",
            code="backdated", message_en="a capacity change cannot be backdated")
    if effective.month == 1 and effective.day == 1:
        month, day = (int(part) for part in rules.year_turn_announce_by.value.split("-"))
        deadline = date(effective.year - 1, month, day)
        if today > deadline:
            raise DomainError(
                f"En ændring af kapaciteten ved årsskiftet til {effective.year} skulle meddeles senest "
                f"{deadline:%d.%m.%Y}. Regel: {_source(rules.year_turn_announce_by)}", field="effective_date",
                code="year_turn_deadline", message_en="too late for a change at the year's turn")
    else:
        months = rules.capacity_change_notice_months.value
        earliest = notice_end(given_on=today, months=months, running_month=False) - timedelta(days=1)
        if effective < earliest:
            raise DomainError(
                f"En ændring af kapaciteten i løbet af året skal varsles {months} måneder; den kan tidligst have "
                f"virkning {earliest:%d.%m.%Y}. Regel: {_source(rules.capacity_change_notice_months)}",
                field="effective_date", code="capacity_notice", message_en="capacity change notice too short")
    occupied = _placements_on(offer, effective).count()
    if places < occupied:
        raise DomainError(
            f"{offer.name} har {occupied} placeringer {effective:%d.%m.%Y}; kapaciteten kan ikke sættes til {places} "
            "(ingen overbelægning).", field="places", code="overbooking", message_en="below the placements")
    before = _capacity_on(offer, effective)
    return before is not None and places < before


def _check_opening(offer: Offer, *, places: int | None, effective: date, today: date) -> None:
    """A new offer opens on a day after today with its places; it must not have placements or places before."""
    if places is None or places < 1:
        raise DomainError("Angiv antal pladser, tilbuddet åbner med.", field="places", message_en="places required")
    if effective <= today:
        raise DomainError(f"Åbningsdagen skal ligge efter i dag ({today:%d.%m.%Y}).", field="effective_date",
                          code="backdated", message_en="the opening day must be in the future")
    if Placement.objects.filter(offer=offer, start_date__lt=effective).exists():
        raise DomainError(f"{offer.name} har placeringer før {effective:%d.%m.%Y}; et tilbud i drift oprettes ikke "
                          "igen (brug en kapacitetsændring for nye pladser).", field="offer", code="in_operation",
                          message_en="the offer already has placements")


def _check_closure(offer: Offer, in_force: RulesInForce, *, effective: date, today: date) -> None:
    if effective <= today:
        raise DomainError(f"Lukningsdatoen skal ligge efter i dag ({today:%d.%m.%Y}).", field="effective_date",
                          code="backdated", message_en="the closing date must be in the future")
    notice = in_force.rulebook.notice
    months = getattr(notice.months_by_offer_type.value, offer.offer_type, None)
    if months is None:
        return
    running = notice.running_month.value
    earliest = notice_end(given_on=today, months=months, running_month=running)
    if effective < earliest and placements_from(offer, effective).exists():
        raise DomainError(
            f"Lukningsdatoen {effective:%d.%m.%Y} ligger inden for købernes opsigelsesvarsel: opsiges "
            f"placeringerne i dag, løber varslet til {earliest - timedelta(days=1):%d.%m.%Y}. Tidligste "
            f"lukningsdato er {earliest:%d.%m.%Y}. Regel: {_source(notice.months_by_offer_type)}",
            field="effective_date", code="inside_notice", message_en="closing date inside the buyers' notice")


def _check_takeover(offer: Offer, rules, *, municipality: Organisation, effective: date, today: date) -> None:
    if offer.operator.kind != OrganisationKind.REGION:
        raise DomainError(f"{offer.name} drives ikke af regionen; kun regionale tilbud kan overtages.",
                          field="offer", code="not_regional", message_en="only regional offers can be taken over")
    if offer.municipality_id != municipality.pk:
        raise DomainError(
            f"{offer.name} ligger i {offer.municipality}, ikke i {municipality}. Regel: kommunalbestyrelsen "
            "kan overtage regionale tilbud, der er beliggende i kommunen. "
            f"({_source(rules.takeover_announce_by_year)})", field="offer", code="not_in_municipality",
            message_en="the offer does not lie in the municipality")
    if (effective.month, effective.day) != (1, 1):
        raise DomainError("En overtagelse har virkning fra en 1. januar.", field="effective_date",
                          code="not_new_year", message_en="a takeover takes effect on 1 January")
    start = _election_period_start(rules, today)
    announce_by = date(start + rules.takeover_announce_by_year.value, 1, 1)  # also the first day it may take effect
    latest = date(start + rules.takeover_latest_year.value, 1, 1)
    period = f"{start}–{start + rules.election_period_years.value - 1}"
    if today > announce_by:
        raise DomainError(
            f"I valgperioden {period} skulle en overtagelse meddeles regionsrådet senest {announce_by:%d.%m.%Y}. "
            f"Regel: {_source(rules.takeover_announce_by_year)}", field="effective_date", code="takeover_window",
            message_en="the takeover's announcement deadline has passed")
    if not announce_by <= effective <= latest or effective <= today:
        raise DomainError(
            f"I valgperioden {period} kan en overtagelse have virkning fra 1. januar {announce_by.year} til senest "
            f"{latest:%d.%m.%Y}, ikke {effective:%d.%m.%Y}. Regel: {_source(rules.takeover_latest_year)}",
            field="effective_date", code="takeover_window", message_en="the takeover date is outside the window")
    period_first, period_end = date(start, 1, 1), date(start + rules.election_period_years.value, 1, 1)
    earlier = OfferProposal.objects.filter(
        kind=ProposalKind.TAKEOVER, proposer=municipality, created_on__gte=period_first, created_on__lt=period_end,
    ).exclude(status=ProposalStatus.WITHDRAWN).first()
    if earlier is not None:
        raise DomainError(
            f"{municipality} har allerede meddelt en overtagelse i valgperioden {period} ({earlier.offer.name}, "
            f"fra {earlier.effective_date:%d.%m.%Y}). Regel: kommunalbestyrelsen kan én gang i hver valgperiode "
            f"overtage regionale tilbud ({_source(rules.election_period_first_year)})", field="offer",
            code="once_per_period", message_en="one takeover per election period")


def may_propose(actor: Actor, offer: Offer, kind: str) -> bool:
    if kind == ProposalKind.TAKEOVER:
        return actor.is_superuser or (actor.organisation_kind == OrganisationKind.MUNICIPALITY
                                      and actor.organisation_id == offer.municipality_id
                                      and actor.has_role(Role.ADMINISTRATOR, Role.ECONOMIST))
    return can_manage_offer(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id)


def _consulted(offer: Offer, today: date) -> list[int]:
    """Who is consulted: the buyers with placements in the offer from today, and the region's municipalities."""
    buyers = set(placements_from(offer, today).values_list("paying_municipality_id", flat=True))
    region = set(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=offer.municipality.region_id)
                 .values_list("pk", flat=True))
    return sorted((buyers | region) - {offer.operator_id})


@transaction.atomic
def proposal_create(*, actor: Actor, offer_id: int, kind: str, effective_date: date, reason: str, today: date,
                    places: int | None = None) -> OfferProposal:
    offer = Offer.objects.select_related("municipality__region", "operator").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    if kind not in ProposalKind.values:
        raise DomainError(f"Ukendt ændring «{kind}».", field="kind", message_en="unknown kind")
    if not may_propose(actor, offer, kind):
        raise NotAllowed("Kun driftsherren (eller sekretariatet) foreslår ændringer af tilbuddet; en overtagelse "
                         "meddeles af kommunen, hvor tilbuddet ligger.", message_en="not allowed to propose")
    if offer_status_on(offer, today) == OfferStatus.CLOSED or offer_closing_date(offer) is not None:
        raise DomainError(f"{offer.name} er lukket eller under lukning.", field="offer", code="closed",
                          message_en="the offer is closed or closing")
    reason = _text(reason, "reason", "en begrundelse")
    in_force = _rules(offer, effective_date)
    rules = in_force.rulebook.lifecycle
    consult = False
    new_operator = None
    proposer = Organisation.objects.get(pk=actor.organisation_id) if actor.organisation_id else offer.operator
    if kind == ProposalKind.OPENING:
        _check_opening(offer, places=places, effective=effective_date, today=today)
        consult = rules.consult_opening.value
        OfferStatusChange.objects.get_or_create(offer=offer, valid_from=today, status=OfferStatus.PLANNED,
                                                defaults={"reference": "Foreslået oprettet"})
    elif kind == ProposalKind.CAPACITY:
        consult = _check_capacity(offer, rules, places=places, effective=effective_date, today=today) and \
            rules.consult_capacity_reduction.value
    elif kind == ProposalKind.CLOSURE:
        _check_closure(offer, in_force, effective=effective_date, today=today)
        consult = rules.consult_closure.value
        places = 0
    else:
        municipality = proposer if proposer.kind == OrganisationKind.MUNICIPALITY else offer.municipality
        _check_takeover(offer, _rules(offer, today).rulebook.lifecycle, municipality=municipality,
                        effective=effective_date, today=today)
        new_operator, proposer, places = municipality, municipality, None
    proposal = OfferProposal.objects.create(
        kind=kind, offer=offer, proposer=proposer, created_by_id=actor.user_id, created_on=today,
        effective_date=effective_date, places=places, places_before=_capacity_on(offer, effective_date),
        new_operator=new_operator, reason=reason,
        consultation_until=today + timedelta(days=rules.consultation_days.value) if consult else None,
        status=ProposalStatus.CONSULTATION if consult else ProposalStatus.PROPOSED,
        rulebook_key=in_force.rulebook.key, rulebook_version=in_force.rulebook.version)
    link = LINK.format(pk=proposal.pk)
    if consult:
        for organisation_id in _consulted(offer, today):
            notify(organisation_id=organisation_id, roles=NOTIFIED_ROLES, kind="lifecycle.consultation",
                   text=f"Høring til {proposal.consultation_until:%d.%m.%Y}: {proposal}", link=link)
    elif kind == ProposalKind.TAKEOVER:
        notify(organisation_id=offer.operator_id, roles=(Role.OPERATOR, Role.ECONOMIST, Role.ADMINISTRATOR),
               kind="lifecycle.takeover", text=f"{proposer} meddeler overtagelse af {offer.name} fra "
                                               f"{effective_date:%d.%m.%Y}", link=link)
    audit_record(actor=actor, event_type="lifecycle.proposed", organisation_id=offer.operator_id, obj=proposal,
                 after={"kind": kind, "offer": offer.pk, "effective_date": effective_date.isoformat(),
                        "places": places, "new_operator": new_operator.pk if new_operator else None,
                        "consultation_until": proposal.consultation_until.isoformat() if consult else None,
                        "rulebook": f"{proposal.rulebook_key} v{proposal.rulebook_version}"})
    return proposal


def may_comment(actor: Actor, proposal: OfferProposal) -> bool:
    return bool(actor.organisation_id and actor.organisation_kind == OrganisationKind.MUNICIPALITY
                and actor.region_id == proposal.offer.municipality.region_id
                and actor.organisation_id != proposal.offer.operator_id
                and actor.has_role(*NOTIFIED_ROLES))


@transaction.atomic
def proposal_comment(*, actor: Actor, proposal_id: int, text: str, today: date) -> ProposalComment:
    proposal = (OfferProposal.objects.select_related("offer__municipality").filter(pk=proposal_id).first())
    if proposal is None:
        raise NotFound("Forslaget findes ikke.", message_en="Proposal not found.")
    if not may_comment(actor, proposal):
        raise NotAllowed("Kun regionens kommuner og køberne kan svare i høringen.",
                         message_en="only the region's municipalities comment")
    if proposal.status != ProposalStatus.CONSULTATION or today > proposal.consultation_until:
        raise DomainError("Høringen er slut.", field="text", code="consultation_over",
                          message_en="the consultation is over")
    comment = ProposalComment.objects.create(proposal=proposal, organisation_id=actor.organisation_id,
                                             author_id=actor.user_id, text=_text(text, "text", "en bemærkning"))
    notify(organisation_id=proposal.offer.operator_id, roles=(Role.OPERATOR, Role.ADMINISTRATOR),
           kind="lifecycle.comment", text=f"Høringssvar til {proposal}", link=LINK.format(pk=proposal.pk))
    audit_record(actor=actor, event_type="lifecycle.commented", organisation_id=proposal.offer.operator_id,
                 obj=proposal, after={"comment": comment.pk})
    return comment


@transaction.atomic
def proposal_decide(*, actor: Actor, proposal_id: int, decision_reference: str, today: date) -> OfferProposal:
    """Record the decision; a capacity change and a closure enter the registry at once (from their dates), a
    takeover on its day."""
    proposal = (OfferProposal.objects.select_for_update(of=("self",))
                .select_related("offer__municipality__region", "offer__operator").filter(pk=proposal_id).first())
    if proposal is None:
        raise NotFound("Forslaget findes ikke.", message_en="Proposal not found.")
    offer = proposal.offer
    if not may_propose(actor, offer, proposal.kind):
        raise NotAllowed("Kun den, der har stillet forslaget, træffer beslutningen.", message_en="not allowed")
    if proposal.status not in (ProposalStatus.CONSULTATION, ProposalStatus.PROPOSED):
        raise DomainError(f"Forslaget er {proposal.get_status_display().lower()}.", field="status",
                          message_en="the proposal is not open")
    if proposal.status == ProposalStatus.CONSULTATION and today <= proposal.consultation_until:
        raise DomainError(f"Høringen løber til og med {proposal.consultation_until:%d.%m.%Y}; beslutningen "
                          "træffes derefter.", field="status", code="consultation_running",
                          message_en="the consultation is still running")
    reference = _text(decision_reference, "decision_reference", "beslutningens reference")
    if proposal.kind == ProposalKind.OPENING:
        _check_opening(offer, places=proposal.places, effective=max(proposal.effective_date, today + timedelta(1)),
                       today=today)
        OfferStatusChange.objects.get_or_create(offer=offer, valid_from=proposal.effective_date,
                                                status=OfferStatus.OPEN, defaults={"reference": reference})
        OfferCapacity.objects.update_or_create(offer=offer, valid_from=proposal.effective_date,
                                               defaults={"places": proposal.places, "note": reference[:200]})
        notified = _consulted(offer, today)
        text = (f"Besluttet: {offer.name} åbner {proposal.effective_date:%d.%m.%Y} med {proposal.places} pladser "
                f"({offer.operator})")
    elif proposal.kind == ProposalKind.CAPACITY:
        rules = _rules(offer, proposal.effective_date).rulebook.lifecycle
        if proposal.effective_date < today:
            raise DomainError("Virkningsdatoen er passeret; stil et nyt forslag.", field="effective_date",
                              code="backdated", message_en="the effective date has passed")
        _check_capacity(offer, rules, places=proposal.places, effective=proposal.effective_date,
                        today=proposal.created_on)
        OfferCapacity.objects.update_or_create(offer=offer, valid_from=proposal.effective_date,
                                               defaults={"places": proposal.places, "note": reference[:200]})
        notified = sorted(set(placements_from(offer, today).values_list("paying_municipality_id", flat=True)))
        text = f"Besluttet: {offer.name} har {proposal.places} pladser fra {proposal.effective_date:%d.%m.%Y}"
    elif proposal.kind == ProposalKind.CLOSURE:
        OfferStatusChange.objects.get_or_create(offer=offer, valid_from=today, status=OfferStatus.CLOSING,
                                                defaults={"reference": reference})
        OfferStatusChange.objects.get_or_create(offer=offer, valid_from=proposal.effective_date,
                                                status=OfferStatus.CLOSED, defaults={"reference": reference})
        OfferCapacity.objects.update_or_create(offer=offer, valid_from=proposal.effective_date,
                                               defaults={"places": 0, "note": f"Lukket: {reference}"[:200]})
        notified = sorted(set(placements_from(offer, proposal.effective_date)
                              .values_list("paying_municipality_id", flat=True)))
        text = (f"{offer.name} lukker {proposal.effective_date:%d.%m.%Y}; kommunen har borgere i tilbuddet efter den "
                "dato og skal finde andre pladser")
    else:
        notified = [offer.operator_id]
        text = f"Besluttet: {proposal.new_operator} overtager {offer.name} fra {proposal.effective_date:%d.%m.%Y}"
    proposal.status, proposal.decision_reference = ProposalStatus.DECIDED, reference
    proposal.decided_on, proposal.decided_by_id = today, actor.user_id
    proposal.save(update_fields=["status", "decision_reference", "decided_on", "decided_by"])
    for organisation_id in notified:
        notify(organisation_id=organisation_id, roles=NOTIFIED_ROLES, kind=f"lifecycle.{proposal.kind}",
               text=text, link=LINK.format(pk=proposal.pk))
    audit_record(actor=actor, event_type="lifecycle.decided", organisation_id=offer.operator_id, obj=proposal,
                 after={"kind": proposal.kind, "effective_date": proposal.effective_date.isoformat(),
                        "decision_reference": reference, "notified": notified})
    if proposal.kind == ProposalKind.TAKEOVER and proposal.effective_date <= today:
        _takeover_apply(actor, proposal, today)
    return proposal


def _takeover_apply(actor: Actor, proposal: OfferProposal, today: date) -> None:
    offer, effective, former = proposal.offer, proposal.effective_date, proposal.offer.operator_id
    open_period = OfferOperatorPeriod.objects.filter(offer=offer, valid_to__isnull=True).first()
    if open_period is None:
        OfferOperatorPeriod.objects.create(offer=offer, operator_id=former, valid_from=None, valid_to=effective,
                                           reference="Driftsherre før overtagelsen")
    else:
        open_period.valid_to = effective
        open_period.save(update_fields=["valid_to"])
    OfferOperatorPeriod.objects.create(offer=offer, operator=proposal.new_operator, valid_from=effective,
                                       reference=proposal.decision_reference)
    offer.operator = proposal.new_operator
    offer.save(update_fields=["operator", "updated_at"])
    proposal.applied_on = today
    proposal.save(update_fields=["applied_on"])
    for organisation_id in (former, proposal.new_operator_id):
        notify(organisation_id=organisation_id, roles=(Role.OPERATOR, Role.ECONOMIST, Role.ADMINISTRATOR),
               kind="lifecycle.takeover", text=f"{proposal.new_operator} driver {offer.name} fra "
                                               f"{effective:%d.%m.%Y}", link=LINK.format(pk=proposal.pk))
    audit_record(actor=actor, event_type="lifecycle.takeover_applied", organisation_id=proposal.new_operator_id,
                 obj=offer, before={"operator": former}, after={"operator": proposal.new_operator_id,
                                                                 "from": effective.isoformat()})


@dataclass(frozen=True)
class DailyResult:
    today: date
    takeovers: int


@transaction.atomic
def lifecycle_apply_due(*, actor: Actor, today: date) -> DailyResult:
    """The takeovers decided with effect by today and not yet in the registry (the daily run)."""
    if not actor.is_superuser:
        raise NotAllowed("Kun platformen kører den daglige kørsel.")
    due = list(OfferProposal.objects.select_for_update(of=("self",)).select_related("offer", "new_operator").filter(
        Q(kind=ProposalKind.TAKEOVER), status=ProposalStatus.DECIDED, applied_on__isnull=True,
        effective_date__lte=today).order_by("effective_date", "pk"))
    for proposal in due:
        _takeover_apply(actor, proposal, today)
    return DailyResult(today=today, takeovers=len(due))
