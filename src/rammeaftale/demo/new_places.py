"""The demo's new places under Hovedstaden's economic model (issue 14, part 3): in each demo region whose rulebook has
the model, one residential offer of a municipality gets its places under it, with a three-year subscription for
three participating municipalities and the first year of operation's deficit decided last month, so that the
demo's settlement of last month invoices the shares (`demo/invoices.py` runs after this).

The figures are the demo's own, not a real offer's: a deficit of 1,250,000 kr. in the first year and a subscription
of 150,000 kr. a year per participating municipality (demo/DEMO.md)."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.settlement import month_add
from rammeaftale.core.errors import NotAllowed
from rammeaftale.economy.models import GuaranteeSharing, NewPlacesKind
from rammeaftale.economy.new_places import guarantee_year_decide, new_places_arrangement_create
from rammeaftale.economy.population import population_dates
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import rules_in_force

DEFICIT_KR = Decimal("1250000")
SUBSCRIPTION_KR = Decimal("150000")


@dataclass
class NewPlacesReport:
    offers: list[str] = field(default_factory=list)


def demo_new_places_build(*, actor: Actor, regions: list[Organisation], today: date) -> NewPlacesReport:
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    report = NewPlacesReport()
    decided_on = date(*month_add(today.year, today.month, -1), 1)  # last month: the demo's last settlement
    first_year = decided_on.year - 1
    for region in regions:
        if rules_in_force(region=region, on=date(first_year, 1, 1)).rulebook.new_places_model is None:
            continue
        offer = (Offer.objects.filter(municipality__region=region, operator__kind=OrganisationKind.MUNICIPALITY,
                                      offer_type="residential").select_related("operator").order_by("pk").first())
        if offer is None:
            continue
        others = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region)
                      .exclude(pk=offer.operator_id).order_by("code").values_list("pk", flat=True)[:2])
        arrangement = new_places_arrangement_create(
            actor=actor, offer_id=offer.pk, kind=NewPlacesKind.EXPANSION, places=6, first_year=first_year,
            participant_ids=[offer.operator_id, *others], sharing=GuaranteeSharing.POPULATION,
            population_date=population_dates()[-1], subscription_years=3, subscription_yearly_kr=SUBSCRIPTION_KR,
            decision_reference=f"Demo: KKR-beslutning om 6 nye pladser fra {first_year}")
        guarantee_year_decide(actor=actor, arrangement_id=arrangement.pk, year_of_operation=1, deficit_kr=DEFICIT_KR,
                              decision_reference=f"Demo: regnskab {first_year} godkendt", today=decided_on)
        report.offers.append(offer.name)
    return report
