"""Tariffs (takster) per service and year, the budgets and calculations behind them, P/L, true-up and reserves.

Money is integer øre; percentages are DecimalField with two decimals (read back as exact Decimals).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class TariffOrigin(models.TextChoices):
    PUBLISHED = "published", "Offentliggjort takst"
    CALCULATED = "calculated", "Beregnet"
    DEMO = "demo", "Demodata"
    PROVISIONAL = "provisional", "Foreløbig (sidste års takst × P/L)"


def _pct(verbose_name: str, **options) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, **options)


class PriceIndex(models.Model):
    """P/L: the expected growth of municipal prices and wages into a year (KL's P/L), kept by the users."""

    year = models.PositiveSmallIntegerField("år", unique=True, help_text="Væksten fra året før til dette år.")
    rate_pct = _pct("P/L (%)")
    source = models.CharField("kilde", max_length=300)
    source_url = models.URLField("kildeadresse", blank=True)
    is_example = models.BooleanField(
        "eksempel", default=False, help_text="Et kildebelagt eksempeltal fra projektets referencedata, ikke KL's serie."
    )

    class Meta:
        verbose_name = "P/L-sats"
        verbose_name_plural = "P/L-tabel"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.rate_pct} %"


class ActualOccupancy(models.Model):
    """An offer's actual occupancy in a closed year: entered by the operator, or recorded from placements."""

    offer = models.ForeignKey("registry.Offer", on_delete=models.CASCADE, related_name="actual_occupancies")
    year = models.PositiveSmallIntegerField("år")
    occupancy_pct = _pct("faktisk belægning (%)")
    source = models.CharField("kilde", max_length=20, choices=[("entered", "Indtastet"), ("recorded", "Registreret")])

    class Meta:
        verbose_name = "faktisk belægning"
        verbose_name_plural = "faktisk belægning"
        ordering = ["offer", "-year"]
        constraints = [models.UniqueConstraint(fields=["offer", "year"], name="actual_occupancy_unique")]


class TariffBudget(models.Model):
    """An offer's budget for a tariff year: one line per service; calculated into tariffs."""

    offer = models.ForeignKey("registry.Offer", on_delete=models.CASCADE, related_name="tariff_budgets")
    year = models.PositiveSmallIntegerField("takstår")
    rulebook = models.ForeignKey("registry.RulebookVersion", on_delete=models.PROTECT, verbose_name="regelbog")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = "takstbudget"
        verbose_name_plural = "takstbudgetter"
        constraints = [models.UniqueConstraint(fields=["offer", "year"], name="tariff_budget_offer_year_unique")]


class ServiceBudget(models.Model):
    """One service's cost lines for the year, in øre, and its denominator (places × occupancy, or hours)."""

    budget = models.ForeignKey(TariffBudget, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey("registry.Service", on_delete=models.CASCADE, related_name="budget_lines")
    salaries_ore = models.BigIntegerField("lønninger", default=0)
    property_ore = models.BigIntegerField("ejendomsudgifter", default=0)
    other_direct_ore = models.BigIntegerField("øvrige direkte omkostninger", default=0)
    overhead_ore = models.BigIntegerField("overhead (beløb)", null=True, blank=True)
    overhead_pct = _pct("overhead (% af direkte omkostninger)", null=True, blank=True)
    depreciation_ore = models.BigIntegerField("afskrivninger", default=0)
    capital_book_value_ore = models.BigIntegerField("bogført værdi af kapital", default=0)
    interest_rate_pct = _pct("rentesats (%)", default=0)
    pension_ore = models.BigIntegerField("tjenestemandspension", default=0)
    other_income_ore = models.BigIntegerField("indtægter, der ikke er takstindtægter", default=0)
    true_up_ore = models.BigIntegerField("efterregulering fra t−2", default=0)
    places = models.PositiveIntegerField("pladser", default=0)
    budgeted_occupancy_pct = _pct("budgetteret belægning (%)", null=True, blank=True)
    occupancy_from_actuals = models.BooleanField("belægning beregnet af faktisk belægning", default=False)
    budgeted_hours = models.DecimalField("budgetterede borgerrettede timer", max_digits=12, decimal_places=2,
                                         null=True, blank=True)

    class Meta:
        verbose_name = "ydelsesbudget"
        verbose_name_plural = "ydelsesbudgetter"
        constraints = [models.UniqueConstraint(fields=["budget", "service"], name="service_budget_unique")]


class OccupancyApproval(models.Model):
    """A budgeted occupancy outside the rulebook's bounds needs this: who approved it, when and why."""

    line = models.OneToOneField(ServiceBudget, on_delete=models.CASCADE, related_name="occupancy_approval")
    value_pct = _pct("godkendt belægning (%)")
    reason = models.TextField("begrundelse")
    approved_by = models.CharField("godkendt af", max_length=200)
    approved_on = models.DateField("godkendt den")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = "godkendelse af belægningsprocent"
        verbose_name_plural = "godkendelser af belægningsprocent"


class TariffCalculation(models.Model):
    """A run of the engine on a budget, kept with its full breakdown (the open basis of calculation)."""

    budget = models.ForeignKey(TariffBudget, on_delete=models.CASCADE, related_name="calculations")
    calculated_at = models.DateTimeField("beregnet", auto_now_add=True)
    calculated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    result = models.JSONField("resultat og specifikation")

    class Meta:
        verbose_name = "takstberegning"
        verbose_name_plural = "takstberegninger"
        ordering = ["-calculated_at", "-id"]


class Tariff(models.Model):
    """The price of one unit (day, month or hour) of a service in a year, in øre."""

    service = models.ForeignKey("registry.Service", on_delete=models.CASCADE, related_name="tariffs")
    year = models.PositiveSmallIntegerField("år")
    amount_ore = models.BigIntegerField("takst (øre)")
    monthly_ore = models.BigIntegerField("månedstakst (øre)", null=True, blank=True)
    origin = models.CharField("oprindelse", max_length=20, choices=TariffOrigin.choices)
    calculation = models.ForeignKey(TariffCalculation, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="tariffs")
    note = models.CharField("bemærkning", max_length=300, blank=True)

    class Meta:
        verbose_name = "takst"
        verbose_name_plural = "takster"
        ordering = ["service", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year"], name="tariff_service_year_unique"),
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="tariff_amount_not_negative"),
        ]

    @property
    def is_provisional(self) -> bool:
        return self.origin == TariffOrigin.PROVISIONAL


