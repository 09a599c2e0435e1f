"""The audit trail in plain Danish: each event type's name, each changed field's label and each value as a person
reads it (a status by its label, a date as 06.12.2026, a time in Danish local time), never the stored keys.

The stored event keeps its codes (`placement.cpr_read`, `{"status": "draft"}`); only the display translates them, so
the trail stays exact and searchable. Field labels and status labels come from the model the event is about
(`object_type`), so a new field is named the way its form names it."""
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

EVENT_LABELS: dict[str, str] = {
    "account_mapping.default_loaded": "Standardkontering indlæst",
    "account_mapping.set": "Kontering ændret",
    "admin.user.password_changed": "Adgangskode ændret i administrationen",
    "agreement.created": "Rammeaftale oprettet",
    "agreement.rulebook_changed": "Rammeaftalens regelbog ændret",
    "agreement_document.issued": "Bilag til Styringsaftalen dannet",
    "calendar.reminders_sent": "Påmindelser om frister sendt",
    "calendar_feed.regenerated": "Kalenderadresse lavet",
    "calendar_feed.revoked": "Kalenderadresse slettet",
    "consultation.answered": "Svar på afsøgning før enkeltmandstilbud",
    "consultation.closed": "Afsøgning før enkeltmandstilbud afsluttet",
    "consultation.posted": "Afsøgning før enkeltmandstilbud sendt",
    "database.backed_up": "Sikkerhedskopi taget",
    "database.restored": "Sikkerhedskopi indlæst",
    "demand_expectation.set": "Forventet behov angivet",
    "demo.built": "Demodata bygget",
    "demo.placements_built": "Demoplaceringer bygget",
    "economy.guarantee_decided": "Underskudsgaranti for et driftsår fastsat",
    "economy.new_places_created": "Nye pladser oprettet under økonomimodellen",
    "expense_increase.status_set": "Styregruppens status for en udgiftsstigning",
    "export.cleaned": "Gamle eksporter slettet",
    "export.requested": "Eksport bestilt",
    "export.done": "Eksport færdig",
    "export.failed": "Eksport mislykkedes",
    "lifecycle.commented": "Høringssvar til ændring af tilbud",
    "lifecycle.decided": "Ændring af tilbud besluttet",
    "lifecycle.proposed": "Ændring af tilbud foreslået",
    "lifecycle.takeover_applied": "Overtagelse af tilbud trådt i kraft",
    "login.failed": "Mislykket login",
    "login.locked_out": "Brugernavn spærret efter for mange forsøg",
    "login.refused": "Login afvist (spærret)",
    "login.unlocked": "Spærring ophævet",
    "notification.read": "Besked læst",
    "occupancy.actual_set": "Faktisk belægning registreret",
    "occupancy_report.drafted": "Belægningsindberetning gemt som kladde",
    "occupancy_report.line_explained": "Afvigelse i belægningen forklaret",
    "occupancy_report.submitted": "Belægningsindberetning indsendt",
    "offer.capacity_set": "Kapacitet ændret",
    "offer.category_set": "Kategori fastsat",
    "offer.created": "Tilbud oprettet",
    "offer.updated": "Tilbud ændret",
    "offers.imported": "Tilbud importeret",
    "organisation.created": "Organisation oprettet",
    "payment_account.set": "Bankkonto ændret",
    "placement.activated": "Placering aktiveret",
    "placement.cancelled": "Placering annulleret",
    "placement.cpr_read": "Fuldt CPR-nummer vist",
    "placement.end_date_set": "Slutdato ændret",
    "placement.ended": "Placering afsluttet",
    "placement.hold_released": "Reservation frigivet",
    "placement.hours_registered": "Timer registreret",
    "placement.household_set": "Husstand angivet (SEL § 176)",
    "placement.moved_out": "Borgeren er flyttet",
    "placement.notice_given": "Placering opsagt",
    "placement.payer_accepted": "Betalingskommunen har accepteret",
    "placement.payer_consent_requested": "Betalingskommunens accept anmodet",
    "placement.payer_declined": "Betalingskommunen har afvist",
    "placement.public_vacancies_checked": "Offentlige pladser afsøgt før privat køb",
    "placement.requested": "Plads anmodet",
    "placement.reserved": "Plads reserveret",
    "population.loaded": "Befolkningstal indlæst",
    "price_index.set": "P/L-sats angivet",
    "reference.loaded": "Referencedata indlæst",
    "refusion.thresholds_entered": "Refusionstærskler indtastet",
    "rulebook.loaded": "Regelbog indlæst",
    "service.created": "Ydelse oprettet",
    "settlement.issued": "Månedens fakturaer udstedt",
    "tariff.calculated": "Takst beregnet",
    "tariff.changed_mid_year": "Takst ændret i løbet af året",
    "tariff.explained": "Forklaring på takststigning",
    "tariff.occupancy_approved": "Budgetteret belægning godkendt",
    "tariff.provisional_set": "Foreløbige takster dannet",
    "tariff.reserve_used": "Hensættelse brugt",
    "tariff.true_up_recorded": "Efterregulering registreret",
    "tariff_budget.saved": "Budget gemt",
    "user.changed": "Bruger ændret",
    "user.created": "Bruger oprettet",
    "user.deactivated": "Bruger deaktiveret",
    "user.password_changed": "Adgangskode skiftet",
    "user.password_reset": "Adgangskode nulstillet",
    "user.reactivated": "Bruger genaktiveret",
    "user.roles_changed": "Roller ændret",
    "vacancy.confirmed": "Ledige pladser bekræftet",
    "vacancy_request.answered": "Forespørgsel besvaret",
    "vacancy_request.expired": "Forespørgsel udløbet",
    "vacancy_request.reserved": "Plads reserveret efter forespørgsel",
    "vacancy_request.sent": "Forespørgsel om plads sendt",
}
ADMIN_ACTIONS = {"add": "oprettet", "change": "ændret", "delete": "slettet"}
KEY_LABELS = {  # keys of the before/after that are not a field of the object
    "channel": "kanal", "total_ore": "i alt (øre)", "invoices": "fakturaer", "credit_notes": "kreditnotaer",
    "year": "år", "month": "måned", "rulebook": "regelbog", "reason": "begrundelse", "count": "antal",
    "offer": "tilbud", "notified": "underrettede organisationer", "decision_reference": "beslutning",
    "effective_date": "virkning fra", "kind": "type", "places": "pladser", "roles": "roller",
    "username": "brugernavn", "ip": "adresse", "attempts": "forsøg",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DEFAULT_REPR = re.compile(r"^\w+ object \((\d+)\)$")


def event_label(event_type: str) -> str:
    """The event type's Danish name; an unknown code is shown as «Hændelse» with nothing technical."""
    if event_type in EVENT_LABELS:
        return EVENT_LABELS[event_type]
    parts = event_type.split(".")
    if len(parts) == 3 and parts[0] == "admin":
        model = _model(parts[1]) or None
        noun = model._meta.verbose_name.capitalize() if model else "Post"
        return f"{noun} {ADMIN_ACTIONS.get(parts[2], 'ændret')} i administrationen"
    return "Hændelse"


def _model(object_type: str):
    """The model an event is about: `object_type` is its label ("placements.placement"), or a bare model name."""
    try:
        if "." in object_type:
            return apps.get_model(object_type)
        return next((model for model in apps.get_models() if model._meta.model_name == object_type), None)
    except LookupError:
        return None


def object_label(object_type: str, object_repr: str, object_id: str) -> str:
    """What the event is about, as a person names it: the object's own text, or its kind and number where it has
    none ("Belægningsindberetningslinje 527", not "OccupancyReportLine object (527)")."""
    model = _model(object_type) if object_type else None
    if object_repr and not DEFAULT_REPR.match(object_repr):
        return object_repr
    if model is not None:
        return f"{model._meta.verbose_name.capitalize()} {object_id}".strip()
    return object_repr or "–"


def object_kind(object_type: str) -> str:
    model = _model(object_type) if object_type else None
    return model._meta.verbose_name.capitalize() if model is not None else ""


@cache
def _fields_by_name() -> dict[str, object]:
    """Every concrete field of the project's models by name (the first with choices wins): a key of a snapshot of
    another model than the event's object (a category record under its offer) is still named and its codes read."""
    found: dict[str, object] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("rammeaftale."):
            continue
        for field in model._meta.concrete_fields:
            if field.name not in found or (field.choices and not getattr(found[field.name], "choices", None)):
                found[field.name] = field
    return found


def _field(model, key: str):
    if model is not None:
        try:
            return model._meta.get_field(key)
        except FieldDoesNotExist:
            pass
    return _fields_by_name().get(key)


def technical_key(key: str) -> bool:
    """Keys a person has no use for: the row's own id and the ids of what it points to (named elsewhere)."""
    return key == "id" or key.endswith("_id")


def key_label(object_type: str, key: str) -> str:
    field = _field(_model(object_type) if object_type else None, key)
    label = getattr(field, "verbose_name", None) if field is not None else None
    return str(label or KEY_LABELS.get(key) or key.replace("_", " ")).capitalize()


def _scalar(value, field) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, str):
        choices = dict(getattr(field, "choices", None) or []) if field is not None else {}
        if value in choices:
            return str(choices[value])
        if "→" in value:  # an old event's "draft→submitted"
            return " → ".join(_scalar(part.strip(), field) for part in value.split("→"))
        if ISO_DATE.match(value):
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        if ISO_TIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%d.%m.%Y %H:%M")
        return value
    if isinstance(value, int):  # a year stays 2026; an amount gets thousands dots
        return f"{value:,}".replace(",", ".") if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def value_text(object_type: str, key: str, value) -> str:
    """A before/after value in one line, in Danish: «–» for nothing, lists joined, objects as «felt: værdi»."""
    if value is None or value == "" or value == []:
        return "–"
    field = _field(_model(object_type) if object_type else None, key)
    if isinstance(value, list):
        return ", ".join(value_text(object_type, key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{KEY_LABELS.get(k, k.replace('_', ' '))}: {value_text('', k, v)}" for k, v in value.items())
    return _scalar(value, field)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str
