"""Occupancy reports: the operator's twice-yearly report of its offers' occupancy against the budgeted.

Seed-000/002, "Opfølgning på belægningen": the municipalities and the region report the average occupancy of their
offers whose actual occupancy deviates 5 % or more from the budgeted, by 1 May (first quarter) and by 1 November
(first three quarters), stating whether the deviation leads to a true-up that affects the tariff and what is being
done. The deadlines, the threshold and the categories that report are rulebook settings (`occupancy`).
"""
from datetime import timedelta

from django.conf import settings
from django.db import models

from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement, Offer


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Kladde"
    SUBMITTED = "submitted", "Indberettet"


class TrueUpOutlook(models.TextChoices):
    """What the tariff engine expects for the year if the occupancy so far holds (an estimate, not the true-up)."""

    SURPLUS = "surplus", "Overskud"
    DEFICIT = "deficit", "Underskud"
    BALANCED = "balanced", "Hverken over- eller underskud"
    UNKNOWN = "unknown", "Kan ikke skønnes (intet takstbudget)"


class Assessment(models.TextChoices):
    """The operator's own judgement, which the report asks for ("om det vurderes, at afvigelsen medfører …")."""

    AFFECTS_TARIFF = "affects_tariff", "Ja, efterregulering med betydning for taksten"
    NO_EFFECT = "no_effect", "Nej, ingen efterregulering med betydning for taksten"


class OccupancyReport(models.Model):
    """One operator's report for one reporting period of one year under an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="occupancy_reports",
                                  verbose_name="rammeaftale")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="occupancy_reports",
                                 verbose_name="driftsherre")
    year = models.PositiveSmallIntegerField("år")
    period = models.CharField("periode", max_length=2, help_text="Kvartalet perioden slutter med, fx Q1 eller Q3.")
    name = models.CharField("indberetning", max_length=100)
    period_start = models.DateField("periodens første dag")
    period_end = models.DateField("første dag efter perioden")
    deadline = models.DateField("frist")
    threshold_pct = models.DecimalField("afvigelsestærskel (%)", max_digits=5, decimal_places=2)
    deviation_mode = models.CharField("måling af afvigelsen", max_length=20)
    status = models.CharField("status", max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_at = models.DateTimeField("indberettet", null=True, blank=True)
    submitted_on = models.DateField("indberettet den", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="indberettet af")
    is_late = models.BooleanField("for sent", default=False)
    computed_at = models.DateTimeField("tal beregnet")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "belægningsindberetning"
        verbose_name_plural = "belægningsindberetninger"
        ordering = ["-year", "period", "operator__name"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "operator", "year", "period"],
                                    name="occupancy_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.operator}: {self.name} {self.year}"

    @property
    def code(self) -> str:
        return f"{self.year}-{self.period}"

    @property
    def submitted_by_label(self) -> str:
        """Who submitted it as the pages show it: a report the platform submitted (the demo, a console command)
        has no user, and says so instead of naming one."""
        user = self.submitted_by
        if user is None:
            return "systemet"
        return user.get_full_name() or user.username

    @property
    def last_day(self):
        return self.period_end - timedelta(days=1)


class OccupancyReportLine(models.Model):
    """One offer in the report: its occupancy in the period against the budgeted, and the operator's text."""

    report = models.ForeignKey(OccupancyReport, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+", verbose_name="tilbud")
    category = models.CharField("kategori", max_length=30)
    places = models.PositiveIntegerField("pladser ved periodens slutning")
    occupied_days = models.BigIntegerField("belagte pladsdøgn")
    capacity_days = models.BigIntegerField("pladsdøgn i alt")
    actual_pct = models.DecimalField("faktisk belægning (%)", max_digits=7, decimal_places=2, null=True)
    budgeted_pct = models.DecimalField("budgetteret belægning (%)", max_digits=7, decimal_places=2, null=True)
    deviation_pct = models.DecimalField("afvigelse", max_digits=8, decimal_places=2, null=True,
                                        help_text="Procentpoint eller relativ afvigelse i %, som regelbogen siger.")
    over_threshold = models.BooleanField("skal indberettes", default=False)
    outlook = models.CharField("forventet resultat", max_length=20, choices=TrueUpOutlook.choices)
    expected_result_ore = models.BigIntegerField("skønnet årsresultat (øre)", null=True, blank=True)
    expected_to_tariff_ore = models.BigIntegerField("skønnet efterregulering i taksten (øre)", null=True, blank=True)
    expected_tariff_year = models.PositiveSmallIntegerField("indgår i taksten for", null=True, blank=True)
    assessment = models.CharField("vurdering", max_length=20, choices=Assessment.choices, blank=True)
    challenges = models.TextField("udfordringer med belægningen", blank=True)
    initiatives = models.TextField("igangsatte initiativer", blank=True)

    class Meta:
        verbose_name = "tilbud i belægningsindberetning"
        verbose_name_plural = "tilbud i belægningsindberetninger"
        ordering = ["-over_threshold", "offer__name"]
        constraints = [models.UniqueConstraint(fields=["report", "offer"], name="occupancy_line_unique")]

    @property
    def expected_affects_tariff(self) -> bool | None:
        if self.expected_to_tariff_ore is None:
            return None
        return self.expected_to_tariff_ore != 0
