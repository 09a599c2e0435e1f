"""Forms for the tariff pages: numbers typed the Danish way, one budget form per service, P/L, approvals.

The forms only parse; the rules (what may be negative, the bounds, who may) are the services'. A service's
DomainError names its field (`lines[1].places`), and `budget_error_place` finds the form and field to show it at.
"""
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from rammeaftale.tariffs.services import ServiceBudgetInput

NUMBER_HINT = "Skriv et tal, fx 1.234.567,50 eller 97,5."
THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def danish_decimal(text: str) -> Decimal:
    """«1.234.567,50», «1234567,5», «97.5» or «-370.000» → Decimal; a ValueError with a Danish message otherwise."""
    value = text.strip().replace(" ", "").replace("\u00a0", "").replace("kr.", "").replace("%", "")
    value = value.replace("−", "-")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif THOUSANDS.match(value):
        value = value.replace(".", "")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(NUMBER_HINT) from None
    if not number.is_finite():
        raise ValueError(NUMBER_HINT)
    return number


def number_da(value) -> str:
    """A Decimal or int for an input field, the Danish way (decimal comma, no thousands separator)."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class DanishDecimalField(forms.Field):
    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, max_abs: Decimal = Decimal("1e12"), **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_abs = max_abs

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            number = danish_decimal(str(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if abs(number) > self.max_abs:
            raise ValidationError("Tallet er for stort.", code="too_large")
        return number.quantize(Decimal("0.01")) if number.as_tuple().exponent < -2 else number

    def prepare_value(self, value):
        return number_da(value) if isinstance(value, (Decimal, int)) else value


class WholeNumberField(DanishDecimalField):
    def to_python(self, value):
        number = super().to_python(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValidationError("Skriv et helt tal.", code="whole")
        return int(number)


# One budget form per service; the field names are the service input's (ServiceBudgetInput).
KR_FIELDS = (
    ("salaries_kr", "Lønninger (kr.)"),
    ("property_kr", "Ejendomsudgifter (kr.)"),
    ("other_direct_kr", "Øvrige direkte omkostninger (kr.)"),
    ("depreciation_kr", "Afskrivninger (kr.)"),
    ("capital_book_value_kr", "Bogført værdi af kapital (kr.)"),
    ("pension_kr", "Tjenestemandspension (kr.)"),
    ("other_income_kr", "Indtægter, der ikke er takstindtægter (kr.)"),
)
STORED_ORE = {name: name.replace("_kr", "_ore") for name, _ in KR_FIELDS}


class ServiceBudgetForm(forms.Form):
    salaries_kr = DanishDecimalField(label="Lønninger (kr.)")
    property_kr = DanishDecimalField(label="Ejendomsudgifter (kr.)")
    other_direct_kr = DanishDecimalField(label="Øvrige direkte omkostninger (kr.)")
    overhead_kr = DanishDecimalField(label="Overhead som beløb (kr.)", help_text="Eller som procent; ikke begge.")
    overhead_pct = DanishDecimalField(label="Overhead i % af direkte omkostninger")
    depreciation_kr = DanishDecimalField(label="Afskrivninger (kr.)")
    capital_book_value_kr = DanishDecimalField(label="Bogført værdi af kapital (kr.)")
    interest_rate_pct = DanishDecimalField(label="Rentesats (%)")
    pension_kr = DanishDecimalField(label="Tjenestemandspension (kr.)")
    other_income_kr = DanishDecimalField(label="Indtægter, der ikke er takstindtægter (kr.)")
    true_up_kr = DanishDecimalField(label="Efterregulering fra år t−2 (kr.)",
                                    help_text="Tom: den registrerede efterregulering, ellers 0. Minus er et overskud.")
    places = WholeNumberField(label="Pladser", help_text="Tom: kapaciteten 1. januar.")
    budgeted_occupancy_pct = DanishDecimalField(label="Budgetteret belægning (%)",
                                                help_text="Tom: gennemsnittet af de to foregående års faktiske belægning.")
    budgeted_hours = DanishDecimalField(label="Budgetterede borgerrettede timer")

    COST_FIELDS = ("salaries_kr", "property_kr", "other_direct_kr", "overhead_kr", "overhead_pct", "depreciation_kr",
                   "capital_book_value_kr", "interest_rate_pct", "pension_kr", "other_income_kr", "true_up_kr")

    def __init__(self, *args, service, **kwargs):
        self.service = service
        super().__init__(*args, prefix=f"s{service.pk}", **kwargs)
        if service.unit == "hour":
            del self.fields["budgeted_occupancy_pct"]
            self.fields["budgeted_hours"].required = True
        else:
            del self.fields["budgeted_hours"]

    @classmethod
    def initial_from(cls, line) -> dict:
        """A saved ServiceBudget as the form's initial values, in kroner."""
        if line is None:
            return {}
        initial = {name: Decimal(getattr(line, ore)) / 100 for name, ore in STORED_ORE.items()}
        initial.update(
            overhead_kr=None if line.overhead_ore is None else Decimal(line.overhead_ore) / 100,
            overhead_pct=line.overhead_pct, interest_rate_pct=line.interest_rate_pct,
            true_up_kr=Decimal(line.true_up_ore) / 100, places=line.places,
            budgeted_occupancy_pct=None if line.occupancy_from_actuals else line.budgeted_occupancy_pct,
            budgeted_hours=line.budgeted_hours,
        )
        return initial

    def cost_fields(self):
        return [self[name] for name in self.COST_FIELDS]

    def denominator_fields(self):
        names = ["places", "budgeted_hours" if self.service.unit == "hour" else "budgeted_occupancy_pct"]
        return [self[name] for name in names]

    def to_input(self) -> ServiceBudgetInput:
        data = self.cleaned_data
        zero = Decimal(0)
        return ServiceBudgetInput(
            service=self.service, salaries_kr=data["salaries_kr"] or zero, property_kr=data["property_kr"] or zero,
            other_direct_kr=data["other_direct_kr"] or zero, overhead_kr=data["overhead_kr"],
            overhead_pct=data["overhead_pct"], depreciation_kr=data["depreciation_kr"] or zero,
            capital_book_value_kr=data["capital_book_value_kr"] or zero,
            interest_rate_pct=data["interest_rate_pct"] or zero, pension_kr=data["pension_kr"] or zero,
            other_income_kr=data["other_income_kr"] or zero, true_up_kr=data["true_up_kr"], places=data["places"],
            budgeted_occupancy_pct=data.get("budgeted_occupancy_pct"), budgeted_hours=data.get("budgeted_hours"),
        )


LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")


def budget_error_place(field_path: str, forms_in_order: list[ServiceBudgetForm]) -> tuple[ServiceBudgetForm | None,
                                                                                           str | None]:
    """The form and field a service's error belongs to («lines[1].places»); (None, None) for the whole budget."""
    match = LINE_FIELD.match(field_path or "")
    if match is None:
        return None, None
    index, name = int(match.group(1)), match.group(2)
    if index >= len(forms_in_order):
        return None, None
    form = forms_in_order[index]
    return form, name if name in form.fields else None


class OccupancyApprovalForm(forms.Form):
    reason = forms.CharField(label="Begrundelse", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    approved_by = forms.CharField(label="Godkendt af", max_length=200, required=False)
    approved_on = forms.DateField(label="Godkendt den", widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": "Angiv datoen for godkendelsen.",
                                                  "invalid": "Skriv datoen som åååå-mm-dd."})


class PriceIndexForm(forms.Form):
    year = WholeNumberField(label="År", required=True, error_messages={"required": "Angiv året."})
    rate_pct = DanishDecimalField(label="P/L (%)", required=True, error_messages={"required": "Angiv P/L i procent."})
    source = forms.CharField(label="Kilde", max_length=300, required=False,
                             help_text="Fx «KL: Pris- og lønskøn, juni 2026».")
    source_url = forms.URLField(label="Kildeadresse", required=False, assume_scheme="https",
                                error_messages={"invalid": "Skriv en hel adresse, fx https://www.kl.dk/…"})

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not 2000 <= year <= 2100:
            raise ValidationError("Året skal ligge mellem 2000 og 2100.")
        return year


class ExplanationForm(forms.Form):
    text = forms.CharField(label="Forklaring på stigningen", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False, max_length=4000)