class TariffChange(models.Model):
    """A tariff that applies from a date inside its year (a correction or an agreed mid-year change).

    The year's tariff (tariffs.Tariff) applies from 1 January; a change applies from `valid_from` to the next
    change or the end of the year. A change dated back in time makes the next settlement run credit and
    re-invoice the months already invoiced.
    """

    service = models.ForeignKey("registry.Service", on_delete=models.CASCADE, related_name="tariff_changes")
    valid_from = models.DateField("gældende fra")
    amount_ore = models.BigIntegerField("takst (øre)")
    monthly_ore = models.BigIntegerField("månedstakst (øre)", null=True, blank=True)
    reason = models.TextField("begrundelse")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "takstændring i årets løb"
        verbose_name_plural = "takstændringer i årets løb"
        constraints = [
            models.UniqueConstraint(fields=["service", "valid_from"], name="tariff_change_unique"),
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="tariff_change_not_negative"),
        ]


class TariffExplanation(models.Model):
    """Why a tariff rose more than P/L (Hovedstaden: deviations are reported with explanations)."""

    tariff = models.OneToOneField(Tariff, on_delete=models.CASCADE, related_name="explanation")
    text = models.TextField("forklaring")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    written_at = models.DateTimeField("skrevet", auto_now_add=True)

    class Meta:
        verbose_name = "forklaring på takststigning"
        verbose_name_plural = "forklaringer på takststigninger"


class TrueUpRecord(models.Model):
    """A year's true-up for an offer: result, what was kept and what enters the tariff of a later year."""

    offer = models.ForeignKey("registry.Offer", on_delete=models.CASCADE, related_name="true_ups")
    year = models.PositiveSmallIntegerField("regnskabsår")
    rulebook = models.ForeignKey("registry.RulebookVersion", on_delete=models.PROTECT, verbose_name="regelbog")
    result_ore = models.BigIntegerField("resultat (øre)")
    kept_ore = models.BigIntegerField("beholdt (øre)")
    kept_as = models.CharField("beholdt som", max_length=20)
    to_tariff_ore = models.BigIntegerField("til taksten (øre)")
    enters_tariff_year = models.PositiveSmallIntegerField("indgår i taksten for")
    inputs = models.JSONField("grundlag")
    recorded_at = models.DateTimeField("registreret", auto_now_add=True)

    class Meta:
        verbose_name = "efterregulering"
        verbose_name_plural = "efterreguleringer"
        constraints = [models.UniqueConstraint(fields=["offer", "year"], name="true_up_offer_year_unique")]


class ReserveEntry(models.Model):
    """The reserve ledger of an offer (Hovedstaden): its surplus reserved (+) and its uses (−) drawn on it, oldest
    first, until it expires. Balances and uses are per offer; `operator` is the offer's, kept for the ledger's order."""

    operator = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="reserve_entries")
    offer = models.ForeignKey("registry.Offer", on_delete=models.PROTECT, related_name="reserve_entries")
    surplus_year = models.PositiveSmallIntegerField("overskuddets år")
    amount_ore = models.BigIntegerField("beløb (øre)")
    expires_year = models.PositiveSmallIntegerField("skal være brugt senest i")
    text = models.CharField("tekst", max_length=300)
    true_up = models.ForeignKey(TrueUpRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    consumes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="uses",
        help_text="For a use (negative amount): the reserved surplus it draws on; it shares that entry's expiry.",
    )
    recorded_at = models.DateTimeField("registreret", auto_now_add=True)

    class Meta:
        verbose_name = "hensættelse"
        verbose_name_plural = "hensættelser"
        ordering = ["operator", "surplus_year", "id"]
