"""The economy's forms: they only parse; the rules are the services'."""
from datetime import date

from django import forms

from rammeaftale.economy.models import GuaranteeSharing, NewPlacesKind
from rammeaftale.economy.population import population_dates
from rammeaftale.placements.forms import DomainErrorForm


class RefusionThresholdForm(DomainErrorForm):
    year = forms.IntegerField(label="År", min_value=2000, max_value=2100)
    band_1_kr = forms.DecimalField(label="Tærskel 1 (kr.)", max_digits=12, decimal_places=2, min_value=0)
    band_1_pct = forms.DecimalField(label="Refusion over tærskel 1 (%)", max_digits=5, decimal_places=2)
    band_2_kr = forms.DecimalField(label="Tærskel 2 (kr.)", max_digits=12, decimal_places=2, min_value=0,
                                   required=False)
    band_2_pct = forms.DecimalField(label="Refusion over tærskel 2 (%)", max_digits=5, decimal_places=2,
                                    required=False)
    band_3_kr = forms.DecimalField(label="Tærskel 3 (kr.)", max_digits=12, decimal_places=2, min_value=0,
                                   required=False)
    band_3_pct = forms.DecimalField(label="Refusion over tærskel 3 (%)", max_digits=5, decimal_places=2,
                                    required=False)
    source = forms.CharField(label="Kilde", max_length=500,
                             help_text="Hvor årets tærskler står, fx bekendtgørelsen eller styrelsens udmelding.")
    source_url = forms.URLField(label="Kildens adresse", required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        for n in (2, 3):
            if (data.get(f"band_{n}_kr") is None) != (data.get(f"band_{n}_pct") is None):
                self.add_error(f"band_{n}_pct", "Udfyld både tærsklen og procenten, eller ingen af dem.")
        return data


class NewPlacesForm(DomainErrorForm):
    """The secretariat's record of new places under the economic model (Region Hovedstaden)."""

    offer = forms.TypedChoiceField(label="Tilbud", coerce=int)
    kind = forms.ChoiceField(label="Type", choices=NewPlacesKind.choices)
    places = forms.IntegerField(label="Nye pladser", min_value=1, max_value=1000)
    first_year = forms.IntegerField(label="Første driftsår", min_value=2000, max_value=2100,
                                    help_text="Regnskabsåret, der er driftsår 1.")
    participants = forms.TypedMultipleChoiceField(
        label="Deltagende kommuner", coerce=int, required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="De interesserede brugerkommuner; de betaler abonnementet.")
    sharing = forms.ChoiceField(label="Garantien deles mellem", choices=GuaranteeSharing.choices)
    population_date = forms.TypedChoiceField(label="Befolkningstal pr.", coerce=date.fromisoformat,
                                             help_text="Datoerne, systemet har befolkningstal for (Danmarks "
                                                       "Statistik).")
    subscription_years = forms.IntegerField(label="År med abonnement", min_value=0, max_value=10, initial=0)
    subscription_yearly = forms.DecimalField(label="Abonnement pr. kommune pr. år (kr.)", max_digits=14,
                                             decimal_places=2, min_value=0, initial=0)
    decision_reference = forms.CharField(label="Beslutning", max_length=300,
                                         help_text="Fx KKR Hovedstaden, møde 12.03.2024, punkt 4.")

    def __init__(self, *args, offers, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [(offer.pk, f"{offer.name} ({offer.operator})") for offer in offers]
        self.fields["participants"].choices = [(org.pk, org.name) for org in municipalities]
        self.fields["population_date"].choices = [(day.isoformat(), day.strftime("%d.%m.%Y"))
                                                  for day in population_dates()]


class GuaranteeYearForm(DomainErrorForm):
    year_of_operation = forms.IntegerField(label="Driftsår", min_value=1, max_value=20)
    deficit = forms.DecimalField(label="Årets underskud (kr.)", max_digits=14, decimal_places=2,
                                 help_text="Fra tilbuddets regnskab for året; 0, hvis der ikke var underskud.")
    decision_reference = forms.CharField(label="Beslutning", max_length=300,
                                         help_text="Fx regnskab 2025 godkendt af KKR 10.03.2026.")
