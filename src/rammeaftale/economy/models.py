"""The economy's own records: the steering group's status of a reported expense increase, the § 176 thresholds
of a year the package has no sourced level for (entered by a secretariat with their source), the municipalities'
expected demand, and new places under Hovedstaden's economic model (subscription and deficit guarantee)."""
from django.conf import settings
from django.db import models

from rammeaftale.billing.models import FixedCharge, FixedChargeKind
from rammeaftale.tariffs.models import Tariff


class DiscussionStatus(models.TextChoices):
    NOT_DISCUSSED = "not_discussed", "Ikke drøftet"
    DISCUSSED = "discussed", "Drøftet i styregruppen"
    FOLLOW_UP = "follow_up", "Drøftet; kræver opfølgning"


class ExpenseIncreaseStatus(models.Model):
    """Sjælland 2025–26 (`tariffs.expense_increase_report_pct`): a residential offer's expense increase above 5 %
    is reported to Socialtilsyn Øst and discussed in the steering group; this is where the discussion stands. One
    row per reported tariff (the year's tariff of a service); a tariff without a row is «not discussed»."""

    tariff = models.OneToOneField(Tariff, on_delete=models.CASCADE, related_name="increase_status")
    status = models.CharField("status", max_length=20, choices=DiscussionStatus.choices,
                              default=DiscussionStatus.NOT_DISCUSSED)
    note = models.CharField("bemærkning fra styregruppen", max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "status for udgiftsstigning"
        verbose_name_plural = "status for udgiftsstigninger"


class RefusionThresholdYear(models.Model):
    """Serviceloven § 176's thresholds of one year that the package's sourced data (`economy/data`) does not hold,
    entered by a secretariat with their source (never guessed). Up to three bands, rising."""

    year = models.PositiveSmallIntegerField("år", unique=True)
    band_1_kr = models.DecimalField("tærskel 1 (kr.)", max_digits=12, decimal_places=2)
    band_1_pct = models.DecimalField("refusion over tærskel 1 (%)", max_digits=5, decimal_places=2)
    band_2_kr = models.DecimalField("tærskel 2 (kr.)", max_digits=12, decimal_places=2, null=True, blank=True)
    band_2_pct = models.DecimalField("refusion over tærskel 2 (%)", max_digits=5, decimal_places=2, null=True,
                                     blank=True)
    band_3_kr = models.DecimalField("tærskel 3 (kr.)", max_digits=12, decimal_places=2, null=True, blank=True)
    band_3_pct = models.DecimalField("refusion over tærskel 3 (%)", max_digits=5, decimal_places=2, null=True,
                                     blank=True)
    source = models.CharField("kilde", max_length=500)
    source_url = models.URLField("kildens adresse", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField("indtastet", auto_now_add=True)

    class Meta:
        verbose_name = "refusionstærskler for et år"
        verbose_name_plural = "refusionstærskler"
        ordering = ["year"]


class Expectation(models.TextChoices):
    MORE = "more", "Større behov"
    SAME = "same", "Samme behov"
    LESS = "less", "Mindre behov"


class DemandExpectation(models.Model):
    """A municipality's own expected demand for places in a target group next year (more / same / less than this
    year, with a note), entered once a year beside the forecast (issue 14, part 5)."""

    municipality = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name="kommune")
    year = models.PositiveSmallIntegerField("år")
    target_group = models.ForeignKey("registry.TargetGroup", on_delete=models.PROTECT, related_name="+",
                                     verbose_name="målgruppe")
    expectation = models.CharField("forventet behov", max_length=10, choices=Expectation.choices)
    note = models.CharField("bemærkning", max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField("indtastet", auto_now=True)

    class Meta:
        verbose_name = "kommunens forventede behov"
        verbose_name_plural = "kommunernes forventede behov"
        ordering = ["year", "municipality_id", "target_group_id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "target_group"],
                                    name="demand_expectation_unique"),
        ]


class NewPlacesKind(models.TextChoices):
    NEW_OFFER = "new_offer", "Nyt tilbud"
    EXPANSION = "expansion", "Udvidelse med nye pladser"


class GuaranteeSharing(models.TextChoices):
    POPULATION = "population", "Regionens kommuner efter befolkningsandele"
    PARTICIPANTS = "participants", "De interesserede brugerkommuner efter befolkningsandele"


class NewPlacesArrangement(models.Model):
    """A new offer or new places set up under Hovedstaden's economic model (seed-003, «Ny økonomimodel»): a start-up
    subscription paid by the participating municipalities for up to the rulebook's years, and a deficit guarantee
    by year of operation, shared by population. The rules come from the rulebook in force on 1 January of the first
    year of operation (its key and version are kept with the arrangement)."""

    offer = models.ForeignKey("registry.Offer", on_delete=models.PROTECT, related_name="new_places_arrangements",
                              verbose_name="tilbud")
    kind = models.CharField("type", max_length=20, choices=NewPlacesKind.choices)
    places = models.PositiveSmallIntegerField("nye pladser")
    first_year = models.PositiveSmallIntegerField("første driftsår (regnskabsår)")
    rulebook_key = models.CharField("regelbog", max_length=60)
    rulebook_version = models.PositiveSmallIntegerField("regelbogens version")
    sharing = models.CharField("garantien deles mellem", max_length=20, choices=GuaranteeSharing.choices)
    population_date = models.DateField("befolkningstal pr.")
    participants = models.ManyToManyField("parties.Organisation", related_name="+", blank=True,
                                          verbose_name="deltagende kommuner")
    subscription_years = models.PositiveSmallIntegerField("år med abonnement", default=0)
    subscription_yearly_ore = models.BigIntegerField("abonnement pr. kommune pr. år (øre)", default=0)
    decision_reference = models.CharField("beslutning (reference)", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)  # None: the demo (the system)
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "økonomimodel for nye pladser"
        verbose_name_plural = "økonomimodeller for nye pladser"
        ordering = ["-first_year", "offer__name", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(subscription_yearly_ore__gte=0),
                                              name="new_places_subscription_not_negative")]

    def __str__(self) -> str:
        return f"{self.offer} ({self.get_kind_display().lower()} fra {self.first_year})"


