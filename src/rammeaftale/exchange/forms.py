"""The exchange's forms: they only parse; the rules are the services' (`vacancy_confirm`, `vacancy_request_*`)."""
import copy

from django import forms

from rammeaftale.exchange.requests import ANSWER_NOTE_MAX, ANSWERS, DESCRIPTION_MAX, Citizen
from rammeaftale.exchange.services import NOTE_MAX
from rammeaftale.placements.forms import DateInput, DomainErrorForm, PlacementBuyForm
from rammeaftale.registry.models import LegalParagraph, TargetGroup


class VacancyConfirmForm(DomainErrorForm):
    places = forms.IntegerField(label="Ledige pladser", min_value=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    free_from = forms.DateField(label="Ledig fra", widget=DateInput())
    note = forms.CharField(label="Bemærkning (uden personoplysninger)", max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


# Requests («forespørgsler»): the rules are `requests.vacancy_request_*`'s.


class VacancyRequestForm(DomainErrorForm):
    target_group = forms.ModelChoiceField(label="Målgruppe", queryset=TargetGroup.objects.order_by("name"),
                                          required=False, empty_label="–")
    paragraph = forms.ModelChoiceField(label="Lovgrundlag", queryset=LegalParagraph.objects.order_by("code"),
                                       required=False, empty_label="–")
    start_date = forms.DateField(label="Ønsket startdato", widget=DateInput())
    answer_by = forms.DateField(label="Svarfrist (sidste dag)", widget=DateInput(),
                                help_text="Driftsherrerne kan svare til og med denne dag.")
    description = forms.CharField(
        label="Beskrivelse af behovet", max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anonymiseret: skriv ikke navn eller CPR-nummer. CPR-nummeret oplyses først, når pladsen købes.")


class VacancyAnswerForm(DomainErrorForm):
    answer = forms.ChoiceField(label="Svar", widget=forms.RadioSelect,
                               choices=[(a.value, a.label) for a in ANSWERS])
    note = forms.CharField(label="Bemærkning til sagsbehandleren (uden CPR-nummer)", max_length=ANSWER_NOTE_MAX,
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))


_CITIZEN = ("citizen_name", "cpr", "citizen_address", "custody", "planned_end", "contact_name", "contact_phone",
            "contact_email")


class RequestReserveForm(DomainErrorForm):
    """The buy form's questions about the citizen (the same fields), the start and the hold date."""

    start_date = forms.DateField(label="Startdato", widget=DateInput())
    reserved_until = forms.DateField(
        label="Holdedato", widget=DateInput(),
        help_text="Er borgeren ikke flyttet ind (registreret af driftsherren) senest denne dag, frigives pladsen.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in _CITIZEN:
            self.fields[name] = copy.deepcopy(PlacementBuyForm.base_fields[name])

    def citizen(self) -> Citizen:
        return Citizen(**{name: self.cleaned_data[name] for name in _CITIZEN})
