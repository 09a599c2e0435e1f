"""The forms of the users pages: a user's details and roles, and the password an administrator hands over."""
from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts

from rammeaftale.accounts.models import Role, User
from rammeaftale.accounts.permissions import roles_for_organisation_kind
from rammeaftale.accounts.services import one_time_password

GENERATE, CHOOSE = "generate", "choose"


def _password_labels(form: forms.Form, first: str, second: str) -> None:
    """Danish labels; the validators' rules as one plain sentence (Django's help text is an HTML list)."""
    form.fields["new_password1"].label = first
    form.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
    form.fields["new_password2"].label = second
    form.fields["new_password2"].help_text = ""


class UserDetailsForm(forms.Form):
    """Name, e-mail and roles; the roles offered are those the organisation's kind allows (a secretariat has no
    caseworkers, a private operator no secretariat). With `with_username` (a new user) the username too."""

    username = forms.CharField(label="Brugernavn", max_length=150,
                               help_text="Det navn, brugeren logger ind med: bogstaver, tal og @ . + - _",
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    first_name = forms.CharField(label="Fornavn", max_length=150, required=False)
    last_name = forms.CharField(label="Efternavn", max_length=150, required=False)
    email = forms.EmailField(label="E-mail", required=False, max_length=254)
    roles = forms.MultipleChoiceField(label="Roller", widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "Vælg mindst én rolle."})

    def __init__(self, *args, organisation_kind: str, with_username: bool, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = roles_for_organisation_kind(organisation_kind)
        self.fields["roles"].choices = [(role, Role(role).label) for role in allowed]
        self.fields["roles"].help_text = "De roller, en bruger i denne type organisation kan have."
        if not with_username:
            del self.fields["username"]


class HandedPasswordForm(SetPasswordForm):
    """Django's SetPasswordForm (AUTH_PASSWORD_VALIDATORS, the two fields must match), with the choice of a
    one-time password the system makes instead. Either way the user must change it at the next login."""

    how = forms.ChoiceField(
        label="Adgangskode", widget=forms.RadioSelect, initial=GENERATE,
        choices=[(GENERATE, "Dan en engangskode, som vises én gang"), (CHOOSE, "Jeg vælger en startkode")],
        help_text="Brugeren skal skifte adgangskoden, første gang de logger ind.",
    )
    field_order = ["how", "new_password1", "new_password2"]

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _password_labels(self, "Startkode (når du vælger selv)", "Startkode igen")
        for name in ("new_password1", "new_password2"):
            self.fields[name].required = False  # required only when the administrator chooses (clean)

    def clean(self):
        if self.cleaned_data.get("how") != CHOOSE:
            return self.cleaned_data
        for name in ("new_password1", "new_password2"):
            if not self.cleaned_data.get(name) and name not in self.errors:
                self.add_error(name, "Skriv startkoden, eller vælg en engangskode.")
        return super().clean()

    @property
    def generated(self) -> bool:
        return self.cleaned_data["how"] != CHOOSE

    def password(self) -> str:
        """The chosen password, or a new one-time password."""
        return one_time_password() if self.generated else self.cleaned_data["new_password1"]


class OwnPasswordForm(PasswordChangeForm):
    """Django's PasswordChangeForm with the page's Danish labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Nuværende adgangskode"
        _password_labels(self, "Ny adgangskode", "Ny adgangskode igen")
