"""The exchange's forms: they only parse; the rules are the services' and `search.search_check`'s."""
from django import forms

from rammeaftale.exchange.search import OPERATOR_KINDS, VacancySearch
from rammeaftale.exchange.services import NOTE_MAX
from rammeaftale.registry.models import Category, OfferType
from rammeaftale.placements.forms import DateInput, DomainErrorForm


class VacancyConfirmForm(DomainErrorForm):
    places = forms.IntegerField(label="Ledige pladser", min_value=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    free_from = forms.DateField(label="Ledig fra", widget=DateInput())
    note = forms.CharField(label="Bemærkning (uden personoplysninger)", max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class VacancySearchForm(DomainErrorForm):
    """The search's filters from the query string: the form parses; `search.search_check` holds the rules."""

    paragraph = forms.ChoiceField(label="Paragraf", required=False)
    target_group = forms.ChoiceField(label="Målgruppe", required=False)
    offer_type = forms.ChoiceField(label="Tilbudstype", required=False)
    age_from = forms.IntegerField(label="Alder fra", required=False,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    age_to = forms.IntegerField(label="Alder til", required=False,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    region = forms.ChoiceField(label="Region", required=False)
    municipality = forms.ChoiceField(label="Beliggenhedskommune", required=False)
    category = forms.ChoiceField(label="Kategori", required=False)
    operator_kind = forms.MultipleChoiceField(
        label="Driftsform", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(key, label) for key, (_, label) in OPERATOR_KINDS.items()])
    tariff_min_kr = forms.IntegerField(label="Takst fra (kr./døgn)", required=False,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    tariff_max_kr = forms.IntegerField(label="Takst til (kr./døgn)", required=False,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    free_from = forms.DateField(label="Ledig fra", required=False, widget=DateInput())
    need = forms.IntegerField(label="Antal pladser", required=False, min_value=1, max_value=50,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    all_offers = forms.BooleanField(label="Vis også tilbud uden ledige pladser", required=False)

    def __init__(self, *args, paragraphs, target_groups, regions, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paragraph"].choices = [("", "Alle paragraffer")] + [
            (p.code, f"{p.label} – {p.title}") for p in paragraphs]
        self.fields["target_group"].choices = [("", "Alle målgrupper")] + [(g.code, g.name) for g in target_groups]
        self.fields["offer_type"].choices = [("", "Alle typer"), *OfferType.choices]
        self.fields["region"].choices = [("", "Alle regioner")] + [(str(r.pk), str(r)) for r in regions]
        self.fields["municipality"].choices = [("", "Alle kommuner")] + [(str(m.pk), m.name) for m in municipalities]
        self.fields["category"].choices = [("", "Alle kategorier"), *Category.choices]

    def search(self) -> VacancySearch:
        data = self.cleaned_data
        return VacancySearch(
            paragraph=data["paragraph"], target_group=data["target_group"], offer_type=data["offer_type"],
            age_from=data["age_from"], age_to=data["age_to"],
            region_id=int(data["region"]) if data["region"] else None,
            municipality_id=int(data["municipality"]) if data["municipality"] else None,
            category=data["category"], operator_kinds=tuple(data["operator_kind"]),
            tariff_min_kr=data["tariff_min_kr"], tariff_max_kr=data["tariff_max_kr"], free_from=data["free_from"],
            need=data["need"] or 1, only_free=not data["all_offers"])
