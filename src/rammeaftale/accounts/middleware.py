"""A user whose password an administrator set (on creation or reset) chooses their own before anything else."""
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from rammeaftale.core.errors import NotAllowed


class PasswordChangeRequired(NotAllowed):
    """The API's answer (403) to a user who must first replace the password an administrator gave them."""

    def __init__(self):
        super().__init__("Du skal vælge din egen adgangskode, før du kan bruge systemet: log ind på siderne og "
                         "skift den.", message_en="The password was set by an administrator and must be changed first.")
        self.code = "password_change_required"


class PasswordChangeRequiredMiddleware:
    """Every page but the password change and logging out leads to the password change (Django's
    PasswordChangeView, accounts:password_change); the API answers 403 `password_change_required` (a session here,
    HTTP Basic in `api.ScriptBasicAuth`). The user's Actor has no rights meanwhile either (accounts.actor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "password_change_required", False):
            change = reverse("accounts:password_change")
            if request.path_info.startswith("/api/"):
                return JsonResponse(PasswordChangeRequired().as_dict(), status=403)
            if request.path_info not in (change, reverse("web:logout")):
                return redirect(change)
        return self.get_response(request)
