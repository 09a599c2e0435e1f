"""Django admin that writes an audit event for every add, change and delete, in the transaction of the write."""
import json

from django.contrib import admin
from django.db import router, transaction
from django.db.models import Model
from django.utils.html import format_html

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.audit import audit_record, model_snapshot


class AuditedModelAdmin(admin.ModelAdmin):
    """Records `admin.<model>.created|changed|deleted` with before and after snapshots of the row and its inlines.

    Django admin already runs the add/change form and the delete page inside `transaction.atomic`, and
    `audit_record` refuses to write outside one, so an admin write and its event commit or roll back together.
    The bulk delete action is not atomic in Django, so `delete_queryset` opens its own transaction.

    A subclass says which organisation a row concerns (`audit_organisation_id`) and which fields never enter a
    snapshot (`audit_exclude`, e.g. a password hash).
    """

    audit_exclude: tuple[str, ...] = ()

    def audit_organisation_id(self, obj: Model, *, deleting: bool = False) -> int | None:
        """The organisation the row concerns; shared master data (paragraphs, target groups) concerns none."""
        return None

    def audit_snapshot(self, obj: Model) -> dict:
        """The row as stored, with the rows of each inline under the related name (e.g. `capacities`)."""
        data = model_snapshot(obj, exclude=self.audit_exclude)
        for inline in self.inlines:
            fk = _inline_foreign_key(self.model, inline)
            rows = inline.model._default_manager.filter(**{fk.name: obj.pk}).order_by("pk")
            data[fk.remote_field.get_accessor_name()] = [model_snapshot(row, exclude=(fk.name,)) for row in rows]
        return data

    def _stored(self, obj: Model) -> Model:
        return self.model._default_manager.get(pk=obj.pk)

    def _audit(self, request, obj: Model, action: str, *, before: dict | None, after: dict | None,
               deleting: bool = False) -> None:
        audit_record(
            actor=actor_from_user(request.user),
            event_type=f"admin.{self.model._meta.model_name}.{action}",
            organisation_id=self.audit_organisation_id(obj, deleting=deleting),
            obj=obj, before=before, after=after,
        )

    def save_model(self, request, obj, form, change):
        # The form has already copied its data onto `obj`, so "before" is read back from the database.
        obj._audit_before = self.audit_snapshot(self._stored(obj)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # "After" is taken only now, so many-to-many fields and inline rows are included.
        obj = form.instance
        self._audit(request, obj, "changed" if change else "created",
                    before=getattr(obj, "_audit_before", None), after=self.audit_snapshot(self._stored(obj)))

    def delete_model(self, request, obj):
        # Recorded first, while the row still has its id; a failed delete rolls the event back with it.
        self._audit(request, obj, "deleted", before=self.audit_snapshot(obj), after=None, deleting=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self._audit(request, obj, "deleted", before=self.audit_snapshot(obj), after=None, deleting=True)
            super().delete_queryset(request, queryset)


def _inline_foreign_key(parent: type[Model], inline):
    """The inline model's foreign key to the parent (the one named by `fk_name`, else the only one)."""
    if inline.fk_name:
        return inline.model._meta.get_field(inline.fk_name)
    return next(
        field for field in inline.model._meta.concrete_fields
        if field.many_to_one and issubclass(parent, field.remote_field.model)
    )


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows that are written only by services (which audit them) or never: the admin may look, not touch."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def json_pretty(value) -> str:
    """JSON shown indented in a <pre> block, Danish letters as they are."""
    if value is None:
        return "—"
    return format_html("<pre style=\"white-space: pre-wrap\">{}</pre>",
                       json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
