"""Reference data: 98 municipalities and 5 regions with population, loaded idempotently and audited."""
from django.db.models import Sum

from rammeaftale.accounts.models import AuditEvent
from rammeaftale.registry import services
from rammeaftale.registry.models import LegalParagraph, Organisation, OrganisationKind, Population


def test_reference_data_has_every_municipality_and_region(reference):
    assert Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).count() == 98
    assert Organisation.objects.filter(kind=OrganisationKind.REGION).count() == 5
    assert Organisation.objects.filter(kind=OrganisationKind.SECRETARIAT).count() == 5
    copenhagen = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="101")
    assert copenhagen.name == "København"
    assert copenhagen.region.name == "Hovedstaden"
    assert Population.objects.get(organisation=copenhagen, year=2024).inhabitants == 659350


def test_municipal_population_sums_to_each_region(reference):
    for region in Organisation.objects.filter(kind=OrganisationKind.REGION):
        municipal = Population.objects.filter(
            organisation__region=region, organisation__kind=OrganisationKind.MUNICIPALITY, year=2024
        ).aggregate(total=Sum("inhabitants"))["total"]
        assert municipal == Population.objects.get(organisation=region, year=2024).inhabitants
    syd = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    assert syd.members.filter(kind=OrganisationKind.MUNICIPALITY).count() == 22
    assert syd.region_id == syd.pk


def test_reference_load_is_idempotent_and_audited(reference, system):
    assert AuditEvent.objects.filter(event_type="reference.loaded").count() == 1
    again = services.reference_data_load(actor=system)
    assert again.created == {} and again.updated == {}
    assert Organisation.objects.count() == 108
    assert LegalParagraph.objects.filter(code="sel-108").get().label == "SEL § 108"
    assert AuditEvent.objects.filter(event_type="reference.loaded").count() == 1
