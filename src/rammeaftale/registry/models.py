"""The registry: agreements with their rulebooks, and the offers of the parties (`parties`) they govern."""
from django.db import models
from django.db.models import Q

from rammeaftale.parties.models import OPERATOR_KINDS, Organisation, OrganisationKind


class RulebookVersion(models.Model):
    """One version of an agreement's rules, as loaded from its TOML file; kept so old calculations stay reproducible."""

    key = models.CharField("regelbog", max_length=64)
    version = models.PositiveIntegerField("version")
    name = models.CharField("navn", max_length=200)
    content = models.JSONField("indhold")
    sha256 = models.CharField("kontrolsum", max_length=64)
    loaded_at = models.DateTimeField("indlæst", auto_now_add=True)

    class Meta:
        verbose_name = "regelbogsversion"
        verbose_name_plural = "regelbogsversioner"
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="rulebook_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Agreement(models.Model):
    """A Rammeaftale: a region and the years it covers, governed by one rulebook version."""

    region = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements", verbose_name="region",
        limit_choices_to={"kind": OrganisationKind.REGION},
    )
    name = models.CharField("navn", max_length=200)
    year_from = models.PositiveSmallIntegerField("fra år")
    year_to = models.PositiveSmallIntegerField("til år")
    rulebook = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, verbose_name="regelbog")
    is_demo = models.BooleanField("demo", default=False)
    note = models.TextField("bemærkning", blank=True)

    class Meta:
        verbose_name = "rammeaftale"
        verbose_name_plural = "rammeaftaler"
        ordering = ["region__name", "-year_from"]
        constraints = [
            models.CheckConstraint(condition=Q(year_from__lte=models.F("year_to")), name="agreement_years_ordered"),
            models.UniqueConstraint(fields=["region", "year_from"], name="agreement_region_year_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, year: int) -> bool:
        return self.year_from <= year <= self.year_to


class Law(models.TextChoices):
    SERVICELOVEN = "SEL", "Serviceloven"
    BARNETS_LOV = "BL", "Barnets lov"
    FOLKESKOLELOVEN = "FSL", "Folkeskoleloven"
    STU_LOVEN = "STU", "Lov om ungdomsuddannelse for unge med særlige behov"


class LegalParagraph(models.Model):
    """A legal basis an offer is approved under, e.g. Serviceloven § 107."""

    code = models.SlugField("kode", max_length=20, unique=True)
    law = models.CharField("lov", max_length=4, choices=Law.choices)
    paragraph = models.CharField("paragraf", max_length=10)
    subsection = models.CharField("stykke", max_length=20, blank=True)
    title = models.CharField("betegnelse", max_length=200)

    class Meta:
        verbose_name = "lovparagraf"
        verbose_name_plural = "lovparagraffer"
        ordering = ["law", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        text = f"{self.law} § {self.paragraph}"
        return f"{text}, {self.subsection}" if self.subsection else text


class TargetGroup(models.Model):
    code = models.SlugField("kode", max_length=40, unique=True)
    name = models.CharField("målgruppe", max_length=200)

    class Meta:
        verbose_name = "målgruppe"
        verbose_name_plural = "målgrupper"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfferType(models.TextChoices):
    RESIDENTIAL = "residential", "Døgn- og botilbud"
    DAY = "day", "Dagtilbud"
    OUTPATIENT = "outpatient", "Ambulant tilbud"
    EDUCATION = "education", "Undervisningstilbud"


class Category(models.TextChoices):
    HIGHLY_SPECIALISED = "hoejt_specialiseret", "Højt specialiseret tilbud med regional betydning"
    CLUSTER = "klynge", "Klyngetilbud"
    LOCAL = "lokal", "Lokalt tilbud"
    NATIONWIDE = "landsdaekkende", "Lands- og landsdelsdækkende tilbud"
    SECURED = "sikret", "Sikret afdeling"


AGE_MAX = 120  # the oldest age an offer's or a search's age range may name


class Offer(models.Model):
    """A tilbud: run by an operator, approved under legal paragraphs, for target groups."""

    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="offers", verbose_name="driftsherre",
        limit_choices_to={"kind__in": OPERATOR_KINDS},
    )
    name = models.CharField("navn", max_length=200)
    address = models.CharField("adresse", max_length=200, blank=True)
    postcode = models.CharField("postnummer", max_length=4, blank=True)
    city = models.CharField("by", max_length=100, blank=True)
    municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="located_offers", verbose_name="beliggenhedskommune",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
    )
    tilbudsportalen_id = models.CharField("Tilbudsportalen-id", max_length=20, null=True, blank=True, unique=True)
    offer_type = models.CharField("tilbudstype", max_length=20, choices=OfferType.choices)
    is_short_stay = models.BooleanField(
        "korte forløb, akut eller aflastning", default=False,
        help_text="Har betydning for den laveste budgetterede belægningsprocent.",
    )
    paragraphs = models.ManyToManyField(LegalParagraph, related_name="offers", verbose_name="lovgrundlag")
    target_groups = models.ManyToManyField(TargetGroup, related_name="offers", verbose_name="målgrupper", blank=True)
    # The ages the offer is approved for, in whole years (Tilbudsportalen: «Alder fra/til»); empty: no bound.
    age_from = models.PositiveSmallIntegerField("alder fra (år)", null=True, blank=True)
    age_to = models.PositiveSmallIntegerField("alder til (år)", null=True, blank=True)
    description = models.TextField("beskrivelse", blank=True)
    internal_note = models.TextField(
        "intern note", blank=True, help_text="Kun synlig for driftsherrens egne brugere."
    )
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "tilbud"
        verbose_name_plural = "tilbud"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["municipality", "name"], name="offer_municipality_name"),
            # The offer list's order: its first page is read in index order instead of sorting every offer.
            models.Index(fields=["name", "id"], name="offer_name_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(age_from__isnull=True) | Q(age_to__isnull=True)
                                   | Q(age_from__lte=models.F("age_to")), name="offer_ages_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class OfferCapacity(models.Model):
    """Places from a date on; the capacity on a day is the newest record not after it."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="capacities")
    valid_from = models.DateField("gældende fra")
    places = models.PositiveIntegerField("pladser")
    note = models.CharField("bemærkning", max_length=200, blank=True)

    class Meta:
        verbose_name = "kapacitet"
        verbose_name_plural = "kapacitet"
        ordering = ["offer", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "valid_from"], name="capacity_offer_date_unique"),
            models.CheckConstraint(condition=Q(places__gte=0), name="capacity_places_not_negative"),
        ]


class OfferOperatorPeriod(models.Model):
    """Who operated an offer over a period, [valid_from, valid_to) — written when the operator changes (a takeover),
    both sides: the former operator's period ends and the new one's starts on the same day. An offer without such
    rows has had one operator, `Offer.operator`, all along; `Offer.operator` is always the operator of today (the
    lifecycle's daily step moves it on the day a takeover takes effect). Access to placements follows these periods
    (registry.history.operator_placements_q): each operator sees the placements of its own period."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="operator_periods")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="operated_periods",
                                 verbose_name="driftsherre")
    valid_from = models.DateField("fra", null=True, blank=True)  # None: since the offer was registered
    valid_to = models.DateField("til (første dag uden)", null=True, blank=True)  # None: still
    reference = models.CharField("beslutning", max_length=300, blank=True)

    class Meta:
        verbose_name = "driftsherreperiode"
        verbose_name_plural = "driftsherreperioder"
        ordering = ["offer", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True)
                                   | Q(valid_to__gt=models.F("valid_from")), name="operator_period_ordered"),
        ]


