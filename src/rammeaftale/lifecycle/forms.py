"""The lifecycle's forms: they only parse; the rules are the services'."""
from django import forms

from rammeaftale.placements.forms import DateInput, DomainErrorForm


class ProposalForm(DomainErrorForm):
    kind = forms.ChoiceField(label="Ændring")
    effective_date = forms.DateField(label="Virkning fra", widget=DateInput(),
                                     help_text="Kapacitet (også nye pladser): første dag med det nye antal; "
                                               "lukning: første dag lukket; "
                                               "overtagelse: 1. januar.")
    places = forms.IntegerField(label="Pladser fra datoen", min_value=0, required=False,
                                help_text="Kun ved ændring af kapacitet.")
    reason = forms.CharField(label="Begrundelse", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class CommentForm(DomainErrorForm):
    text = forms.CharField(label="Høringssvar", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class DecisionForm(DomainErrorForm):
    decision_reference = forms.CharField(label="Beslutning", max_length=300,
                                         help_text="Fx regionsrådets møde 20.12.2026, punkt 5.")
