"""The exchange's forms: they only parse; the rules are the services' (`vacancy_confirm`, `vacancy_request_*`,
`consultation_*`) and `search.search_check`'s."""
import copy

from django import forms

from rammeaftale.exchange.consultations import DESCRIPTION_MAX, OUTCOME_MAX
from rammeaftale.exchange.consultations import NOTE_MAX as CONSULTATION_NOTE_MAX
from rammeaftale.exchange.models import JoinAnswer
from rammeaftale.exchange.requests import ANSWER_NOTE_MAX, ANSWERS, Citizen
from rammeaftale.exchange.requests import DESCRIPTION_MAX as REQUEST_DESCRIPTION_MAX
from rammeaftale.exchange.search import OPERATOR_KINDS, VacancySearch
from rammeaftale.exchange.services import NOTE_MAX
from rammeaftale.placements.forms import DateInput, DomainErrorForm, PlacementBuyForm
from rammeaftale.registry.models import Category, LegalParagraph, Offer, OfferType, TargetGroup


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
        label="Beskrivelse af behovet", max_length=REQUEST_DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 5}),
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


class PublicFirstForm(DomainErrorForm):
    start = forms.DateField(label="Startdato", widget=DateInput())
    reason = forms.CharField(
        label="Begrundelse for køb hos privat", required=False, max_length=2000,
        help_text="Skal udfyldes, når der er ledige offentlige pladser. Sekretariatet ser begrundelsen; skriv uden "
                  "personoplysninger.", widget=forms.Textarea(attrs={"rows": 3}))
