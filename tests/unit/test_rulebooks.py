"""Rulebooks: the four agreements load, every parameter has its basis, bad files fail with a clear message."""

import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from rammeaftale import rulebooks
from rammeaftale.rulebooks import (
    RulebookError,
    document_sources,
    rulebook_checksum,
    rulebook_from_data,
    rulebook_keys,
    rulebook_load,
    rulebook_load_path,
    rulebook_parameters,
    rulebook_to_data,
)
from rammeaftale.rulebooks.sources import sources_load_path

PACKAGE_DIR = Path(rulebooks.__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
REPO_DIR = Path(__file__).resolve().parents[2]
KEYS = ["hovedstaden-2021-2022", "sjaelland-2025-2026", "syddanmark-2017", "syddanmark-2019-2020"]


def _variant(
    tmp_path: Path, *, old: str, new: str, key: str = "syddanmark-2017", stem: str | None = None
) -> Path:
    """A copy of a shipped rulebook with one exact edit (the target must match once, so tests cannot rot)."""
    text = (DATA_DIR / f"{key}.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the edit target is not unique in {key}.toml: {old!r}"
    path = tmp_path / f"{stem or key}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _params(key: str) -> dict:
    return {row.path: row for row in rulebook_parameters(rulebook_load(key=key))}


# --- the shipped rulebooks ----------------------------------------------------------------------------------


def test_keys_are_the_four_agreements():
    assert rulebook_keys() == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_rulebook_loads_with_identity(key):
    rulebook = rulebook_load(key=key)
    assert rulebook.key == key
    assert rulebook.version >= 1
    assert rulebook.name.startswith("Rammeaftale ")
    assert rulebook.covers_year(rulebook.rulebook.year_from)
    assert rulebook.covers_year(rulebook.rulebook.year_to)
    assert not rulebook.covers_year(rulebook.rulebook.year_to + 1)


def test_identity_facts():
    expected = {
        "syddanmark-2017": (1083, 22, 2017, 2017, "seed-002"),
        "syddanmark-2019-2020": (1083, 22, 2019, 2020, "seed-000"),
        "hovedstaden-2021-2022": (1084, 29, 2021, 2022, "seed-003"),
        "sjaelland-2025-2026": (1085, 17, 2025, 2026, "seed-004"),
    }
    for key, facts in expected.items():
        meta = rulebook_load(key=key).rulebook
        assert (
            meta.region_code,
            meta.municipalities,
            meta.year_from,
            meta.year_to,
            meta.document,
        ) == facts, key


@pytest.mark.parametrize("key", KEYS)
def test_every_parameter_has_exactly_one_basis_and_a_known_document(key):
    documents = document_sources()
    rows = rulebook_parameters(rulebook_load(key=key))
    assert len(rows) > 25
    for row in rows:
        assert (row.source is None) != (row.assumed is None), row.path
        if row.source is not None:
            assert row.source.doc in documents, row.path
            assert row.source.title == documents[row.source.doc].title
            assert row.source.section.strip(), row.path
        else:
            assert len(row.assumed) > 20, f"{row.path}: an assumption needs a reason"


@pytest.mark.parametrize("key", KEYS)
def test_every_parameter_has_a_danish_label_and_display(key):
    rows = rulebook_parameters(rulebook_load(key=key))
    paths = [row.path for row in rows]
    assert len(paths) == len(set(paths))
    for row in rows:
        assert row.label_da and row.label_da != row.path.split(".")[-1], row.path
        assert row.section_label_da, row.path
        assert row.value_display.strip(), row.path
    json.dumps([row.value for row in rows])  # the raw values are JSON-safe


def test_all_sections_present_and_optional_ones_where_the_seed_gives_them():
    present = {
        key: {row.path.split(".")[0] for row in rulebook_parameters(rulebook_load(key=key))} for key in KEYS
    }
    required = {
        "categorisation",
        "occupancy",
        "budgeted_occupancy",
        "true_up",
        "tariffs",
        "notice",
        "payment",
    }
    for key in KEYS:
        assert required <= present[key], key
    assert "new_places_model" in present["hovedstaden-2021-2022"]
    assert all("new_places_model" not in present[key] for key in KEYS if key != "hovedstaden-2021-2022")


def test_decimals_are_decimal_never_float():
    for key in KEYS:
        rulebook = rulebook_load(key=key)
        assert isinstance(rulebook.occupancy.deviation_threshold_pct.value, Decimal)
        assert isinstance(rulebook.budgeted_occupancy.min_pct.value, Decimal)
        assert isinstance(rulebook.true_up.limit_pct.value, Decimal)
        assert not any(isinstance(row.value, float) for row in rulebook_parameters(rulebook))


# --- key facts from the seeds -------------------------------------------------------------------------------


def test_syddanmark_2017_thresholds_from_footnote_2():
    rules = rulebook_load(key="syddanmark-2017").categorisation
    assert rules.method.value == "thresholds"
    assert rules.high_min_daily_tariff_kr.value == Decimal(2000)
    assert rules.high_min_other_buying_municipalities.value == 4
    assert rules.high_min_share_places_sold_pct.value == Decimal(40)
    assert rules.high_min_daily_tariff_kr.source.doc == "seed-002"
    assert "fodnote 2" in rules.high_min_daily_tariff_kr.source.section
    assert rules.locked_for_year.value is True


def test_syddanmark_2019_2020_has_no_thresholds():
    rules = rulebook_load(key="syddanmark-2019-2020").categorisation
    assert rules.method.value == "manual"
    assert rules.high_min_daily_tariff_kr is None


@pytest.mark.parametrize("key", ["syddanmark-2017", "syddanmark-2019-2020"])
def test_syddanmark_occupancy_reports_1_may_and_1_november(key):
    rulebook = rulebook_load(key=key)
    reports = rulebook.occupancy.reports.value
    assert [(r.name, r.period_start, r.period_end, r.deadline) for r in reports] == [
        ("1. kvartal", "01-01", "03-31", "05-01"),
        ("1.–3. kvartal", "01-01", "09-30", "11-01"),
    ]
    assert [r.deadline_for(2019) for r in reports] == [date(2019, 5, 1), date(2019, 11, 1)]
    assert reports[0].period_for(2019) == (date(2019, 1, 1), date(2019, 4, 1))  # half-open
    assert rulebook.occupancy.deviation_threshold_pct.value == Decimal(5)
    assert rulebook.occupancy.deviation_threshold_pct.source is not None
    assert set(rulebook.occupancy.report_categories.value) == {"klynge", "hoejt_specialiseret"}
    assert rulebook.true_up.mode.value == "carry_over"
    assert rulebook.true_up.enters_tariff_year_offset.value == 2
    assert rulebook.tariffs.growth_cap.value == "pl"


def test_hovedstaden_overhead_reserve_and_new_places_model():
    rulebook = rulebook_load(key="hovedstaden-2021-2022")
    assert rulebook.tariffs.overhead_norm_pct.value == Decimal(6)
    assert rulebook.tariffs.overhead_norm_pct.source.doc == "seed-003"
    assert rulebook.tariffs.growth_deviation_needs_explanation.value is True
    assert rulebook.tariffs.basis_service_split_from.value == date(2022, 1, 1)
    assert rulebook.true_up.mode.value == "reserve"
    assert rulebook.true_up.limit_pct.value == Decimal(5)
    assert rulebook.true_up.reserve_use_within_years.value == 5
    model = rulebook.new_places_model
    assert model.startup_subscription_max_years.value == 3
    assert model.deficit_guarantee_max_pct.value == Decimal(75)
    assert model.guarantee_steps_pct.value == (Decimal(75), Decimal(50), Decimal(25))
    assert model.sharing.value == "interested_municipalities_or_population_share"


def test_sjaelland_expense_report_and_market_rules():
    rulebook = rulebook_load(key="sjaelland-2025-2026")
    assert rulebook.tariffs.expense_increase_report_pct.value == Decimal(5)
    assert rulebook.tariffs.expense_increase_report_offer_types.value == ("residential",)
    assert rulebook.tariffs.open_tariff_list_required.value is True
    assert rulebook.market.standard_contract_mandatory.value is True
    assert rulebook.market.check_public_vacancies_before_private.value is True
    assert rulebook.market.ask_others_before_single_person_offer.value is True
    assert rulebook.occupancy.reports.value == ()
    assert rulebook.occupancy.reports.assumed


def test_research_clauses_no_seed_attributes_to_the_region_are_assumed():
    # Correction (issue 10 f): the budgeted-occupancy clause (research § 1.3) is KKR Sjælland's only by inference
    # [I], and no seed says the "Håndtering af overskud" clause (research § 1.4) is Hovedstaden's: assumed in every
    # rulebook, the clause, its URL and the quote kept in the reason.
    sections = ("method", "min_pct", "max_pct", "recommended_max_pct", "short_stay_min_pct",
                "deviation_needs_approval")
    for key in KEYS:
        rulebook = rulebook_load(key=key)
        for name in sections:
            param = getattr(rulebook.budgeted_occupancy, name)
            assert param.source is None and "§ 1.3" in param.assumed, (key, name)
            assert "anvendt-belægningsprocent-i-takstberegningen" in param.assumed, (key, name)
        assert rulebook.occupancy.deviation_mode.assumed  # the seeds never say points or relative
    true_up = rulebook_load(key="hovedstaden-2021-2022").true_up
    for param in (true_up.mode, true_up.limit_pct, true_up.reserve_use_within_years):
        assert param.source is None and "håndtering-af-overskud" in param.assumed
    assert "»Hensatte overskud skal anvendes inden for 5 år" in true_up.reserve_use_within_years.assumed
    cited = {row.source.doc for key in KEYS for row in rulebook_parameters(rulebook_load(key=key)) if row.source}
    assert not cited & {"clause-anvendt-belaegningsprocent", "clause-haandtering-af-overskud"}
    assert "clause-syddanmark-overskudsmodel" in cited  # research quotes it as Syddanmark's; seed 002 bilag 19


# --- round trip ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_round_trip_through_json(key):
    rulebook = rulebook_load(key=key)
    data = rulebook_to_data(rulebook)
    assert data["occupancy"]["deviation_threshold_pct"]["value"] == "5"
    stored = json.loads(json.dumps(data))
    assert rulebook_from_data(data=stored, origin="database") == rulebook
    assert rulebook_from_data(data=rulebook_to_data(rulebook), origin="x") == rulebook
    assert rulebook_checksum(rulebook_from_data(data=stored, origin="database")) == rulebook_checksum(
        rulebook
    )


def test_checksums_differ_between_agreements():
    checksums = {rulebook_checksum(rulebook_load(key=key)) for key in KEYS}
    assert len(checksums) == len(KEYS)
    assert all(re.fullmatch(r"[0-9a-f]{64}", checksum) for checksum in checksums)


def test_from_data_names_its_origin():
    data = rulebook_to_data(rulebook_load(key="syddanmark-2017"))
    data["payment"]["due_days_max"]["value"] = "30"
    with pytest.raises(RulebookError) as caught:
        rulebook_from_data(data=data, origin="regelbogsversion 7")
    assert caught.value.file == "regelbogsversion 7"
    assert caught.value.key == "payment.due_days_max.value"
    assert "heltal" in caught.value.problem


# --- malformed rulebooks ------------------------------------------------------------------------------------

LOCKED = (
    'locked_for_year = { value = true, source = { doc = "seed-002", section = "Tilbud omfattet af '
    'Styringsaftalen", quote = "Tilbud kan ikke ændre kategori i løbet af året." } }'
)

MALFORMED = {
    "float decimal": (
        'deviation_threshold_pct = { value = "5",',
        "deviation_threshold_pct = { value = 5.0,",
        "occupancy.deviation_threshold_pct.value",
        "decimaltal skal skrives som tekst",
    ),
    "integer for a decimal": (
        'high_min_daily_tariff_kr = { value = "2000",',
        "high_min_daily_tariff_kr = { value = 2000,",
        "categorisation.high_min_daily_tariff_kr.value",
        "decimals must be written as strings",
    ),
    "decimal comma": (
        'high_min_share_places_sold_pct = { value = "40",',
        'high_min_share_places_sold_pct = { value = "40,5",',
        "categorisation.high_min_share_places_sold_pct.value",
        "brug punktum",
    ),
    "unknown key": (
        "[occupancy]\n",
        '[occupancy]\ncolour = { value = "red", assumed = "no reason" }\n',
        "occupancy.colour",
        "ukendt nøgle",
    ),
    "unknown section": (
        "[notice]\n",
        "[holidays]\nx = 1\n\n[notice]\n",
        "holidays",
        "ukendt nøgle",
    ),
    "missing value": (
        'deviation_threshold_pct = { value = "5", ',
        "deviation_threshold_pct = { ",
        "occupancy.deviation_threshold_pct.value",
        "mangler",
    ),
    "both source and assumed": (
        'deviation_mode = { value = "percentage_points", ',
        'deviation_mode = { value = "percentage_points", source = { doc = "seed-002", section = "x" }, ',
        "occupancy.deviation_mode",
        "både source og assumed",
    ),
    "neither source nor assumed": (
        LOCKED,
        "locked_for_year = { value = true }",
        "categorisation.locked_for_year",
        "hverken source eller assumed",
    ),
    "bare value instead of a parameter table": (
        LOCKED,
        "locked_for_year = true",
        "categorisation.locked_for_year",
        "skal være en tabel",
    ),
    "unknown document id": (
        'doc = "law-sel-174"',
        'doc = "law-sel-999"',
        "payment.claim_limit_months.source.doc",
        "ukendt dokument-id",
    ),
    "min above max": (
        'min_pct = { value = "95"',
        'min_pct = { value = "99"',
        "budgeted_occupancy.min_pct",
        "må ikke være større end recommended_max_pct",
    ),
    "percent above 100": (
        'max_pct = { value = "100"',
        'max_pct = { value = "101"',
        "budgeted_occupancy.max_pct.value",
        "fra 0 til 100",
    ),
    "impossible deadline": (
        'deadline = "05-01"',
        'deadline = "02-30"',
        "occupancy.reports.value[0].deadline",
        "ugyldig dato",
    ),
    "unknown enum value": (
        'value = "carry_over"',
        'value = "carryover"',
        "true_up.mode.value",
        "tilladt er 'carry_over' eller 'reserve'",
    ),
    "thresholds method without a threshold": (
        (
            'high_min_other_buying_municipalities = { value = 4, source = { doc = "seed-002", '
            'section = "Særligt for Styringsaftalen, fodnote 2", '
            'quote = "sælger pladser til minimum 4 kommuner (udover udbyderkommunen)" } }\n'
        ),
        "",
        "categorisation.high_min_other_buying_municipalities",
        "kræver alle tre tærskler",
    ),
    "reserve years in carry-over mode": (
        "enters_tariff_year_offset = { value = 2,",
        (
            'reserve_use_within_years = { value = 5, assumed = "test" }\n'
            "enters_tariff_year_offset = { value = 2,"
        ),
        "true_up.reserve_use_within_years",
        'kun når mode er "reserve"',
    ),
    "P/L cap without what it applies to": (
        (
            'growth_cap_applies_to = { value = "total_expenses", source = { doc = "seed-002", section = "Styring '
            'af udgifterne", quote = "de samlede udgifter på det specialiserede socialområde i Syddanmark skal '
            'falde, minimum fastholdes i forhold til 2016 i alle kommuner og regionen" } }\n'
        ),
        "",
        "tariffs.growth_cap_applies_to",
        'growth_cap "pl" kræver growth_cap_applies_to',
    ),
    "no P/L cap but what it applies to": (
        'growth_cap = { value = "pl",',
        'growth_cap = { value = "none",',
        "tariffs.growth_cap_applies_to",
        'kun når growth_cap er "pl"',
    ),
    "report category not in the agreement": (
        '["hoejt_specialiseret", "klynge", "lokal", "landsdaekkende", "sikret"]',
        '["hoejt_specialiseret", "lokal"]',
        "occupancy.report_categories.value",
        "står ikke i categorisation.categories",
    ),
    "boolean for an integer": (
        "version = 5\n",
        "version = true\n",
        "rulebook.version",
        "heltal",
    ),
    "unknown region": (
        "region_code = 1083",
        "region_code = 1090",
        "rulebook.region_code",
        "ukendt regionskode",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_rulebook_names_file_key_and_problem(tmp_path, case):
    old, new, key, problem = MALFORMED[case]
    path = _variant(tmp_path, old=old, new=new)
    with pytest.raises(RulebookError) as caught:
        rulebook_load_path(path=path)
    error = caught.value
    assert error.file == "syddanmark-2017.toml"
    assert error.key == key
    assert problem in error.problem
    message = str(error)
    assert message.startswith(f"Regelbog syddanmark-2017.toml, nøgle '{key}': ")
    assert re.search(r"\([a-z][^()]*\)$", error.problem), "the Danish problem ends with its English gloss"


def test_id_must_equal_file_stem(tmp_path):
    path = _variant(tmp_path, old="version = 5\n", new="version = 5\n", stem="syddanmark-2018")
    with pytest.raises(RulebookError) as caught:
        rulebook_load_path(path=path)
    assert caught.value.file == "syddanmark-2018.toml"
    assert caught.value.key == "rulebook.id"
    assert "filnavnet 'syddanmark-2018'" in str(caught.value)


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = _variant(tmp_path, old="version = 5\n", new="version = \n")
    with pytest.raises(RulebookError) as caught:
        rulebook_load_path(path=path)
    assert caught.value.file == "syddanmark-2017.toml"
    assert caught.value.line == 6
    assert "linje 6" in str(caught.value) and "ugyldig TOML-syntaks" in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(RulebookError) as caught:
        rulebook_load_path(path=tmp_path / "nordjylland-2030.toml")
    assert caught.value.file == "nordjylland-2030.toml"
    assert caught.value.key is None
    assert "findes ikke" in str(caught.value)
    with pytest.raises(RulebookError, match="findes ikke"):
        rulebook_load(key="nordjylland-2030")


@pytest.mark.parametrize("key", ["../sources", "sources", "Syddanmark-2017", ""])
def test_load_refuses_keys_that_are_not_rulebooks(key):
    with pytest.raises(RulebookError, match="ugyldig regelbogsnøgle"):
        rulebook_load(key=key)


def test_message_lists_every_problem(tmp_path):
    path = _variant(
        tmp_path,
        old='deviation_threshold_pct = { value = "5",',
        new="deviation_threshold_pct = { value = 5.0,",
    )
    text = path.read_text(encoding="utf-8").replace("version = 5\n", "version = 0\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        rulebook_load_path(path=path)
    assert caught.value.key == "rulebook.version"
    assert [key for key, _ in caught.value.more] == ["occupancy.deviation_threshold_pct.value"]
    assert "også nøgle 'occupancy.deviation_threshold_pct.value'" in str(caught.value)


def test_source_registry_rejects_duplicates_and_dangling_via(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[document]]\nid = "seed-000"\ntitle = "A"\nkind = "seed"\nfile = "a.txt"\n\n'
        '[[document]]\nid = "seed-000"\ntitle = "B"\nkind = "seed"\nfile = "b.txt"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulebookError) as caught:
        sources_load_path(path=path)
    assert caught.value.key == "document[1].id"
    assert str(caught.value).startswith("Kildeliste sources.toml")
    path.write_text(
        '[[document]]\nid = "law-x"\ntitle = "X"\nkind = "law"\nvia = "nowhere"\n', encoding="utf-8"
    )
    with pytest.raises(RulebookError, match="via 'nowhere'"):
        sources_load_path(path=path)


def test_shipped_sources_point_at_real_seed_files():
    seeds = REPO_DIR / "docs" / "sources" / "seeds"  # copies of shared/seeds, see docs/sources/README.md
    shared = REPO_DIR.parent / "shared" / "seeds"
    copies = [*seeds.glob("*.txt"), seeds.parent / "research" / "domain_rules.md"]
    for copy in copies:
        original = shared / copy.name if copy.suffix == ".txt" else shared.parent / "research" / copy.name
        if original.is_file():  # beside the steering repository: the copies must be the originals
            assert copy.read_bytes() == original.read_bytes(), copy.name
    documents = document_sources()
    assert {
        "seed-000",
        "seed-001",
        "seed-002",
        "seed-003",
        "seed-004",
        "research-domain-rules",
        "law-sel-174",
        "law-rentelov-3b",
    } <= set(documents)
    for doc in documents.values():
        if doc.file:
            assert (seeds / doc.file).is_file(), doc.id


# --- accessors used by the calculations ---------------------------------------------------------------------


def test_notice_months_and_budgeted_bounds():
    rulebook = rulebook_load(key="hovedstaden-2021-2022")
    assert rulebook.notice_months("residential") == 3
    assert rulebook.notice_months("day") == 1
    with pytest.raises(ValueError):
        rulebook.notice_months("castle")
    assert rulebook.budgeted_occupancy_bounds(short_stay=False) == (Decimal(95), Decimal(100))
    assert rulebook.budgeted_occupancy_bounds(short_stay=True) == (Decimal(90), Decimal(100))
    assert rulebook.monthly_conversion_fraction(2022) == Fraction(365, 12)


@pytest.mark.parametrize("key", KEYS)
def test_monthly_conversion_in_a_leap_year_is_its_own_parameter(key):
    # Correction (issue 10 d): a leap year's monthly tariff follows `tariffs.monthly_conversion_leap_year`.
    rulebook = rulebook_load(key=key)
    assert rulebook.monthly_conversion_fraction(2023) == Fraction(365, 12)
    assert rulebook.monthly_conversion_fraction(2024) == Fraction(366, 12)
    assert rulebook.monthly_conversion_fraction(2000) == Fraction(366, 12)  # divisible by 400: a leap year
    assert rulebook.monthly_conversion_fraction(2100) == Fraction(365, 12)  # by 100, not 400: not one
    assert "Hadruplund 2020" in rulebook.tariffs.monthly_conversion_leap_year.assumed


def test_a_leap_year_rulebook_value_steers_the_conversion(tmp_path):
    path = _variant(tmp_path, key="syddanmark-2017", old='monthly_conversion_leap_year = { value = "366/12"',
                    new='monthly_conversion_leap_year = { value = "365/12"')
    assert rulebook_load_path(path=path).monthly_conversion_fraction(2016) == Fraction(365, 12)


def test_occupancy_deviation_of_5_points_or_more_is_reportable():
    rulebook = rulebook_load(key="syddanmark-2019-2020")
    assert rulebook.occupancy_deviation_is_reportable(budgeted_pct=Decimal(97), actual_pct=Decimal(92))
    assert rulebook.occupancy_deviation_is_reportable(budgeted_pct=Decimal(95), actual_pct=Decimal(100))
    assert not rulebook.occupancy_deviation_is_reportable(
        budgeted_pct=Decimal(97), actual_pct=Decimal("92.01")
    )
    with pytest.raises(TypeError):
        rulebook.occupancy_deviation_is_reportable(budgeted_pct=97.0, actual_pct=Decimal(92))


def test_expense_increase_over_5_pct_in_residential_offers_is_reportable():
    rulebook = rulebook_load(key="sjaelland-2025-2026")
    assert rulebook.expense_increase_is_reportable(offer_type="residential", increase_pct=Decimal("5.01"))
    assert not rulebook.expense_increase_is_reportable(offer_type="residential", increase_pct=Decimal(5))
    assert not rulebook.expense_increase_is_reportable(offer_type="day", increase_pct=Decimal(20))
    other = rulebook_load(key="syddanmark-2017")
    assert not other.expense_increase_is_reportable(offer_type="residential", increase_pct=Decimal(20))


# --- display ------------------------------------------------------------------------------------------------


def test_values_are_displayed_in_danish():
    syd = _params("syddanmark-2017")
    assert syd["categorisation.high_min_daily_tariff_kr"].value_display == "2.000 kr."
    assert syd["categorisation.high_min_share_places_sold_pct"].value_display == "40 %"
    assert syd["occupancy.deviation_threshold_pct"].label_da == "Afvigelsestærskel for belægning (%)"
    assert syd["occupancy.deviation_threshold_pct"].value_display == "5 %"
    assert (
        syd["occupancy.reports"].value_display == "1. kvartal: frist 1. maj; 1.–3. kvartal: frist 1. november"
    )
    assert syd["categorisation.locked_for_year"].value_display == "Ja"
    assert syd["notice.months_by_offer_type"].value_display.startswith(
        "Døgn- og botilbud: 3 måneder; Dagtilbud: 1 måned"
    )
    assert syd["payment.claim_limit_months"].source.url == "https://danskelove.dk/serviceloven/174"
    hov = _params("hovedstaden-2021-2022")
    assert hov["new_places_model.guarantee_steps_pct"].value_display == "75 % – 50 % – 25 %"
    assert hov["tariffs.basis_service_split_from"].value_display == "1. januar 2022"
    assert hov["occupancy.reports"].value_display == "Ingen"
    sja = _params("sjaelland-2025-2026")
    assert sja["tariffs.expense_increase_report_offer_types"].value_display == "Døgn- og botilbud"
    assert syd["true_up.mode"].source.via == "research-domain-rules"


# --- boundaries ---------------------------------------------------------------------------------------------


def test_rulebooks_package_imports_no_django():
    code = (
        "import sys, rammeaftale.rulebooks as r; "
        "r.rulebook_load(key='syddanmark-2017'); print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_DIR / "src")},
    )
    assert result.stdout.strip() == "False"
    for path in PACKAGE_DIR.rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+django", path.read_text(encoding="utf-8"), re.MULTILINE), (
            path
        )


def test_docs_list_every_assumed_parameter():
    docs = (REPO_DIR / "docs" / "rulebooks.md").read_text(encoding="utf-8")
    for key in KEYS:
        for row in rulebook_parameters(rulebook_load(key=key)):
            if row.assumed:
                assert f"| {key} | `{row.path}` |" in docs, f"docs/rulebooks.md misses {key} {row.path}"
