"""Typed, validated rulebook: every parameter a value with its source or the reason it is assumed."""

from calendar import isleap
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from rammeaftale.rulebooks.sources import document_sources
from rammeaftale.rulebooks.values import (
    CategoryCode,
    Count,
    Flag,
    FractionText,
    Identifier,
    IsoDate,
    Kroner,
    MonthDay,
    OfferTypeCode,
    Percent,
    PositiveCount,
    RegionCode,
    ReportTextCode,
    Text,
    Year,
    month_day_parse,
    rule_error,
)

T = TypeVar("T")

# A parameter that is only shown to users (the agreement's rulebook page, the API): no code decides anything by it.
# tests/unit/test_rulebook_usage.py fails for a parameter that no code reads unless it is marked so, and for one
# that is marked so but read. Mark with `Field(..., json_schema_extra=INFORMATIONAL)`.
INFORMATIONAL = {"informational": True}


def _known_document(value: str) -> str:
    if value not in document_sources():
        raise rule_error(
            key=None,
            problem=(
                f"ukendt dokument-id '{value}'; dokumenterne står i rulebooks/data/sources.toml "
                "(unknown document id)"
            ),
        )
    return value


DocumentId = Annotated[Identifier, AfterValidator(_known_document)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Frozen):
    """Where a parameter's value is stated: a document in sources.toml, its section, maybe a short quote."""

    doc: DocumentId
    section: Text
    quote: Text | None = None


class Param(_Frozen, Generic[T]):
    """A rule's value and its basis: exactly one of `source` (a fact) or `assumed` (why we assume it)."""

    value: T
    source: Source | None = None
    assumed: Text | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> "Param[T]":
        if self.source is not None and self.assumed is not None:
            raise rule_error(
                key=None,
                problem=(
                    "både source og assumed er angivet; angiv præcis én af dem "
                    "(give exactly one of source or assumed)"
                ),
            )
        if self.source is None and self.assumed is None:
            raise rule_error(
                key=None,
                problem=(
                    "hverken source eller assumed er angivet; en parameter skal have præcis én af dem "
                    "(a parameter needs exactly one of source or assumed)"
                ),
            )
        return self

    @property
    def is_assumed(self) -> bool:
        return self.assumed is not None


def _unique(values: tuple, *, key: str) -> None:
    if len(set(values)) != len(values):
        raise rule_error(key=key, problem="listen indeholder den samme kode to gange (duplicate entries)")


class ReportPeriod(_Frozen):
    """One occupancy report: the part of the year it covers and the deadline (month-days, every year)."""

    name: Text
    period_start: MonthDay
    period_end: MonthDay
    deadline: MonthDay

    @model_validator(mode="after")
    def _ordered(self) -> "ReportPeriod":
        if month_day_parse(self.period_start) > month_day_parse(self.period_end):
            raise rule_error(
                key="period_end",
                problem=(
                    f"period_end {self.period_end} ligger før period_start {self.period_start} "
                    "(period ends before it starts)"
                ),
            )
        return self

    def period_for(self, year: int) -> tuple[date, date]:
        """The covered days of `year` as a half-open range [start, end)."""
        start = date(year, *month_day_parse(self.period_start))
        end = date(year, *month_day_parse(self.period_end)) + timedelta(days=1)
        return start, end

    def deadline_for(self, year: int) -> date:
        """The deadline of the report on `year`: that year, or the next if it comes before the period ends."""
        deadline = month_day_parse(self.deadline)
        return date(year if deadline > month_day_parse(self.period_end) else year + 1, *deadline)


class MonthsByOfferType(_Frozen):
    residential: Count
    day: Count
    outpatient: Count
    education: Count


class RulebookMeta(_Frozen):
    """Which agreement this is; identity, not rules, so these keys are plain values."""

    id: Identifier = Field(title="Regelbogens nøgle")
    version: PositiveCount = Field(title="Version")
    name: Text = Field(title="Navn")
    region_code: RegionCode = Field(title="Regionskode")
    year_from: Year = Field(title="Fra år")
    year_to: Year = Field(title="Til år")
    document: DocumentId = Field(title="Aftaledokument")
    municipalities: PositiveCount = Field(title="Antal kommuner")

    @model_validator(mode="after")
    def _years(self) -> "RulebookMeta":
        if self.year_from > self.year_to:
            raise rule_error(
                key="year_to",
                problem=(
                    f"year_to {self.year_to} ligger før year_from {self.year_from} (year_to before year_from)"
                ),
            )
        return self


class Categorisation(_Frozen):
    method: Param[Literal["thresholds", "manual"]] = Field(title="Metode for kategorisering")
    high_min_daily_tariff_kr: Param[Kroner] | None = Field(
        default=None, title="Højt specialiseret: mindste døgntakst (kr.)"
    )
    high_min_other_buying_municipalities: Param[Count] | None = Field(
        default=None, title="Højt specialiseret: mindste antal andre købende kommuner"
    )
    high_min_share_places_sold_pct: Param[Percent] | None = Field(
        default=None, title="Højt specialiseret: mindste andel pladser solgt til andre kommuner (%)"
    )
    categories: Param[tuple[CategoryCode, ...]] = Field(title="Kategorier i aftalen")
    locked_for_year: Param[Flag] = Field(title="Kategorien ligger fast hele året")

    @model_validator(mode="after")
    def _thresholds(self) -> "Categorisation":
        thresholds = {
            "high_min_daily_tariff_kr": self.high_min_daily_tariff_kr,
            "high_min_other_buying_municipalities": self.high_min_other_buying_municipalities,
            "high_min_share_places_sold_pct": self.high_min_share_places_sold_pct,
        }
        if self.method.value == "thresholds":
            for name, param in thresholds.items():
                if param is None:
                    raise rule_error(
                        key=name,
                        problem=(
                            'mangler: method "thresholds" kræver alle tre tærskler '
                            "(method thresholds needs all three)"
                        ),
                    )
        else:
            for name, param in thresholds.items():
                if param is not None:
                    raise rule_error(
                        key=name,
                        problem=(
                            'tærskler bruges kun når method er "thresholds" '
                            "(thresholds only apply to method thresholds)"
                        ),
                    )
        if not self.categories.value:
            raise rule_error(key="categories.value", problem="mindst én kategori (at least one category)")
        _unique(self.categories.value, key="categories.value")
        return self


class Occupancy(_Frozen):
    deviation_threshold_pct: Param[Percent] = Field(title="Afvigelsestærskel for belægning (%)")
    deviation_mode: Param[Literal["percentage_points", "relative"]] = Field(title="Måling af afvigelsen")
    report_categories: Param[tuple[CategoryCode, ...]] = Field(title="Kategorier der indberetter belægning")
    reports: Param[tuple[ReportPeriod, ...]] = Field(title="Indberetning af belægning")
    report_texts: Param[tuple[ReportTextCode, ...]] = Field(title="Oplysninger om tilbud over afvigelsestærsklen")

    @model_validator(mode="after")
    def _distinct(self) -> "Occupancy":
        _unique(self.report_categories.value, key="report_categories.value")
        _unique(self.report_texts.value, key="report_texts.value")
        _unique(tuple(report.name for report in self.reports.value), key="reports.value")
        return self


class BudgetedOccupancy(_Frozen):
    method: Param[Literal["average_two_previous_years"]] = Field(title="Grundlag for budgetteret belægning")
    min_pct: Param[Percent] = Field(title="Laveste budgetterede belægningsprocent")
    max_pct: Param[Percent] = Field(title="Højeste budgetterede belægningsprocent")
    recommended_max_pct: Param[Percent] = Field(title="Anbefalet højeste belægningsprocent")
    short_stay_min_pct: Param[Percent] = Field(
        title="Laveste belægningsprocent ved korte forløb, akut- og aflastningstilbud"
    )
    deviation_needs_approval: Param[Flag] = Field(title="Afvigelse kræver godkendelse i styregruppen")

    @model_validator(mode="after")
    def _ordered(self) -> "BudgetedOccupancy":
        chain = [
            ("short_stay_min_pct", self.short_stay_min_pct),
            ("min_pct", self.min_pct),
            ("recommended_max_pct", self.recommended_max_pct),
            ("max_pct", self.max_pct),
        ]
        for (low_name, low), (high_name, high) in pairwise(chain):
            if low.value > high.value:
                raise rule_error(
                    key=low_name,
                    problem=(
                        f"{low_name} ({low.value}) må ikke være større end {high_name} ({high.value}) "
                        f"({low_name} must not exceed {high_name})"
                    ),
                )
        return self


class TrueUp(_Frozen):
    mode: Param[Literal["carry_over", "reserve"]] = Field(title="Håndtering af over- og underskud")
    limit_pct: Param[Percent] = Field(title="Grænse for overførsel eller hensættelse (%)")
    enters_tariff_year_offset: Param[PositiveCount] = Field(title="Resten indgår i taksten efter")
    reserve_use_within_years: Param[PositiveCount] | None = Field(
        default=None, title="Hensat overskud skal bruges inden for"
    )

    @model_validator(mode="after")
    def _reserve(self) -> "TrueUp":
        if self.mode.value == "reserve" and self.reserve_use_within_years is None:
            raise rule_error(
                key="reserve_use_within_years",
                problem=('mangler: mode "reserve" kræver reserve_use_within_years (reserve mode needs it)'),
            )
        if self.mode.value != "reserve" and self.reserve_use_within_years is not None:
            raise rule_error(
                key="reserve_use_within_years",
                problem=('bruges kun når mode er "reserve" (only for reserve mode)'),
            )
        return self


class Tariffs(_Frozen):
    growth_cap: Param[Literal["pl", "none"]] = Field(title="Loft for takststigning")
    growth_cap_applies_to: Param[Literal["per_tariff", "total_expenses"]] | None = Field(
        default=None, title="Pris- og lønloftet gælder"
    )
    growth_cap_base_year: Param[Year] | None = Field(default=None, title="Basisår for pris- og lønloftet")
    growth_deviation_needs_explanation: Param[Flag] = Field(title="Stigning over loftet skal forklares")
    overhead_norm_pct: Param[Percent] | None = Field(
        default=None, title="Mål for overheadprocent (gennemsnit)"
    )
    monthly_conversion: Param[FractionText] = Field(title="Omregning fra døgntakst til månedstakst (dage)")
    monthly_conversion_leap_year: Param[FractionText] = Field(
        title="Omregning fra døgntakst til månedstakst i skudår (dage)"
    )
    basis_service_split_from: Param[IsoDate] | None = Field(
        default=None, title="Takst delt i basistakst og ydelsestakst fra", json_schema_extra=INFORMATIONAL
    )
    expense_increase_report_pct: Param[Percent] | None = Field(
        default=None, title="Udgiftsstigning der skal indberettes (over %)"
    )
    expense_increase_report_offer_types: Param[tuple[OfferTypeCode, ...]] | None = Field(
        default=None, title="Tilbudstyper med indberetning af udgiftsstigning"
    )
    open_tariff_list_required: Param[Flag] = Field(title="Afregning kun efter åben takstoversigt")
    approval_deadline: Param[MonthDay] = Field(
        title="Næste års takster godkendt senest (dag i året før)"
    )

    @model_validator(mode="after")
    def _pairs(self) -> "Tariffs":
        if self.growth_cap.value == "pl" and self.growth_cap_applies_to is None:
            raise rule_error(
                key="growth_cap_applies_to",
                problem=(
                    'mangler: growth_cap "pl" kræver growth_cap_applies_to (per_tariff eller total_expenses) '
                    "(growth_cap pl needs it)"
                ),
            )
        if self.growth_cap.value != "pl" and self.growth_cap_applies_to is not None:
            raise rule_error(
                key="growth_cap_applies_to",
                problem=('bruges kun når growth_cap er "pl" (only with growth_cap pl)'),
            )
        if self.growth_cap_base_year is not None and self.growth_cap.value != "pl":
            raise rule_error(
                key="growth_cap_base_year",
                problem=('bruges kun når growth_cap er "pl" (only with growth_cap pl)'),
            )
        report_pct, report_types = self.expense_increase_report_pct, self.expense_increase_report_offer_types
        if (report_pct is None) != (report_types is None):
            missing = (
                "expense_increase_report_offer_types"
                if report_types is None
                else "expense_increase_report_pct"
            )
            raise rule_error(
                key=missing,
                problem=(
                    "mangler: expense_increase_report_pct og expense_increase_report_offer_types "
                    "angives sammen "
                    "(both or neither)"
                ),
            )
        if report_types is not None:
            if not report_types.value:
                raise rule_error(
                    key="expense_increase_report_offer_types.value",
                    problem="mindst én tilbudstype (at least one offer type)",
                )
            _unique(report_types.value, key="expense_increase_report_offer_types.value")
        return self


