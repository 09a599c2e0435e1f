"""The exchange's forms: they only parse; the rules are the services' (`vacancy_confirm`, `consultation_*`)."""
from django import forms

from rammeaftale.exchange.consultations import DESCRIPTION_MAX, OUTCOME_MAX
from rammeaftale.exchange.consultations import NOTE_MAX as CONSULTATION_NOTE_MAX
from rammeaftale.exchange.models import JoinAnswer
from rammeaftale.exchange.services import NOTE_MAX
from rammeaftale.placements.forms import DateInput, DomainErrorForm
from rammeaftale.registry.models import LegalParagraph, Offer, TargetGroup


class VacancyConfirmForm(DomainErrorForm):
    places = forms.IntegerField(label="Ledige pladser", min_value=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    free_from = forms.DateField(label="Ledig fra", widget=DateInput())
    note = forms.CharField(label="Bemærkning (uden personoplysninger)", max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ConsultationPostForm(DomainErrorForm):
    """Afsøgning før et enkeltmandstilbud: the need, anonymised, and the deadline (the service's default if empty)."""

    target_group = forms.ModelChoiceField(label="Målgruppe", queryset=TargetGroup.objects.all(), required=False,
                                          empty_label="–")
    paragraph = forms.ModelChoiceField(label="Lovgrundlag", queryset=LegalParagraph.objects.all(), required=False,
                                       empty_label="–")
    planned_start = forms.DateField(label="Planlagt start", widget=DateInput())
    answer_by = forms.DateField(label="Svarfrist (sidste dag)", widget=DateInput(), required=False)
    description = forms.CharField(
        label="Beskrivelse af behovet (uden CPR-nummer)", max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Sendes til regionens andre kommuner: beskriv behovet uden navn, CPR-nummer eller andre "
                  "personoplysninger.")


class ConsultationAnswerForm(DomainErrorForm):
    answer = forms.ChoiceField(label="Svar", choices=JoinAnswer.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Bemærkning (uden personoplysninger)", max_length=CONSULTATION_NOTE_MAX,
                           required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsultationCloseForm(DomainErrorForm):
    outcome = forms.CharField(
        label="Udfald", max_length=OUTCOME_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Fx «Holbæk og Kalundborg vil være med; fælles botilbud oprettes» eller «Ingen andre kommuner "
                  "ønskede at være med; enkeltmandstilbud oprettet».")
    offer = forms.ModelChoiceField(label="Det nye tilbud", queryset=Offer.objects.none(), required=False,
                                   empty_label="Intet tilbud oprettet",
                                   help_text="Et tilbud, som kommunen selv driver.")

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers
