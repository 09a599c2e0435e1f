"""Forms for the placement pages: they parse and label the input; the services check the rules and say what is wrong."""

from django import forms

from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import Custody, PlacementService
from rammeaftale.registry.models import Offer, ServiceKind


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO (2026-03-01)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DomainErrorForm(forms.Form):
    """A form that shows a service's DomainError beside the field it names (or above the form)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels stand above the fields, as on the other pages
        super().__init__(*args, **kwargs)

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message_da)


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, service) -> str:
        return f"{service.name} ({service.get_kind_display().lower()}, pr. {service.get_unit_display()})"


class PlacementBuyForm(DomainErrorForm):
    """Køb af plads: the citizen, who pays, the services and the dates."""

    citizen_name = forms.CharField(label="Borgerens navn", max_length=200)
    cpr = forms.CharField(label="CPR-nummer", max_length=11, help_text="10 cifre, evt. med bindestreg: 010190-1234.",
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    citizen_address = forms.CharField(label="Folkeregisteradresse", max_length=300, required=False)
    custody = forms.ChoiceField(label="Forældremyndighed (børn og unge)", choices=Custody.choices, required=False)
    paying_municipality = forms.ModelChoiceField(label="Betalingskommune", queryset=Organisation.objects.none(),
                                                 empty_label=None)
    services = ServiceChoiceField(label="Ydelser", queryset=None, widget=forms.CheckboxSelectMultiple,
                                  help_text="Basisydelsen er valgt; vælg tilvalgs- og tillægsydelser efter behov.")
    start_date = forms.DateField(label="Startdato", widget=DateInput())
    planned_end = forms.DateField(label="Planlagt slutdato", required=False, widget=DateInput(),
                                  help_text="Første dag uden plads; tom, hvis placeringen er uden slutdato.")
    contact_name = forms.CharField(label="Kontaktperson", max_length=200, required=False)
    contact_phone = forms.CharField(label="Telefon", max_length=30, required=False,
                                    widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    contact_email = forms.EmailField(label="E-mail", required=False)
    payment_agreement = forms.CharField(
        label="Individuel betalingsaftale", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kun ved køb uden for styringsaftalen (privat tilbud, eller betalingskommune uden for tilbuddets "
                  "region): hvad køber og sælger har aftalt om underskudsdeling, takst og afregning, eller aftalens "
                  "reference.")
    payment_agreement_follows_tariff_principles = forms.TypedChoiceField(
        label="Følger betalingsaftalen styringsaftalens takstprincipper?", required=False,
        choices=(("", "–"), ("true", "Ja"), ("false", "Nej")), coerce=lambda value: value == "true", empty_value=None)
    payer_justification = forms.CharField(
        label="Begrundelse til den kommune, der skal betale", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kun når en anden kommune skal betale: købet sendes da til den som en anmodning og gælder først, "
                  "når den accepterer (indtil da holdes ingen plads). Betalingskommunen ser begrundelsen, men intet om "
                  "borgeren: skriv ikke navn eller CPR-nummer.")
    reserve = forms.BooleanField(label="Reservér pladsen nu", required=False, initial=True,
                                 help_text="Uden flueben sendes en anmodning, som driftsherren bekræfter. Betaler en "
                                           "anden kommune, reserveres pladsen, når den accepterer.")

    def __init__(self, *args, offer: Offer, municipalities, own_municipality: Organisation | None, **kwargs):
        super().__init__(*args, **kwargs)
        services = offer.services.all()
        self.fields["services"].queryset = services
        self.fields["paying_municipality"].queryset = municipalities
        if not self.is_bound:
            self.initial.setdefault("services", [s.pk for s in services if s.kind == ServiceKind.BASIS])
            self.initial.setdefault("paying_municipality", own_municipality.pk if own_municipality else None)
            self.initial.setdefault("start_date", clock.today())
            self.initial.setdefault("reserve", True)


class HouseholdForm(DomainErrorForm):
    household_key = forms.CharField(
        label="Husstand", max_length=40, required=False,
        help_text="Samme nøgle på børn under 18 år i samme husstand: de lægges sammen som én sag i statsrefusionen "
                  "(serviceloven § 176). Ikke navn eller CPR-nummer; tom fjerner den.")


class ReasonForm(DomainErrorForm):
    reason = forms.CharField(label="Begrundelse", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ConsentAcceptForm(DomainErrorForm):
    note = forms.CharField(label="Bemærkning til handlekommunen (valgfri)", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ConsentDeclineForm(DomainErrorForm):
    reason = forms.CharField(label="Begrundelse for afvisningen", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Handlekommunens sagsbehandler ser begrundelsen.")


class CprRevealForm(DomainErrorForm):
    reason = forms.CharField(label="Hvorfor skal du se det fulde CPR-nummer?", max_length=500, required=False,
                             help_text="Visningen logges med dit navn, tidspunktet og begrundelsen.")


class ReserveForm(DomainErrorForm):
    over_occupancy_reason = forms.CharField(
        label="Begrundelse for overbelægning", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kun hvis tilbuddet er fuldt optaget i perioden: driftsherren registrerer overbelægningen.",
    )


class NoticeForm(DomainErrorForm):
    given_on = forms.DateField(label="Opsagt den", widget=DateInput())
    moved_out_on = forms.DateField(label="Fraflytning (første dag uden borgeren)", required=False, widget=DateInput(),
                                   help_text="Tom, hvis borgeren bliver boende i opsigelsesperioden.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("given_on", clock.today())


class MoveOutForm(DomainErrorForm):
    moved_out_on = forms.DateField(label="Fraflyttet (første dag uden borgeren)", widget=DateInput())


class EndDateForm(DomainErrorForm):
    end_date = forms.DateField(label="Slutdato (første dag uden plads og betaling)", widget=DateInput())
    reason = forms.CharField(label="Begrundelse", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    operator_agreement = forms.CharField(
        label="Driftsherrens accept (kun ved slutdato før opsigelsesvarslet)", max_length=300, required=False,
        help_text="Hvem hos driftsherren accepterede den tidligere slutdato, og hvornår.",
    )


class HoursForm(DomainErrorForm):
    placement_service = forms.ModelChoiceField(label="Ydelse", queryset=PlacementService.objects.none(),
                                               empty_label=None)
    day = forms.DateField(label="Dato", widget=DateInput())
    minutes = forms.IntegerField(label="Minutter", min_value=1, max_value=24 * 60)

    def __init__(self, *args, placement_services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["placement_service"].queryset = placement_services
        self.fields["placement_service"].label_from_instance = lambda ps: ps.service.name
        self.initial.setdefault("day", clock.today())

    def add_domain_error(self, error: DomainError) -> None:
        field = {"service": "placement_service"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message_da)
