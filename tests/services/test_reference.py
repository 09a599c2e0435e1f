"""Reference data: 98 municipalities and 5 regions with population, loaded idempotently and audited."""
from django.db.models import Sum

from rammeaftale.accounts.models import AuditEvent
from rammeaftale.parties.models import Organisation, OrganisationKind, Population
from rammeaftale.registry import services
from rammeaftale.registry.models import LegalParagraph


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


def test_population_for_a_later_year_is_added_beside_the_first(reference, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "folk2025.csv"
    rows = ["code,population"] + [
        f"{o.code},{o.populations.get(year=2024).inhabitants + 10}"
        for o in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    call_command("reference", "load", "--population", str(path), "--year", "2025")
    copenhagen = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="101")
    assert Population.objects.get(organisation=copenhagen, year=2025).inhabitants == 659360
    assert Population.objects.get(organisation=copenhagen, year=2024).inhabitants == 659350
    hovedstaden = copenhagen.region
    assert Population.objects.get(organisation=hovedstaden, year=2025).inhabitants == 1910976 + 29 * 10


def test_a_bad_population_file_names_row_and_column_and_writes_nothing(reference, tmp_path):
    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "folk2025.csv"
    path.write_text("code,population\n101,659000\n999,12\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Række 3, kolonne code: ukendt kommunekode «999»"):
        call_command("reference", "load", "--population", str(path), "--year", "2025")
    assert not Population.objects.filter(year=2025).exists()