class Notice(_Frozen):
    running_month: Param[Flag] = Field(title="Varslet løber fra udgangen af den løbende måned")
    months_by_offer_type: Param[MonthsByOfferType] = Field(title="Opsigelsesvarsel pr. tilbudstype")
    full_tariff_during_notice: Param[Flag] = Field(title="Fuld takst i opsigelsesperioden")


class Payment(_Frozen):
    invoicing: Param[Literal["monthly"]] = Field(title="Fakturering")
    timing: Param[Literal["in_advance", "in_arrears"]] = Field(title="Betaling forud eller bagud")
    billing_basis: Param[Literal["days", "monthly_pro_rata"]] = Field(
        title="Afregning af døgn- og månedsydelser",
    )
    due_days_max: Param[PositiveCount] = Field(title="Længste betalingsfrist")
    claim_limit_months: Param[PositiveCount] = Field(title="Krav skal fremsættes senest efter ydelsen")


class NewPlacesModel(_Frozen):
    """Hovedstaden's economic model for new places: the deficit guarantee's steps and maximum steer
    `engine/guarantee.py` (`rammeaftale economy guarantee`); the start-up subscription's years limit what an
    arrangement may charge (economy/new_places.py); sharing allows both of its ways (the interested municipalities,
    or all of the region's), each by population."""

    startup_subscription_max_years: Param[PositiveCount] = Field(title="Abonnementsordning i opstart, højst (år)")
    deficit_guarantee_max_pct: Param[Percent] = Field(title="Højeste underskudsdækning/garanti (%)")
    guarantee_steps_pct: Param[tuple[Percent, ...]] = Field(title="Årlig aftrapning af garantien (%)")
    sharing: Param[Literal["interested_municipalities_or_population_share"]] = Field(
        title="Deling af underskudsdækningen", json_schema_extra=INFORMATIONAL
    )

    @model_validator(mode="after")
    def _steps(self) -> "NewPlacesModel":
        steps = self.guarantee_steps_pct.value
        if not steps:
            raise rule_error(key="guarantee_steps_pct.value", problem="mindst ét trin (at least one step)")
        if steps[0] > self.deficit_guarantee_max_pct.value:
            raise rule_error(
                key="guarantee_steps_pct.value",
                problem=(
                    f"første trin {steps[0]} er over deficit_guarantee_max_pct "
                    f"{self.deficit_guarantee_max_pct.value} "
                    "(first step above the maximum)"
                ),
            )
        if any(later > earlier for earlier, later in pairwise(steps)):
            raise rule_error(
                key="guarantee_steps_pct.value",
                problem=("trinene skal falde eller være lige store (steps must not increase)"),
            )
        return self


