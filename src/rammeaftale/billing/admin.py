"""Django admin for settlement master data (account codes, bank accounts); every write audited.
Runs, invoices and their lines are written only by the settlement run and never change: read-only here."""
from django.contrib import admin

from rammeaftale.accounts.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from rammeaftale.billing.models import AccountMapping, Invoice, PaymentAccount, SettlementRun
from rammeaftale.core.money import format_kr


@admin.register(AccountMapping)
class AccountMappingAdmin(AuditedModelAdmin):
    list_display = ("paragraph", "buyer", "account_code", "note")
    list_filter = ("paragraph",)
    search_fields = ("buyer__name", "account_code")
    raw_id_fields = ("buyer",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.buyer_id


@admin.register(PaymentAccount)
class PaymentAccountAdmin(AuditedModelAdmin):
    list_display = ("organisation", "reg_no", "account_no", "iban")
    search_fields = ("organisation__name",)
    raw_id_fields = ("organisation",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.organisation_id


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyModelAdmin):
    list_display = ("seller", "year", "month", "issue_date", "issued_at")
    list_filter = ("year", "month")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyModelAdmin):
    list_display = ("number", "kind", "seller", "buyer", "issue_date", "total_display", "has_late_claims")
    list_filter = ("kind", "has_late_claims")
    search_fields = ("number", "seller__name", "buyer__name")

    @admin.display(description="i alt", ordering="total_ore")
    def total_display(self, obj):
        return format_kr(obj.total_ore)