class OfferStatus(models.TextChoices):
    PLANNED = "planned", "Planlagt"
    OPEN = "open", "Åbent"
    CLOSING = "closing", "Under lukning"
    CLOSED = "closed", "Lukket"


class OfferStatusChange(models.Model):
    """The offer's status from a day on; the status on a day is the newest change not after it, and an offer without
    changes is open (registry.history.offer_status_on)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="status_changes")
    valid_from = models.DateField("fra")
    status = models.CharField("status", max_length=20, choices=OfferStatus.choices)
    reference = models.CharField("beslutning", max_length=300, blank=True)

    class Meta:
        verbose_name = "statusændring"
        verbose_name_plural = "statusændringer"
        ordering = ["offer", "valid_from", "id"]
        constraints = [models.UniqueConstraint(fields=["offer", "valid_from", "status"],
                                               name="offer_status_change_unique")]


class OfferCategory(models.Model):
    """The offer's category for one year: set once by a manual assessment, then locked for the year."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="categories")
    year = models.PositiveSmallIntegerField("år")
    category = models.CharField("kategori", max_length=30, choices=Category.choices)
    reason = models.TextField("begrundelse", blank=True)
    suggested_category = models.CharField("foreslået kategori", max_length=30, choices=Category.choices, blank=True)
    suggestion_reason = models.TextField("grundlag for forslaget", blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="vurderet af"
    )
    decided_at = models.DateTimeField("vurderet", null=True, blank=True)

    class Meta:
        verbose_name = "kategorisering"
        verbose_name_plural = "kategoriseringer"
        ordering = ["offer", "-year"]
        constraints = [models.UniqueConstraint(fields=["offer", "year"], name="category_offer_year_unique")]


class ServiceKind(models.TextChoices):
    BASIS = "basis", "Basisydelse"
    OPTIONAL = "tilvalg", "Tilvalgsydelse"
    SUPPLEMENT = "tillaeg", "Tillægsydelse"


class ServiceUnit(models.TextChoices):
    DAY = "day", "døgn/dag"
    MONTH = "month", "måned"
    HOUR = "hour", "time"


class Service(models.Model):
    """A ydelse under an offer, priced per day, month or hour."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="services")
    name = models.CharField("ydelse", max_length=200)
    kind = models.CharField("ydelsestype", max_length=10, choices=ServiceKind.choices, default=ServiceKind.BASIS)
    unit = models.CharField("enhed", max_length=10, choices=ServiceUnit.choices, default=ServiceUnit.DAY)

    class Meta:
        verbose_name = "ydelse"
        verbose_name_plural = "ydelser"
        ordering = ["offer", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["offer", "name"], name="service_offer_name_unique")]

    def __str__(self) -> str:
        return f"{self.offer.name}: {self.name}"
