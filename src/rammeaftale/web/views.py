"""Shared pages: log in, log out, the start page."""
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect

WRONG_LOGIN = "Forkert brugernavn eller adgangskode."


class LoginForm(AuthenticationForm):
    """Django's form with Danish labels; an inactive user gets the same answer as a wrong password,
    so the page does not tell which usernames exist."""

    username = forms.CharField(label="Brugernavn", max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="Adgangskode", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {"invalid_login": WRONG_LOGIN, "inactive": WRONG_LOGIN}


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); says so on the login page it returns to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Du er logget ud.")
        return response


@login_required
def home(request):
    return redirect("registry:offer_list")
