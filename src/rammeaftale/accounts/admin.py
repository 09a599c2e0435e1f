"""Django admin for users (with their organisation and roles) and a read-only view of the audit trail."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import router, transaction

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin, json_pretty
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import AuditEvent, User, UserRole
from rammeaftale.accounts.permissions import can_browse_audit
from rammeaftale.accounts.selectors import audit_event_list
from rammeaftale.accounts.services import _roles_validate
from rammeaftale.core.errors import DomainError

# Roles are UserRole rows tied to an organisation; Django's groups are not used, and an unused admin page
# would be a write path outside the audit trail.
admin.site.unregister(Group)


class UserRoleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """The rules user_create applies: e.g. the secretariat role only in a secretariat."""
        super().clean()
        organisation = self.instance.organisation
        roles = [
            form.cleaned_data["role"] for form in self.forms
            if form.cleaned_data.get("role") and not form.cleaned_data.get("DELETE")
        ]
        if organisation is None or not roles:
            return
        try:
            _roles_validate(organisation=organisation, roles=roles)
        except DomainError as exc:
            raise forms.ValidationError(exc.message_da) from exc


class UserRoleInline(admin.TabularInline):
    model = UserRole
    formset = UserRoleFormSet
    extra = 0


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    audit_exclude = ("password",)
    inlines = (UserRoleInline,)
    list_display = ("username", "first_name", "last_name", "organisation", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "organisation__kind")
    search_fields = ("username", "first_name", "last_name", "email", "organisation__name")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Organisation", {"fields": ("organisation",)}),
        ("Platformen", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Datoer", {"fields": ("last_login", "date_joined")}),
    )
    # A platform superuser (the only one with Django admin) is made by `rammeaftale createsuperuser`, never here;
    # permissions are not granted per user either (roles decide, and only superusers use this admin).
    readonly_fields = ("is_staff", "is_superuser")
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("Organisation", {"fields": ("organisation",)}),
    )

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.organisation_id

    def user_change_password(self, request, id, form_url=""):
        """Django saves a new password outside save_model; audited here (that it changed, never the hash)."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic(using=router.db_for_write(User)):
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and user.password != before:
                audit_record(
                    actor=actor_from_user(request.user), event_type="admin.user.password_changed",
                    organisation_id=user.organisation_id, obj=user,
                    after={"usable_password": user.has_usable_password()},
                )
            return response


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """The trail as the API shows it: administrators see their own organisation's events, the platform all."""

    list_display = ("occurred_at", "actor_username", "actor_organisation", "event_type", "organisation", "object_repr")
    list_filter = (
        "event_type",
        ("organisation", admin.RelatedOnlyFieldListFilter),
        ("actor_organisation", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("event_type", "actor_username", "object_repr", "object_id")
    date_hierarchy = "occurred_at"
    fields = (
        "occurred_at", "actor", "actor_username", "actor_organisation", "organisation", "event_type",
        "object_type", "object_id", "object_repr", "reason", "before_pretty", "after_pretty",
    )
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and can_browse_audit(actor_from_user(request.user))

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) and can_browse_audit(actor_from_user(request.user))

    def get_queryset(self, request):
        return audit_event_list(actor=actor_from_user(request.user))

    @admin.display(description="før")
    def before_pretty(self, obj):
        return json_pretty(obj.before)

    @admin.display(description="efter")
    def after_pretty(self, obj):
        return json_pretty(obj.after)