class Exchange(_Frozen):
    """The vacancy exchange (issue 13): how long an operator's confirmation of free places is trusted, and the
    bounds of a request (forespørgsel) sent to several offers at once."""

    confirmation_valid_days: Param[PositiveCount] = Field(title="Bekræftet ledighed gælder i (dage)")
    request_max_offers: Param[PositiveCount] = Field(title="Højst antal tilbud i én forespørgsel")
    request_answer_days: Param[PositiveCount] = Field(title="Svarfrist for en forespørgsel (dage)")
    consultation_answer_days: Param[PositiveCount] = Field(
        title="Svarfrist, når andre kommuner spørges før et enkeltmandstilbud (dage)")


class Lifecycle(_Frozen):
    """The offer's life (issue 15): notice for capacity changes during the year and at the year's turn, the
    consultation of the buyers and the region's municipalities before a capacity reduction or a closure, and the
    window in which a municipality may take over a regional offer (once per election period)."""

    capacity_change_notice_months: Param[Count] = Field(title="Varsel for kapacitetsændring i året (måneder)")
    year_turn_announce_by: Param[MonthDay] = Field(title="Frist året før for kapacitetsændring ved årsskiftet")
    consultation_days: Param[PositiveCount] = Field(title="Høringsfrist for køberne og regionens kommuner (dage)")
    consult_opening: Param[Flag] = Field(title="Oprettelse af et tilbud sendes i høring")
    consult_capacity_reduction: Param[Flag] = Field(title="Kapacitetsnedsættelse sendes i høring")
    consult_closure: Param[Flag] = Field(title="Lukning eller ommærkning drøftes tværkommunalt først")
    election_period_first_year: Param[PositiveCount] = Field(title="En valgperiodes første år")
    election_period_years: Param[PositiveCount] = Field(title="Valgperiodens længde (år)")
    takeover_announce_by_year: Param[Count] = Field(
        title="Overtagelse meddeles senest 1. januar i valgperiodens år nr. (0 = første år)")
    takeover_latest_year: Param[Count] = Field(
        title="Overtagelse sker senest 1. januar i valgperiodens år nr. (0 = første år)")


class Market(_Frozen):
    """Further rules of the market that a seed states; every key is optional."""

    styringsaftale_covers: Param[Text] | None = Field(
        default=None, title="Tilbud omfattet af styringsaftalen", json_schema_extra=INFORMATIONAL
    )
    outside_region_payment_agreement_required: Param[Flag] | None = Field(
        default=None, title="Individuel betalingsaftale ved køb og salg uden for regionen"
    )
    regional_takeover_notice_by: Param[IsoDate] | None = Field(
        default=None, title="Frist for at meddele overtagelse af regionalt tilbud"
    )
    regional_takeover_by: Param[IsoDate] | None = Field(
        default=None, title="Overtagelse af regionalt tilbud senest"
    )
    standard_contract_mandatory: Param[Flag] | None = Field(
        default=None, title="Standardkontrakt er obligatorisk", json_schema_extra=INFORMATIONAL
    )
    check_public_vacancies_before_private: Param[Flag] | None = Field(
        default=None, title="Ledige offentlige pladser afstemmes før køb hos private"
    )
    ask_others_before_single_person_offer: Param[Flag] | None = Field(
        default=None, title="Andre kommuner spørges før oprettelse af enkeltmandstilbud"
    )
    discuss_closures_across_municipalities: Param[Flag] | None = Field(
        default=None, title="Lukning drøftes tværkommunalt før beslutning", json_schema_extra=INFORMATIONAL
    )
    special_education_min_using_municipalities: Param[PositiveCount] | None = Field(
        default=None, title="Specialundervisning koordineres ved mindst (brugerkommuner)", json_schema_extra=INFORMATIONAL
    )


# Who must meet a deadline of the agreement's year: the organisations that run offers in the region (sellers), every
# municipality of the region, or the region's joint secretariat.
CalendarParty = Literal["operators", "municipalities", "secretariat"]
# Which records show a deadline met; each code has one status function (deadlines/records.py).
CalendarRecord = Literal[
    "agreement_next_year", "tariffs_next_year", "categories_next_year", "occupancy_report", "takeover_notice",
    "takeover", "expense_increase_explanations", "expense_increase_discussion",
]
# The rulebook parameters that already hold a deadline's day: a calendar entry refers to them instead of copying.
CalendarDateRef = Literal[
    "tariffs.approval_deadline", "occupancy.reports", "market.regional_takeover_notice_by",
    "market.regional_takeover_by",
]


