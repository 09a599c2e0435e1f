"""The economy's own records: the steering group's status of a reported expense increase, and the § 176 thresholds
of a year the package has no sourced level for, entered by a secretariat with their source."""
from django.conf import settings
from django.db import models

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
