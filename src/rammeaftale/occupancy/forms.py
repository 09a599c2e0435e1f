"""Forms of the occupancy pages: the secretariat's category decision."""
from django import forms

from rammeaftale.registry.models import Category


class CategoryDecisionForm(forms.Form):
    category = forms.ChoiceField(label="Kategori", choices=[("", "Vælg kategori"), *Category.choices],
                                 error_messages={"required": "Vælg en kategori.",
                                                 "invalid_choice": "Ukendt kategori «%(value)s»; vælg en fra listen."})
    reason = forms.CharField(label="Begrundelse", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Skriv begrundelsen for kategorien."})
