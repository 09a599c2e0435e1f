"""Organisations (the parties) and their population per year."""
from django.db import models
from django.db.models import Q


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", "Kommune"
    REGION = "region", "Region"
    PRIVATE_OPERATOR = "private_operator", "Privat driftsherre"
    SECRETARIAT = "secretariat", "Sekretariat"


OPERATOR_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION, OrganisationKind.PRIVATE_OPERATOR)


class Organisation(models.Model):
    """A party: municipality, region, private operator or a region's joint secretariat.

    Every organisation belongs to a region; a region belongs to itself, so "everything in region R"
    is one filter on `region`.
    """

    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    code = models.CharField("officiel kode", max_length=10, blank=True)
    name = models.CharField("navn", max_length=200)
    region = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name="region",
        limit_choices_to={"kind": OrganisationKind.REGION},
    )
    cvr = models.CharField("CVR-nummer", max_length=8, blank=True)
    ean = models.CharField("EAN-nummer (GLN)", max_length=13, blank=True)
    address = models.CharField("adresse", max_length=200, blank=True)
    postcode = models.CharField("postnummer", max_length=4, blank=True)
    city = models.CharField("by", max_length=100, blank=True)

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisationer"
        ordering = ["name"]
        db_table = "registry_organisation"  # the table keeps the name it was created with in the registry
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], condition=~Q(code=""), name="organisation_code_unique"),
            models.UniqueConstraint(fields=["cvr"], condition=~Q(cvr=""), name="organisation_cvr_unique"),
            models.UniqueConstraint(fields=["ean"], condition=~Q(ean=""), name="organisation_ean_unique"),
        ]

    def __str__(self) -> str:
        if self.kind == OrganisationKind.MUNICIPALITY:
            return f"{self.name} Kommune"
        if self.kind == OrganisationKind.REGION:
            return f"Region {self.name}"
        return self.name

    @property
    def is_operator_kind(self) -> bool:
        return self.kind in OPERATOR_KINDS


class Population(models.Model):
    """Inhabitants on 1 January of a year; kept per year so later years can be added."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField("år")
    inhabitants = models.PositiveIntegerField("indbyggere")
    source = models.CharField("kilde", max_length=200)

    class Meta:
        verbose_name = "befolkningstal"
        verbose_name_plural = "befolkningstal"
        db_table = "registry_population"
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="population_unique")]
