"""Django admin for placements: to look up and correct contact details; every change is audited.

Placements are bought, moved and ended through the services (permissions, capacity, notice), so the admin adds and
deletes nothing and shows the rest read-only. The encrypted CPR number and its search key never appear in a form,
a list or an audit snapshot; the masked number does.
"""
from django.contrib import admin

from rammeaftale.accounts.admin_audit import AuditedModelAdmin
from rammeaftale.placements.models import Placement, PlacementService
from rammeaftale.placements.services import CPR_FIELDS

EDITABLE = ("citizen_address", "contact_name", "contact_phone", "contact_email")


class PlacementServiceInline(admin.TabularInline):
    model = PlacementService
    extra = 0
    fields = ("service", "valid_from", "valid_to")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Placement)
class PlacementAdmin(AuditedModelAdmin):
    audit_exclude = CPR_FIELDS
    exclude = CPR_FIELDS
    list_display = ("reference", "citizen_name", "cpr_masked", "offer", "acting_municipality", "paying_municipality",
                    "start_date", "status")
    list_filter = ("status", "covered_by_agreement")
    search_fields = ("reference", "citizen_name", "offer__name")
    list_select_related = ("offer", "acting_municipality", "paying_municipality")
    inlines = (PlacementServiceInline,)
    readonly_fields = tuple(
        field.name for field in Placement._meta.concrete_fields
        if field.name not in (*EDITABLE, *CPR_FIELDS, "id")
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.acting_municipality_id
