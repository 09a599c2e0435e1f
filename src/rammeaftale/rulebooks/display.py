"""A rulebook as a flat list of parameters with Danish labels, Danish-formatted values and their basis."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rammeaftale.rulebooks.models import (
    CalendarEntry,
    MonthsByOfferType,
    Param,
    ReportPeriod,
    Rulebook,
    parameter_is_informational,
)
from rammeaftale.rulebooks.sources import document_sources
from rammeaftale.rulebooks.values import month_day_parse

ASSUMED_DA = "Antaget standard – ikke fastsat i rammeaftalen"

MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)

# Same codes and names as the registry's Category and OfferType choices (copied: no Django here).
CATEGORY_NAMES_DA = {
    "hoejt_specialiseret": "Højt specialiseret tilbud med regional betydning",
    "klynge": "Klyngetilbud",
    "lokal": "Lokalt tilbud",
    "landsdaekkende": "Lands- og landsdelsdækkende tilbud",
    "sikret": "Sikret afdeling",
}
OFFER_TYPE_NAMES_DA = {
    "residential": "Døgn- og botilbud",
    "day": "Dagtilbud",
    "outpatient": "Ambulant tilbud",
    "education": "Undervisningstilbud",
}
REPORT_TEXT_NAMES_DA = {
    "assessment": "Vurdering af, om afvigelsen medfører en efterregulering med betydning for taksten",
    "challenges": "Udfordringer med belægningen",
    "initiatives": "Igangsatte initiativer",
}
# Who must meet a calendar deadline, and which records show it met (rulebooks/models.py CalendarParty, -Record).
CALENDAR_PARTY_NAMES_DA = {
    "operators": "Driftsherrer (sælgere)",
    "municipalities": "Alle kommuner",
    "secretariat": "Sekretariatet",
}
CALENDAR_RECORD_NAMES_DA = {
    "agreement_next_year": "en indlæst rammeaftale, der dækker næste år",
    "tariffs_next_year": "næste års budgetter og godkendte takster pr. ydelse",
    "categories_next_year": "tilbuddenes kategori for næste år",
    "occupancy_report": "den indsendte belægningsindberetning",
    "takeover_notice": "meddelelsen om overtagelse (registreres endnu ikke)",
    "takeover": "overtagelsen af tilbuddet (registreres endnu ikke)",
    "expense_increase_explanations": "driftsherrens forklaring pr. indberettet takst",
    "expense_increase_discussion": "styregruppens status pr. indberettet takst",
}
CODE_NAMES_DA = {
    "thresholds": "Tærskelværdier",
    "manual": "Konkret vurdering",
    "percentage_points": "Procentpoint",
    "relative": "Relativ afvigelse",
    "average_two_previous_years": "Gennemsnit af de to foregående års faktiske belægning",
    "carry_over": "Overføres til næste års driftsramme",
    "reserve": "Overskud kan hensættes",
    "pl": "Højst pris- og lønfremskrivning (P/L)",
    "none": "Intet loft",
    "per_tariff": "Den enkelte takst (udgiften pr. dag i tilbuddet)",
    "total_expenses": "Kommunernes og regionens samlede udgifter, ikke den enkelte takst",
    "monthly": "Månedlig",
    "in_advance": "Forud",
    "in_arrears": "Bagud",
    "days": "Dage × døgntakst",
    "monthly_pro_rata": "Månedstakst (forholdsmæssigt for dele af en måned)",
    "interested_municipalities_or_population_share": (
        "Mellem interesserede brugerkommuner eller alle kommuner efter befolkningsandel"
    ),
    **CATEGORY_NAMES_DA,
    **OFFER_TYPE_NAMES_DA,
    **REPORT_TEXT_NAMES_DA,
}


@dataclass(frozen=True)
class ParameterSource:
    doc: str
    title: str
    kind: str
    section: str
    quote: str | None
    url: str | None
    file: str | None
    via: str | None
    via_title: str | None
    via_section: str | None


@dataclass(frozen=True)
class RulebookParameter:
    path: str
    section_label_da: str
    label_da: str
    value: Any  # JSON-safe, as in rulebook_to_data
    value_display: str
    source: ParameterSource | None
    assumed: str | None
    informational: bool = False  # only shown to users; no calculation or check reads it

    @property
    def anchor(self) -> str:
        return parameter_anchor(self.path)


def rulebook_parameters(rulebook: Rulebook) -> list[RulebookParameter]:
    """Every parameter of the rulebook in file order (the [rulebook] identity keys are not parameters)."""
    documents = document_sources()
    rows: list[RulebookParameter] = []
    for section_name, section_field in Rulebook.model_fields.items():
        section = getattr(rulebook, section_name)
        if section_name == "rulebook" or section is None:
            continue
        for name, field in type(section).model_fields.items():
            param = getattr(section, name)
            if param is None:
                continue
            rows.append(
                RulebookParameter(
                    path=f"{section_name}.{name}",
                    section_label_da=section_field.title or section_name,
                    label_da=field.title or name,
                    value=param.model_dump(mode="json")["value"],
                    value_display=value_display(name=name, value=param.value),
                    source=_source_of(param=param, documents=documents),
                    assumed=param.assumed,
                    informational=parameter_is_informational(section=section_name, name=name),
                )
            )
    return rows


def _source_of(*, param: Param, documents: dict) -> ParameterSource | None:
    if param.source is None:
        return None
    doc = documents[param.source.doc]
    via = documents[doc.via] if doc.via else None
    return ParameterSource(
        doc=doc.id,
        title=doc.title,
        kind=doc.kind,
        section=param.source.section,
        quote=param.source.quote,
        url=doc.url,
        file=doc.file,
        via=doc.via,
        via_title=via.title if via else None,
        via_section=doc.via_section,
    )


def number_da(value: Decimal | int) -> str:
    """Danish number: 2.000 and 2,5 (no trailing zeros beyond what the rule wrote)."""
    sign = "-" if value < 0 else ""
    text = format(abs(Decimal(value)), "f")
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def date_da(value: date) -> str:
    return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"


def month_day_da(value: str) -> str:
    month, day = month_day_parse(value)
    return f"{day}. {MONTHS_DA[month - 1]}"


def _count_da(name: str, value: int) -> str:
    if name.endswith("_months"):
        return f"{value} {'måned' if value == 1 else 'måneder'}"
    if name.endswith("_years"):
        return f"{value} år"
    if name.endswith("_offset"):
        return f"{value} år (år t+{value})"
    if name.startswith("due_days"):
        return f"{value} {'dag' if value == 1 else 'dage'}"
    if name.endswith("_municipalities"):
        return f"{value} {'kommune' if value == 1 else 'kommuner'}"
    return str(value)


def value_display(*, name: str, value: Any) -> str:
    """A parameter value as Danish text; `name` (the key) tells the unit: _pct, _kr, _months, _years, ..."""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, Decimal):
        if name.endswith("_kr"):
            return f"{number_da(value)} kr."
        return f"{number_da(value)} %" if "_pct" in name else number_da(value)
    if isinstance(value, int):
        return _count_da(name, value)
    if isinstance(value, date):
        return date_da(value)
    if isinstance(value, str):
        return CODE_NAMES_DA.get(value, value)
    if isinstance(value, CalendarEntry):
        day = month_day_da(value.month_day) if value.month_day else f"fristen i «{parameter_label(value.date_from)}»"
        return f"{CALENDAR_PARTY_NAMES_DA[value.party]}: {day} (vises af: {CALENDAR_RECORD_NAMES_DA[value.record]})"
    if isinstance(value, MonthsByOfferType):
        return "; ".join(
            f"{OFFER_TYPE_NAMES_DA[offer_type]}: {_count_da('_months', months)}"
            for offer_type, months in value.model_dump().items()
        )
    if isinstance(value, tuple):
        if not value:
            return "Ingen"
        if all(isinstance(item, ReportPeriod) for item in value):
            return "; ".join(f"{item.name}: frist {month_day_da(item.deadline)}" for item in value)
        if all(isinstance(item, Decimal) for item in value):
            return " – ".join(value_display(name=name, value=item) for item in value)
        return ", ".join(value_display(name=name, value=item) for item in value)
    return str(value)


def source_text(param: Param) -> str:
    """A parameter's basis in one Danish line: the agreement's title, section and words, or, for a value no seed gives,
    «Antaget standard – ikke fastsat i rammeaftalen» with why."""
    if param.source is None:
        return f"{ASSUMED_DA} ({param.assumed})"
    quote = f": »{param.source.quote}«" if param.source.quote else ""
    return f"{source_reference(param)}{quote}"


def source_reference(param: Param) -> str:
    """Where a parameter stands, short: the document's title and section («Rammeaftale 2019–2020, Syddanmark, afsnit
    5.2»), or «Antaget standard – ikke fastsat i rammeaftalen» for a value no source gives. The words a link to the
    rule carries (`{% rule_source %}`)."""
    if param.source is None:
        return ASSUMED_DA
    return f"{document_sources()[param.source.doc].title}, {param.source.section}"


def parameter_anchor(path: str) -> str:
    """The id of a parameter's row on the agreement page: «regel-» and the path with its dot as a dash
    ("occupancy.deviation_threshold_pct" → "regel-occupancy-deviation_threshold_pct"), so a page links to the rule as
    `/rammeaftaler/<id>/#regel-occupancy-deviation_threshold_pct`. As stable as the path (a stored rulebook's paths
    never change; docs/architecture.md, "Which rule, with a link")."""
    return "regel-" + path.replace(".", "-")


def parameter_at(rulebook: Rulebook, path: str) -> Param | None:
    """The parameter at "section.name" in a rulebook, or None where this rulebook (or its version of the format)
    has no such section or parameter."""
    section_name, _, name = path.partition(".")
    if section_name == "rulebook" or section_name not in Rulebook.model_fields:
        return None
    section = getattr(rulebook, section_name)
    param = getattr(section, name, None) if section is not None else None
    return param if isinstance(param, Param) else None


def parameter_label(path: str) -> str:
    """A parameter's Danish name from its path ("tariffs.approval_deadline" → "Takster: Frist for …"): what a page
    shows instead of the key."""
    section_name, _, name = path.partition(".")
    section_field = Rulebook.model_fields.get(section_name)
    if section_field is None:
        return path
    section_type = section_field.annotation
    options = getattr(section_type, "__args__", (section_type,))
    model = next((option for option in options if hasattr(option, "model_fields")), None)
    field = model.model_fields.get(name) if model is not None else None
    if field is None:
        return section_field.title or path
    return f"{section_field.title}: {(field.title or name)[:1].lower()}{(field.title or name)[1:]}"
