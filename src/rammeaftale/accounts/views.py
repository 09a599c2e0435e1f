"""The accounts pages: the audit trail (who changed what, before and after), the organisation's users (create,
change, deactivate, reset a password, lift a lockout) and a user's own password change."""
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from rammeaftale.accounts import audit_display, selectors, services
from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.forms import HandedPasswordForm, OwnPasswordForm, UserDetailsForm
from rammeaftale.accounts.models import AuditEvent, User
from rammeaftale.core.errors import DomainError
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


class AuditRow:
    """One event as the trail shows it: its Danish name, what it is about and its changes in plain Danish
    (accounts/audit_display.py)."""

    def __init__(self, event: AuditEvent) -> None:
        self.event = event
        self.label = audit_display.event_label(event.event_type)
        self.object = audit_display.object_label(event.object_type, event.object_repr, event.object_id)
        self.object_kind = audit_display.object_kind(event.object_type)
        self.changes = [
            audit_display.ChangeRow(
                label=audit_display.key_label(event.object_type, change.key),
                before=audit_display.value_text(event.object_type, change.key, change.before),
                after=audit_display.value_text(event.object_type, change.key, change.after))
            for change in audit_changes(event) if not audit_display.technical_key(change.key)]


@page_view
def audit_list(request):
    actor = actor_for_request(request)
    event_type = text_param(request, "event_type", max_length=64)
    text = text_param(request, "q")
    page = paginate(request, selectors.audit_event_list(actor=actor, event_type=event_type, text=text))
    rows = [AuditRow(event) for event in page.object_list]
    context = {"page": page, "rows": rows, "event_type": event_type, "text": text,
               "query": query_without(request, "page")}
    if wants_partial(request):
        return render(request, "accounts/_audit_results.html", context)
    # The event types this administrator can see, for the filter menu (belongs in accounts.selectors).
    context["event_types"] = sorted(((code, audit_display.event_label(code))
                                     for code in selectors.audit_event_types(actor=actor)), key=lambda pair: pair[1])
    return render(request, "accounts/audit_list.html", context)


@page_view
def user_list(request):
    actor = actor_for_request(request)
    users = list(selectors.user_list(actor=actor))
    lockouts = selectors.user_lockouts(actor=actor, users=users)
    rows = [(person, lockouts.get(person.pk)) for person in users]
    return render(request, "accounts/user_list.html", {"rows": rows, "can_create": actor.organisation_id is not None})


def _refused(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: under the field it names (without the field's name in front, which the
    page shows beside it), else above the form."""
    field = {"password": "new_password1"}.get(error.field, error.field)
    if field not in form.fields:
        form.add_error(None, error.message_da)
        return
    form.add_error(field, error.message_da.removeprefix(f"{form.fields[field].label}: "))


def _password_shown(request, *, user: User, password: str, created: bool):
    """The one-time password, on this answer only (never stored, never in a message or the audit trail)."""
    return render(request, "accounts/user_password_shown.html",
                  {"person": user, "password": password, "created": created})


@page_view
def user_create(request):
    """A new user of the administrator's organisation, with roles its kind allows and a password to hand over."""
    actor = actor_for_request(request)
    organisation = selectors.user_organisation(actor=actor)
    data = request.POST if request.method == "POST" else None
    form = UserDetailsForm(data, organisation_kind=organisation.kind, with_username=True)
    password_form = HandedPasswordForm(User(username=request.POST.get("username", ""), organisation=organisation),
                                       data)
    if data is not None and form.is_valid() & password_form.is_valid():
        password = password_form.password()
        try:
            user = services.user_create(
                actor=actor, organisation=organisation, password=password, password_change_required=True,
                **{name: form.cleaned_data[name] for name in ("username", "first_name", "last_name", "email",
                                                              "roles")})
        except DomainError as error:
            _refused(password_form if error.field == "password" else form, error)
        else:
            if password_form.generated:
                return _password_shown(request, user=user, password=password, created=True)
            messages.success(request, f"Brugeren «{user.username}» er oprettet. Giv brugeren startkoden; den skal "
                                      "skiftes ved første login.")
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_form.html",
                  {"form": form, "password_form": password_form, "organisation": organisation})


@page_view
def user_detail(request, user_id: int):
    """One user: the facts, the form for name, e-mail and roles, and the ways on (password, deactivate)."""
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
               "roles": sorted(user.role_codes)}
    data = request.POST if request.method == "POST" else None
    kind = user.organisation.kind if user.organisation else ""  # none: a platform superuser, Django admin's
    form = UserDetailsForm(data, initial=initial, organisation_kind=kind, with_username=False)
    if data is not None and form.is_valid():
        try:
            changed = services.user_update(actor=actor, user=user, **form.cleaned_data)
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, f"«{user.username}» er gemt." if changed else "Intet at gemme: intet var ændret.")
            return redirect("accounts:user_detail", user_id=user.pk)
    lockouts = selectors.user_lockouts(actor=actor, users=[user])
    return render(request, "accounts/user_detail.html", {
        "person": user, "form": form, "is_self": user.pk == actor.user_id, "locked_until": lockouts.get(user.pk),
    })


@page_view
def user_password_reset(request, user_id: int):
    """A new password for the user, to be changed at the next login; the login lockout is lifted with it."""
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    form = HandedPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        password = form.password()
        try:
            services.user_password_reset(actor=actor, user=user, password=password)
        except DomainError as error:
            _refused(form, error)
        else:
            if form.generated:
                return _password_shown(request, user=user, password=password, created=False)
            messages.success(request, f"Adgangskoden til «{user.username}» er nulstillet, og en loginspærring er "
                                      "ophævet. Brugeren skal skifte den ved næste login.")
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_password_reset.html", {"person": user, "form": form})


@page_view
def user_deactivate(request, user_id: int):
    """Asks once, showing who is affected; the POST deactivates."""
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    if request.method == "POST":
        services.user_active_set(actor=actor, user=user, is_active=False)
        messages.success(request, f"«{user.username}» er deaktiveret og kan ikke længere logge ind.")
        return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_deactivate.html",
                  {"person": user, "is_self": user.pk == actor.user_id})


@require_POST
@page_view
def user_reactivate(request, user_id: int):
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    services.user_active_set(actor=actor, user=user, is_active=True)
    messages.success(request, f"«{user.username}» er genaktiveret og kan logge ind igen.")
    return redirect("accounts:user_detail", user_id=user.pk)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (the old password, AUTH_PASSWORD_VALIDATORS), written by the audited service;
    the page every user whose password an administrator set is led to first."""

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordForm
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        user = services.user_password_change(actor=actor_for_request(self.request), user=form.user,
                                             password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)  # the user stays logged in with the new password
        messages.success(self.request, "Din adgangskode er skiftet.")
        return redirect(self.get_success_url())


@require_POST
@page_view
def user_unlock(request, user_id: int):
    """Lifts a user's login lockout (audited); back to the users page with a message."""
    actor = actor_for_request(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    services.user_login_unlock(actor=actor, user=user)
    messages.success(request, f"Spærringen af «{user.username}» er ophævet; brugeren kan logge ind igen.")
    if request.POST.get("back") == "detail":
        return redirect("accounts:user_detail", user_id=user.pk)
    return redirect("accounts:user_list")