class GuaranteeYear(models.Model):
    """The deficit of one year of operation and the part of it the guarantee covers (engine/guarantee.py)."""

    arrangement = models.ForeignKey(NewPlacesArrangement, on_delete=models.PROTECT, related_name="guarantee_years")
    year_of_operation = models.PositiveSmallIntegerField("driftsår")
    deficit_ore = models.BigIntegerField("årets underskud (øre)")
    guarantee_pct = models.DecimalField("garanti (%)", max_digits=5, decimal_places=2)
    guaranteed_ore = models.BigIntegerField("garanteret beløb (øre)")
    population_total = models.BigIntegerField("befolkning i alt")
    decision_reference = models.CharField("beslutning (reference)", max_length=300)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)  # None: the demo (the system)
    decided_at = models.DateTimeField("besluttet", auto_now_add=True)

    class Meta:
        verbose_name = "garantiår"
        verbose_name_plural = "garantiår"
        ordering = ["arrangement_id", "year_of_operation"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "year_of_operation"], name="guarantee_year_unique"),
            models.CheckConstraint(condition=models.Q(deficit_ore__gte=0), name="guarantee_deficit_not_negative"),
        ]


class NewPlacesCharge(models.Model):
    """One municipality's part of an arrangement in one year of operation — its share of the guarantee, or its
    subscription — and the fixed charge that invoices it through the settlement. The operator's own share has no
    charge: it does not invoice itself."""

    arrangement = models.ForeignKey(NewPlacesArrangement, on_delete=models.PROTECT, related_name="charges")
    guarantee_year = models.ForeignKey(GuaranteeYear, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="shares")
    kind = models.CharField("type", max_length=20, choices=FixedChargeKind.choices)
    year_of_operation = models.PositiveSmallIntegerField("driftsår")
    municipality = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name="kommune")
    population = models.PositiveIntegerField("befolkning", null=True, blank=True)
    amount_ore = models.BigIntegerField("beløb (øre)")
    extra_ore = models.PositiveSmallIntegerField("øre efter største rest", default=0)
    charge = models.OneToOneField(FixedCharge, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="new_places", verbose_name="fast beløb på fakturaen")

    class Meta:
        verbose_name = "andel i økonomimodel"
        verbose_name_plural = "andele i økonomimodeller"
        ordering = ["arrangement_id", "year_of_operation", "kind", "municipality__code"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "kind", "year_of_operation", "municipality"],
                                    name="new_places_charge_unique"),
            models.CheckConstraint(condition=models.Q(amount_ore__gte=0), name="new_places_charge_not_negative"),
        ]
