"""A user whose password an administrator set (on creation or reset) chooses their own before anything else."""
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

PASSWORD_CHANGE_REQUIRED_CODE = "password_change_required"


class PasswordChangeRequiredMiddleware:
    """Every page but the password change and logging out leads to the password change (Django's
    PasswordChangeView, accounts:password_change); the API answers 403 `password_change_required`. The user's
    Actor has no rights meanwhile either (accounts.actor), so nothing slips past this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "password_change_required", False):
            change = reverse("accounts:password_change")
            if request.path_info.startswith("/api/"):
                return JsonResponse({
                    "code": PASSWORD_CHANGE_REQUIRED_CODE, "field": "",
                    "message": "Du skal vælge din egen adgangskode, før du kan bruge systemet: log ind på siderne "
                               "og skift den.",
                    "detail": "The password was set by an administrator and must be changed first.",
                }, status=403)
            if request.path_info not in (change, reverse("web:logout")):
                return redirect(change)
        return self.get_response(request)
