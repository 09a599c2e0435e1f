"""The economy's forms: they only parse; the rules are the services'."""
from django import forms

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
