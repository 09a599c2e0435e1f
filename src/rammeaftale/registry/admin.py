"""Django admin for the registry's master data (for the platform's data stewards); every write is audited."""
from django import forms
from django.contrib import admin

from rammeaftale.accounts.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin, json_pretty
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation, OrganisationKind, Population
from rammeaftale.registry.models import (
    Agreement,
    LegalParagraph,
    Offer,
    OfferCapacity,
    OfferCategory,
    RulebookVersion,
    Service,
    TargetGroup,
)
from rammeaftale.registry.services import OfferInput, offer_input_validate, organisation_validate_ids


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = "__all__"

    def clean(self):
        data = super().clean()
        # CVR and EAN are checked one at a time, so both errors show when both are wrong.
        if data.get("cvr"):
            try:
                data["cvr"], _ = organisation_validate_ids(cvr=data["cvr"])
            except DomainError as exc:
                self.add_error("cvr", _sentence(exc.message_da))
        if data.get("ean"):
            try:
                _, data["ean"] = organisation_validate_ids(ean=data["ean"])
            except DomainError as exc:
                self.add_error("ean", _sentence(exc.message_da))
        kind = data.get("kind")
        if kind and kind != OrganisationKind.REGION and not data.get("region"):
            self.add_error("region", "Vælg den region, organisationen hører til.")
        if kind == OrganisationKind.REGION and data.get("region") and data["region"].pk != self.instance.pk:
            self.add_error("region", "En region hører til sig selv; lad feltet stå tomt.")
        return data


class PopulationInline(admin.TabularInline):
    model = Population
    extra = 0
    fields = ("year", "inhabitants", "source")


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    form = OrganisationForm
    list_display = ("name", "kind", "code", "region", "cvr", "ean")
    list_filter = ("kind", "region")
    search_fields = ("name", "code", "cvr", "ean")
    inlines = (PopulationInline,)

    def audit_organisation_id(self, obj, *, deleting=False):
        if not deleting:
            return obj.pk
        # A deleted organisation cannot be referenced; its region (if another) is what the event concerns.
        return obj.region_id if obj.region_id != obj.pk else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.kind == OrganisationKind.REGION and obj.region_id != obj.pk:
            # "Everything in region R" is one filter on `region`, so a region belongs to itself.
            obj.region = obj
            obj.save(update_fields=["region"])


@admin.register(Population)
class PopulationAdmin(AuditedModelAdmin):
    list_display = ("organisation", "year", "inhabitants", "source")
    list_filter = ("year", "organisation__kind")
    search_fields = ("organisation__name", "organisation__code")
    autocomplete_fields = ("organisation",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.organisation_id


@admin.register(RulebookVersion)
class RulebookVersionAdmin(ReadOnlyModelAdmin):
    """Versions are stored from the TOML files by `rammeaftale rulebooks load`; an agreement's rules never change here."""

    list_display = ("key", "version", "name", "loaded_at", "sha256")
    list_filter = ("key",)
    search_fields = ("key", "name")
    fields = ("key", "version", "name", "sha256", "loaded_at", "content_pretty")
    readonly_fields = fields

    @admin.display(description="indhold")
    def content_pretty(self, obj):
        return json_pretty(obj.content)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if data.get("year_from") and data.get("year_to") and data["year_from"] > data["year_to"]:
            self.add_error("year_to", "Slutåret må ikke ligge før startåret.")
        return data


@admin.register(Agreement)
class AgreementAdmin(AuditedModelAdmin):
    form = AgreementForm
    list_display = ("name", "region", "year_from", "year_to", "rulebook", "is_demo")
    list_filter = ("region", "is_demo")
    search_fields = ("name",)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.region_id


@admin.register(LegalParagraph)
class LegalParagraphAdmin(AuditedModelAdmin):
    list_display = ("code", "label", "title")
    list_filter = ("law",)
    search_fields = ("code", "title", "paragraph")


@admin.register(TargetGroup)
class TargetGroupAdmin(AuditedModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = "__all__"

    def clean(self):
        """The rules the offer services apply (operator kind, location, paragraphs, postcode, Tilbudsportalen-id)."""
        data = super().clean()
        needed = ("operator", "municipality", "name", "offer_type")
        if any(not data.get(name) for name in needed) or "paragraphs" not in data:
            return data  # the field errors already say what is missing
        try:
            offer_input_validate(
                OfferInput(
                    operator=data["operator"], municipality=data["municipality"], name=data["name"],
                    offer_type=data["offer_type"], paragraphs=list(data["paragraphs"]),
                    postcode=data.get("postcode", ""), tilbudsportalen_id=data.get("tilbudsportalen_id") or None,
                    age_from=data.get("age_from"), age_to=data.get("age_to"),
                ),
                offer_id=self.instance.pk,
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message_da)
        return data


class OfferCapacityInline(admin.TabularInline):
    model = OfferCapacity
    extra = 0
    fields = ("valid_from", "places", "note")


class OfferCategoryInline(admin.TabularInline):
    model = OfferCategory
    extra = 0
    fields = ("year", "category", "reason", "suggested_category", "decided_by", "decided_at")
    readonly_fields = ("suggested_category", "decided_by", "decided_at")


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name", "kind", "unit")


@admin.register(Offer)
class OfferAdmin(AuditedModelAdmin):
    form = OfferForm
    list_display = ("name", "operator", "municipality", "offer_type", "tilbudsportalen_id")
    list_filter = ("offer_type", ("municipality__region", admin.RelatedOnlyFieldListFilter), "paragraphs")
    search_fields = ("name", "tilbudsportalen_id", "operator__name", "city", "address")
    autocomplete_fields = ("operator", "municipality")
    filter_horizontal = ("paragraphs", "target_groups")
    list_select_related = ("operator", "municipality")
    inlines = (OfferCapacityInline, OfferCategoryInline, ServiceInline)

    def audit_organisation_id(self, obj, *, deleting=False):
        return obj.operator_id
