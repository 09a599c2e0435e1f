"""Django admin: occupancy reports are written only through the report pages and API (audited); read-only here."""
from django.contrib import admin

from rammeaftale.accounts.admin_audit import ReadOnlyModelAdmin
from rammeaftale.occupancy.models import OccupancyReport, OccupancyReportLine


class LineInline(admin.TabularInline):
    model = OccupancyReportLine
    fields = ("offer", "category", "places", "actual_pct", "budgeted_pct", "deviation_pct", "over_threshold",
              "outlook", "assessment")
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OccupancyReport)
class OccupancyReportAdmin(ReadOnlyModelAdmin):
    list_display = ("operator", "name", "year", "agreement", "status", "submitted_on", "is_late")
    list_filter = ("year", "period", "status", "is_late", "agreement")
    search_fields = ("operator__name",)
    inlines = [LineInline]
