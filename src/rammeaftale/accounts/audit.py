"""Audit events: written by every service inside the transaction of the change they record."""
import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent


class AuditOutsideTransaction(RuntimeError):
    """An audit event must share the transaction of the write it records."""


def model_snapshot(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict:
    """A JSON-safe dict of the instance's concrete fields and many-to-many ids."""
    data: dict = {}
    skip = set(exclude)
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        data[field.attname] = field.value_from_object(instance)
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name not in skip:
                data[field.name] = sorted(obj.pk for obj in field.value_from_object(instance))
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Actor,
    event_type: str,
    organisation_id: int | None,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    save: bool = True,
) -> AuditEvent:
    """Write (or, with save=False, build for bulk_create) one audit event in the current transaction."""
    if save and not connection.in_atomic_block:
        raise AuditOutsideTransaction(f"audit event {event_type} written outside a transaction")
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_organisation_id=actor.organisation_id,
        organisation_id=organisation_id,
        event_type=event_type,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        reason=reason,
    )
    if save:
        event.save()
    return event
