"""Reading proposals: what the actor's organisation proposed or is consulted on, and one proposal with its
consultation, the affected buyers (names and counts, no citizens) and what the actor may do with it."""
from collections import Counter
from dataclasses import dataclass
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.lifecycle.models import OfferProposal, ProposalComment, ProposalKind, ProposalStatus
from rammeaftale.lifecycle.services import may_comment, may_propose, placements_from
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Offer


def _may_read(actor: Actor, proposal: OfferProposal) -> bool:
    """The offer's region: its municipalities, operators and secretariat (the proposal names no citizen)."""
    return actor.is_superuser or (actor.region_id is not None
                                  and actor.region_id == proposal.offer.municipality.region_id)


def proposal_list(*, actor: Actor) -> list[OfferProposal]:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    query = OfferProposal.objects.select_related("offer__operator", "offer__municipality", "proposer",
                                                 "new_operator")
    if not actor.is_superuser:
        if actor.region_id is None:
            return []
        query = query.filter(offer__municipality__region_id=actor.region_id)
    return list(query)


@dataclass
class ProposalDetail:
    proposal: OfferProposal
    comments: list[ProposalComment]
    affected: list[tuple[Organisation, int]]  # buyers with placements from the effective date, and how many
    may_comment: bool
    may_decide: bool
    consultation_open: bool


def proposal_detail(*, actor: Actor, proposal_id: int, today: date) -> ProposalDetail:
    proposal = (OfferProposal.objects.select_related("offer__operator", "offer__municipality__region", "proposer",
                                                     "new_operator").filter(pk=proposal_id).first())
    if proposal is None or not _may_read(actor, proposal):
        raise NotFound("Forslaget findes ikke.", message_en="Proposal not found.")
    counts = Counter(placements_from(proposal.offer, proposal.effective_date)
                     .values_list("paying_municipality_id", flat=True))
    buyers = Organisation.objects.in_bulk(list(counts))
    affected = sorted(((buyers[pk], count) for pk, count in counts.items()), key=lambda pair: pair[0].name)
    open_ = proposal.status == ProposalStatus.CONSULTATION and today <= proposal.consultation_until
    return ProposalDetail(
        proposal=proposal, comments=list(proposal.comments.select_related("organisation")),
        affected=affected if proposal.kind != ProposalKind.TAKEOVER else [],
        may_comment=open_ and may_comment(actor, proposal),
        may_decide=proposal.status in (ProposalStatus.CONSULTATION, ProposalStatus.PROPOSED)
        and not open_ and may_propose(actor, proposal.offer, proposal.kind),
        consultation_open=open_)


def proposable_kinds(*, actor: Actor, offer: Offer) -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in ProposalKind.choices if may_propose(actor, offer, kind)]


def offer_for_proposal(*, actor: Actor, offer_id: int) -> Offer:
    offer = Offer.objects.select_related("municipality__region", "operator").filter(pk=offer_id).first()
    if offer is None or not (actor.is_superuser or actor.region_id == offer.municipality.region_id):
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    return offer


