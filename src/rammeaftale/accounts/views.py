"""The accounts pages: the audit trail (who changed what, before and after) and the organisation's users."""
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rammeaftale.accounts import selectors, services
from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.models import AuditEvent
from rammeaftale.http import page_view, paginate, query_without, text_param, wants_partial


@dataclass(frozen=True)
class Change:
    key: str
    before: object
    after: object


def _value(values: dict, key: str):
    """Missing, None, "" and [] all mean «nothing»: a new object does not list its empty fields as changes."""
    value = values.get(key)
    return None if value in ("", []) else value


def audit_changes(event: AuditEvent) -> list[Change]:
    """Only the keys whose value differs: a created object shows its filled-in keys, a deleted one its old."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    return [
        Change(key=key, before=_value(before, key), after=_value(after, key))
        for key in sorted(before.keys() | after.keys())
        if _value(before, key) != _value(after, key)
    ]


@page_view
def audit_list(request):
    actor = actor_for_request(request)
    event_type = text_param(request, "event_type", max_length=64)
    text = text_param(request, "q")
    page = paginate(request, selectors.audit_event_list(actor=actor, event_type=event_type, text=text))
    rows = [(event, audit_changes(event)) for event in page.object_list]
    context = {"page": page, "rows": rows, "event_type": event_type, "text": text,
               "query": query_without(request, "page")}
    if wants_partial(request):
        return render(request, "accounts/_audit_results.html", context)
    # The event types this administrator can see, for the filter menu (belongs in accounts.selectors).
    context["event_types"] = selectors.audit_event_types(actor=actor)
    return render(request, "accounts/audit_list.html", context)


@page_view
def user_list(request):
    actor = actor_for_request(request)
    users = list(selectors.user_list(actor=actor))
    lockouts = selectors.user_lockouts(actor=actor, users=users)
    rows = [(person, lockouts.get(person.pk)) for person in users]
    return render(request, "accounts/user_list.html", {"rows": rows})


@require_POST
@page_view
def user_unlock(request, user_id: int):
    """Lifts a user's login lockout (audited); back to the users page with a message."""
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    services.user_login_unlock(actor=actor, user=user)
    messages.success(request, f"Spærringen af «{user.username}» er ophævet; brugeren kan logge ind igen.")
    return redirect("accounts:user_list")
