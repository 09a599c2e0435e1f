"""Django admin for tariffs (corrections of master data by the platform's stewards); every write is audited."""
from django.contrib import admin

from rammeaftale.accounts.admin_audit import AuditedModelAdmin
from rammeaftale.core.money import format_kr
from rammeaftale.tariffs.models import Tariff, TariffChange


@admin.register(Tariff)
class TariffAdmin(AuditedModelAdmin):
    list_display = ("service", "year", "amount_display", "monthly_display", "origin")
    list_filter = ("year", "origin", "service__unit")
    search_fields = ("service__name", "service__offer__name", "service__offer__operator__name")
    list_select_related = ("service", "service__offer")
    raw_id_fields = ("service",)
    fields = ("service", "year", "amount_ore", "monthly_ore", "origin", "note", "calculation")
    readonly_fields = ("calculation",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.service.offer.operator_id

    @admin.display(description="takst", ordering="amount_ore")
    def amount_display(self, obj):
        return format_kr(obj.amount_ore)

    @admin.display(description="månedstakst", ordering="monthly_ore")
    def monthly_display(self, obj):
        return format_kr(obj.monthly_ore) if obj.monthly_ore is not None else "—"


@admin.register(TariffChange)
class TariffChangeAdmin(AuditedModelAdmin):
    list_display = ("service", "valid_from", "amount_display", "reason")
    search_fields = ("service__name", "service__offer__name")
    raw_id_fields = ("service",)
    exclude = ("created_by",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.service.offer.operator_id

    @admin.display(description="takst", ordering="amount_ore")
    def amount_display(self, obj):
        return format_kr(obj.amount_ore)
