"""The economy's own records: the steering group's status of a reported expense increase."""
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