class CalendarEntry(_Frozen):
    """One deadline of the agreement's year: who meets it, which record shows it met, and its day — a month-day of
    its own, or `date_from`: the parameter that already holds the day (one place for each fact)."""

    party: CalendarParty
    record: CalendarRecord
    month_day: MonthDay | None = None
    date_from: CalendarDateRef | None = None

    @model_validator(mode="after")
    def _one_day(self) -> "CalendarEntry":
        if (self.month_day is None) == (self.date_from is None):
            raise rule_error(
                key="date_from",
                problem=(
                    "angiv præcis én af month_day og date_from (give exactly one of month_day or date_from)"
                ),
            )
        return self


class Calendar(_Frozen):
    """The agreement's year (årshjul): its deadlines, each with its basis, and when users are reminded of them.
    Every entry is optional; the calendar lists those the rulebook has (rulebooks/calendar.py)."""

    reminder_days_before: Param[PositiveCount] = Field(title="Påmindelse før en frist (dage før)")
    styringsaftale: Param[CalendarEntry] | None = Field(default=None, title="Styringsaftalen for næste år")
    tariffs_next_year: Param[CalendarEntry] | None = Field(default=None, title="Næste års budgetter og takster")
    categorisation_next_year: Param[CalendarEntry] | None = Field(
        default=None, title="Kategorisering af tilbud for næste år")
    occupancy_reports: Param[CalendarEntry] | None = Field(default=None, title="Indberetning af belægning")
    regional_takeover_notice: Param[CalendarEntry] | None = Field(
        default=None, title="Meddelelse om overtagelse af regionalt tilbud")
    regional_takeover: Param[CalendarEntry] | None = Field(default=None, title="Overtagelse af regionalt tilbud")
    expense_increase_report: Param[CalendarEntry] | None = Field(
        default=None, title="Indberetning af udgiftsstigninger")
    expense_increase_discussion: Param[CalendarEntry] | None = Field(
        default=None, title="Styregruppens drøftelse af udgiftsstigninger")


def parameter_is_informational(*, section: str, name: str) -> bool:
    """Whether a parameter (e.g. section "market", name "styringsaftale_covers") is only shown to users."""
    extra = _section_model(section).model_fields[name].json_schema_extra
    return isinstance(extra, dict) and extra.get("informational") is True


def parameter_paths() -> list[tuple[str, str]]:
    """Every parameter of the Rulebook model as (section, name), in the model's order (identity keys excluded)."""
    return [(section, name) for section in Rulebook.model_fields if section != "rulebook"
            for name in _section_model(section).model_fields]


def _section_model(section: str) -> type[BaseModel]:
    annotation = Rulebook.model_fields[section].annotation
    return next(kind for kind in getattr(annotation, "__args__", (annotation,)) if kind is not type(None))


def _reject_float(**values: object) -> None:
    for name, value in values.items():
        if isinstance(value, float):
            raise TypeError(f"{name} must be Decimal or int, not float")


