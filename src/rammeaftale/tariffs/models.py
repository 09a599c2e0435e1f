"""Tariffs (takster) per service and year; the cost-based calculation behind them comes with the tariff engine."""
from django.db import models


class TariffOrigin(models.TextChoices):
    PUBLISHED = "published", "Offentliggjort takst"
    CALCULATED = "calculated", "Beregnet"
    DEMO = "demo", "Demodata"


class Tariff(models.Model):
    """The price of one unit (day, month or hour) of a service in a year, in øre."""

    service = models.ForeignKey("registry.Service", on_delete=models.CASCADE, related_name="tariffs")
    year = models.PositiveSmallIntegerField("år")
    amount_ore = models.BigIntegerField("takst (øre)")
    origin = models.CharField("oprindelse", max_length=20, choices=TariffOrigin.choices)
    note = models.CharField("bemærkning", max_length=300, blank=True)

    class Meta:
        verbose_name = "takst"
        verbose_name_plural = "takster"
        ordering = ["service", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year"], name="tariff_service_year_unique"),
            models.CheckConstraint(condition=models.Q(amount_ore__gte=0), name="tariff_amount_not_negative"),
        ]
