"""The operator's confirmation of free places: the form only parses; the rules are `services.vacancy_confirm`'s."""
from django import forms

from rammeaftale.exchange.services import NOTE_MAX
from rammeaftale.placements.forms import DateInput, DomainErrorForm


class VacancyConfirmForm(DomainErrorForm):
    places = forms.IntegerField(label="Ledige pladser", min_value=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    free_from = forms.DateField(label="Ledig fra", widget=DateInput())
    note = forms.CharField(label="Bemærkning (uden personoplysninger)", max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
