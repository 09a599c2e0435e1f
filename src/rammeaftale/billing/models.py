"""Settlement between municipalities: monthly runs per seller, invoices and credit notes that never change once
issued, and the buyer's chart of accounts."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import LegalParagraph, Service


class AccountMapping(models.Model):
    """The buyer's account code (kontostreng) per legal paragraph; a row without buyer is everyone's default."""

    buyer = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="account_mappings", verbose_name="køber")
    paragraph = models.ForeignKey(LegalParagraph, on_delete=models.CASCADE, related_name="+",
                                  verbose_name="lovgrundlag")
    account_code = models.CharField("kontostreng", max_length=40)
    note = models.CharField("bemærkning", max_length=300, blank=True)

    class Meta:
        verbose_name = "kontering"
        verbose_name_plural = "konteringer"
        constraints = [
            models.UniqueConstraint(fields=["buyer", "paragraph"], name="account_mapping_unique"),
            models.UniqueConstraint(fields=["paragraph"], condition=Q(buyer__isnull=True),
                                    name="account_mapping_default_unique"),
        ]


class SettlementRun(models.Model):
    """One seller's settlement of one month; issued once (a second run of the month creates nothing)."""

    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="settlement_runs",
                               verbose_name="sælger")
    year = models.PositiveSmallIntegerField("år")
    month = models.PositiveSmallIntegerField("måned")
    issue_date = models.DateField("fakturadato")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    issued_at = models.DateTimeField("udstedt", auto_now_add=True)

    class Meta:
        verbose_name = "afregningskørsel"
        verbose_name_plural = "afregningskørsler"
        ordering = ["-year", "-month", "seller__name"]
        constraints = [models.UniqueConstraint(fields=["seller", "year", "month"], name="settlement_run_unique")]

    def __str__(self) -> str:
        return f"{self.seller} {self.year}-{self.month:02d}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Faktura"
    CREDIT_NOTE = "credit_note", "Kreditnota"


class Invoice(models.Model):
    """An invoice or credit note from a seller to a paying municipality; immutable once issued."""

    number = models.CharField("nummer", max_length=40, unique=True)
    kind = models.CharField("type", max_length=20, choices=InvoiceKind.choices)
    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="invoices")
    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invoices_sent",
                               verbose_name="sælger")
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invoices_received",
                              verbose_name="køber (betalingskommune)")
    issue_date = models.DateField("fakturadato")
    due_date = models.DateField("forfaldsdato")
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="credit_notes", verbose_name="krediterer faktura")
    total_ore = models.BigIntegerField("i alt (øre)")
    seller_ean = models.CharField("sælgers EAN", max_length=13)
    seller_cvr = models.CharField("sælgers CVR", max_length=8, blank=True)
    buyer_ean = models.CharField("købers EAN", max_length=13)
    payment_terms = models.CharField("betalingsbetingelser", max_length=300)
    has_late_claims = models.BooleanField("har krav ældre end 12 måneder", default=False)

    class Meta:
        verbose_name = "faktura"
        verbose_name_plural = "fakturaer"
        ordering = ["-issue_date", "number"]
        indexes = [models.Index(fields=["buyer", "issue_date"], name="invoice_buyer_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class FixedChargeKind(models.TextChoices):
    GUARANTEE = "guarantee", "Andel af underskudsgaranti"
    SUBSCRIPTION = "subscription", "Abonnement i opstartsperiode"


class FixedCharge(models.Model):
    """An amount a seller charges a buyer that is not a placement's days: a municipality's share of a new offer's
    deficit guarantee, or its start-up subscription (Hovedstaden's economic model for new places, seed-003). The
    seller's first settlement run of `year`-`month` or later invoices it once, as its own line (`invoice_line`);
    the economy app records what it comes from."""

    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="fixed_charges_sent",
                               verbose_name="sælger")
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="fixed_charges_received",
                              verbose_name="køber")
    offer = models.ForeignKey("registry.Offer", on_delete=models.PROTECT, related_name="fixed_charges",
                              verbose_name="tilbud")
    kind = models.CharField("type", max_length=20, choices=FixedChargeKind.choices)
    year = models.PositiveSmallIntegerField("faktureres fra år")
    month = models.PositiveSmallIntegerField("faktureres fra måned")
    period_from = models.DateField("periode fra")
    period_to = models.DateField("periode til (første dag uden)")
    amount_ore = models.BigIntegerField("beløb (øre)")
    description = models.CharField("tekst", max_length=300)
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "fast beløb"
        verbose_name_plural = "faste beløb"
        ordering = ["year", "month", "seller_id", "buyer_id", "id"]
        indexes = [models.Index(fields=["seller", "year", "month"], name="fixed_charge_seller_month")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="fixed_charge_not_negative"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="fixed_charge_month"),
            models.CheckConstraint(condition=Q(period_to__gt=models.F("period_from")), name="fixed_charge_period"),
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceLine(models.Model):
    """Days (or hours) of one service for one placement inside one month, at one tariff; or one fixed charge."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # No index of its own: invoice_line_key below starts with the placement (one index less to fill per line).
    placement = models.ForeignKey("placements.Placement", on_delete=models.PROTECT, related_name="invoice_lines",
                                  db_index=False, null=True, blank=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    charge = models.OneToOneField(FixedCharge, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="invoice_line", verbose_name="fast beløb")
    period_from = models.DateField("fra")
    period_to = models.DateField("til (første dag uden)")
    unit = models.CharField("enhed", max_length=10)
    basis = models.CharField("grundlag", max_length=10)
    quantity = models.IntegerField("antal (dage eller minutter)")
    rate_ore = models.BigIntegerField("takst (øre)")
    amount_ore = models.BigIntegerField("beløb (øre)")
    account_code = models.CharField("kontostreng", max_length=40, blank=True)
    description = models.CharField("tekst", max_length=300)
    late_claim = models.BooleanField("krav ældre end 12 måneder (SEL § 174 stk. 2)", default=False)
    late_days = models.PositiveIntegerField("dage ydet for mere end 12 måneder siden", default=0)
    late_amount_ore = models.BigIntegerField("heraf beløb for de dage (øre)", default=0)
    credited_line = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="credited_by", verbose_name="krediterer linje")

    class Meta:
        verbose_name = "fakturalinje"
        verbose_name_plural = "fakturalinjer"
        ordering = ["invoice", "placement", "period_from", "id"]
        indexes = [models.Index(fields=["placement", "service", "period_from"], name="invoice_line_key")]
        constraints = [
            # a placement's service, or a fixed charge (its credit note line names neither: it credits the line)
            models.CheckConstraint(
                condition=(Q(placement__isnull=False, service__isnull=False, charge__isnull=True)
                           | Q(placement__isnull=True, service__isnull=True)),
                name="invoice_line_placement_or_charge"),
        ]


class PaymentAccount(models.Model):
    """Where a seller is paid: a Danish registration and account number, or IBAN and BIC (OIOUBL PaymentMeans)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="payment_account")
    reg_no = models.CharField("reg.nr.", max_length=4, blank=True)
    account_no = models.CharField("kontonummer", max_length=10, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)

    class Meta:
        verbose_name = "bankkonto"
        verbose_name_plural = "bankkonti"