class Rulebook(_Frozen):
    """One agreement's rules (one region, one period), loaded from rulebooks/data/<key>.toml."""

    rulebook: RulebookMeta = Field(title="Regelbog")
    categorisation: Categorisation = Field(title="Kategorisering af tilbud")
    occupancy: Occupancy = Field(title="Belægning og indberetning")
    budgeted_occupancy: BudgetedOccupancy = Field(title="Budgetteret belægningsprocent")
    true_up: TrueUp = Field(title="Efterregulering af over- og underskud")
    tariffs: Tariffs = Field(title="Takster")
    notice: Notice = Field(title="Opsigelse")
    payment: Payment = Field(title="Betaling og afregning")
    new_places_model: NewPlacesModel | None = Field(default=None, title="Økonomimodel for nye pladser")
    market: Market | None = Field(default=None, title="Marked og samarbejde")
    exchange: Exchange = Field(title="Ledige pladser")
    calendar: Calendar = Field(title="Årshjul")
    lifecycle: Lifecycle = Field(title="Tilbuddets liv: kapacitet, lukning og overtagelse")

    @model_validator(mode="after")
    def _across_sections(self) -> "Rulebook":
        self._calendar_references()
        unknown = set(self.occupancy.report_categories.value) - set(self.categorisation.categories.value)
        if unknown:
            raise rule_error(
                key="occupancy.report_categories.value",
                problem=(
                    f"kategorien {min(unknown)!r} står ikke i categorisation.categories "
                    "(category not used in this agreement)"
                ),
            )
        return self

    def _calendar_references(self) -> None:
        """A calendar entry's `date_from` names a parameter this rulebook has (not an empty list of reports)."""
        for name in Calendar.model_fields:
            entry = getattr(self.calendar, name)
            if entry is None or not isinstance(entry.value, CalendarEntry) or entry.value.date_from is None:
                continue
            section, _, key = entry.value.date_from.partition(".")
            holder = getattr(self, section)
            target = getattr(holder, key) if holder is not None else None
            if target is None or target.value in ((), None):
                raise rule_error(
                    key=f"calendar.{name}.value.date_from",
                    problem=(
                        f"{entry.value.date_from} findes ikke eller er tom i denne regelbog; fristen kan ikke "
                        "hentes derfra (the referenced parameter is missing or empty)"
                    ),
                )

    @property
    def key(self) -> str:
        return self.rulebook.id

    @property
    def version(self) -> int:
        return self.rulebook.version

    @property
    def name(self) -> str:
        return self.rulebook.name

    def covers_year(self, year: int) -> bool:
        return self.rulebook.year_from <= year <= self.rulebook.year_to

    def notice_months(self, offer_type: OfferTypeCode) -> int:
        """Months of notice for an offer type (from the end of the running month if `running_month`)."""
        table = self.notice.months_by_offer_type.value
        if offer_type not in MonthsByOfferType.model_fields:
            raise ValueError(f"unknown offer type {offer_type!r}")
        return getattr(table, offer_type)

    def budgeted_occupancy_bounds(self, *, short_stay: bool) -> tuple[Decimal, Decimal]:
        """The allowed budgeted occupancy in percent (lowest, highest) for an offer."""
        rules = self.budgeted_occupancy
        low = rules.short_stay_min_pct.value if short_stay else rules.min_pct.value
        return low, rules.max_pct.value

    def occupancy_deviation_is_reportable(self, *, budgeted_pct: Decimal, actual_pct: Decimal) -> bool:
        """Whether actual occupancy deviates from budgeted by the threshold or more ("5 % eller mere")."""
        _reject_float(budgeted_pct=budgeted_pct, actual_pct=actual_pct)
        difference = abs(Decimal(actual_pct) - Decimal(budgeted_pct))
        if self.occupancy.deviation_mode.value == "relative":
            if budgeted_pct == 0:
                return difference > 0
            difference = difference / Decimal(budgeted_pct) * 100
        return difference >= self.occupancy.deviation_threshold_pct.value

    def expense_increase_is_reportable(self, *, offer_type: OfferTypeCode, increase_pct: Decimal) -> bool:
        """Whether an expense increase must be reported ("hvis de overstiger 5 pct.": strictly above)."""
        _reject_float(increase_pct=increase_pct)
        threshold = self.tariffs.expense_increase_report_pct
        offer_types = self.tariffs.expense_increase_report_offer_types
        if threshold is None or offer_types is None:
            return False
        return offer_type in offer_types.value and increase_pct > threshold.value

    def monthly_conversion_fraction(self, year: int) -> Fraction:
        """Days per month for a daily tariff of `year` to become monthly; a leap year has its own parameter."""
        rules = self.tariffs
        return Fraction((rules.monthly_conversion_leap_year if isleap(year) else rules.monthly_conversion).value)
