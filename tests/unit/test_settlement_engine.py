"""Monthly settlement: worked examples, Danish errors, and the polars engine checked against the per-day reference."""
import calendar
from dataclasses import replace
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rammeaftale.engine.settlement import (
    CHARGE_SCHEMA,
    LINE_SCHEMA,
    TARIFF_SCHEMA,
    Charge,
    HoursRecord,
    SettlementInputError,
    SettlementLine,
    TariffPeriod,
    settlement_month,
    settlement_month_frame,
)
from rammeaftale.engine.settlement_reference import settlement_month_reference

BOTH = pytest.mark.parametrize("settle", [settlement_month, settlement_month_reference], ids=["engine", "reference"])
TARIFFS_2023_2024 = (
    TariffPeriod(service_id=10, valid_from=date(2023, 1, 1), valid_to=date(2024, 1, 1), daily_ore=230_000,
                 monthly_ore=7_000_000),
    TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=240_000,
                 monthly_ore=7_300_000),
)


def charge(*, start: date, end: date | None = None, rule: str = "daily", unit: str = "day", placement: int = 7,
           service: int = 10, seller: int = 100, buyer: int = 200) -> Charge:
    return Charge(placement_id=placement, service_id=service, seller_id=seller, buyer_id=buyer, unit=unit,
                  charge_from=start, charge_to=end, rule=rule)


def amounts(lines: list[SettlementLine]) -> list[tuple]:
    return [(line.period_from, line.period_to, line.quantity, line.rate_ore, line.amount_ore, line.basis)
            for line in lines]


@BOTH
def test_a_whole_january_at_2345_67_kr_a_day_is_72715_77_kr(settle):
    tariff = TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=234_567)
    lines = settle(charges=[charge(start=date(2023, 11, 3))], tariffs=[tariff], year=2024, month=1)
    assert lines == [SettlementLine(
        placement_id=7, service_id=10, seller_id=100, buyer_id=200, period_from=date(2024, 1, 1),
        period_to=date(2024, 2, 1), unit="day", quantity=31, rate_ore=234_567, amount_ore=7_271_577, basis="days",
    )]


@BOTH
def test_a_december_january_placement_meets_the_new_tariff_on_1_january(settle):
    """10 December to 20 January (excluded): 22 days at the 2023 tariff, then 19 days at the 2024 tariff."""
    charges = [charge(start=date(2023, 12, 10), end=date(2024, 1, 20))]
    december = settle(charges=charges, tariffs=TARIFFS_2023_2024, year=2023, month=12)
    january = settle(charges=charges, tariffs=TARIFFS_2023_2024, year=2024, month=1)
    assert amounts(december) == [(date(2023, 12, 10), date(2024, 1, 1), 22, 230_000, 5_060_000, "days")]
    assert amounts(january) == [(date(2024, 1, 1), date(2024, 1, 20), 19, 240_000, 4_560_000, "days")]
    pro_rata = [charge(start=date(2023, 12, 10), end=date(2024, 1, 20), rule="monthly_pro_rata")]
    # 7,000,000 × 22/31 = 4,967,741.94 → 4,967,742; 7,300,000 × 19/31 = 4,474,193.55 → 4,474,194
    assert [line.amount_ore for month in ((2023, 12), (2024, 1))
            for line in settle(charges=pro_rata, tariffs=TARIFFS_2023_2024, year=month[0], month=month[1])] == [
        4_967_742, 4_474_194]


@BOTH
def test_a_tariff_change_in_mid_month_splits_the_line_and_each_line_is_rounded(settle):
    tariffs = [
        TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=date(2024, 3, 16), daily_ore=230_000,
                     monthly_ore=7_000_000),
        TariffPeriod(service_id=10, valid_from=date(2024, 3, 16), valid_to=None, daily_ore=240_000,
                     monthly_ore=7_300_000),
    ]
    daily = settle(charges=[charge(start=date(2024, 2, 1))], tariffs=tariffs, year=2024, month=3)
    assert amounts(daily) == [
        (date(2024, 3, 1), date(2024, 3, 16), 15, 230_000, 3_450_000, "days"),
        (date(2024, 3, 16), date(2024, 4, 1), 16, 240_000, 3_840_000, "days"),
    ]
    monthly = settle(charges=[charge(start=date(2024, 2, 1), rule="monthly_pro_rata")], tariffs=tariffs,
                     year=2024, month=3)
    # 7,000,000 × 15/31 = 3,387,096.77 → 3,387,097; 7,300,000 × 16/31 = 3,767,741.94 → 3,767,742
    assert amounts(monthly) == [
        (date(2024, 3, 1), date(2024, 3, 16), 15, 7_000_000, 3_387_097, "pro_rata"),
        (date(2024, 3, 16), date(2024, 4, 1), 16, 7_300_000, 3_767_742, "pro_rata"),
    ]


@BOTH
def test_a_start_on_the_15th_under_monthly_pro_rata(settle):
    tariff = TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=234_567,
                          monthly_ore=7_135_000)
    april = settle(charges=[charge(start=date(2024, 4, 15), rule="monthly_pro_rata", unit="month")],
                   tariffs=[tariff], year=2024, month=4)
    # 15 to 30 April is 16 of 30 days: 7,135,000 × 16/30 = 3,805,333.33 → 3,805,333
    assert amounts(april) == [(date(2024, 4, 15), date(2024, 5, 1), 16, 7_135_000, 3_805_333, "pro_rata")]
    assert april[0].unit == "month"
    may = settle(charges=[charge(start=date(2024, 4, 15), rule="monthly_pro_rata", unit="month")],
                 tariffs=[tariff], year=2024, month=5)
    assert amounts(may) == [(date(2024, 5, 1), date(2024, 6, 1), 31, 7_135_000, 7_135_000, "month")]


@BOTH
def test_pro_rata_rounds_half_up(settle):
    tariff = TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=1,
                          monthly_ore=7_135_001)
    lines = settle(charges=[charge(start=date(2024, 6, 16), rule="monthly_pro_rata")], tariffs=[tariff],
                   year=2024, month=6)
    assert [line.amount_ore for line in lines] == [3_567_501]  # 7,135,001 × 15/30 = 3,567,500.5


@BOTH
def test_hours_in_the_charge_period_are_billed_per_tariff_and_rounded_half_up(settle):
    tariffs = [
        TariffPeriod(service_id=11, valid_from=date(2024, 1, 1), valid_to=date(2024, 1, 10), daily_ore=None,
                     hourly_ore=45_001),
        TariffPeriod(service_id=11, valid_from=date(2024, 1, 10), valid_to=None, daily_ore=None, hourly_ore=50_000),
    ]
    hours = [
        HoursRecord(placement_id=3, service_id=11, day=date(2024, 1, 4), minutes=60),  # before the charge
        HoursRecord(placement_id=3, service_id=11, day=date(2024, 1, 5), minutes=90),
        HoursRecord(placement_id=3, service_id=11, day=date(2024, 1, 12), minutes=30),
        HoursRecord(placement_id=3, service_id=11, day=date(2024, 1, 12), minutes=31),
        HoursRecord(placement_id=3, service_id=11, day=date(2024, 1, 25), minutes=45),  # after the notice period
        HoursRecord(placement_id=4, service_id=11, day=date(2024, 1, 12), minutes=600),  # another placement
    ]
    lines = settle(charges=[charge(start=date(2024, 1, 5), end=date(2024, 1, 25), unit="hour", placement=3,
                                   service=11)], tariffs=tariffs, hours=hours, year=2024, month=1)
    # 90 min × 450.01 kr/h = 675.015 kr → 675.02; 61 min × 500 kr/h = 508.333 kr → 508.33
    assert amounts(lines) == [
        (date(2024, 1, 5), date(2024, 1, 10), 90, 45_001, 67_502, "hours"),
        (date(2024, 1, 10), date(2024, 1, 25), 61, 50_000, 50_833, "hours"),
    ]


@BOTH
def test_lines_are_sorted_for_invoices_and_charges_outside_the_month_give_none(settle):
    tariff = TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=1_000)
    charges = [
        charge(start=date(2024, 1, 1), placement=1, seller=2, buyer=1),
        charge(start=date(2024, 1, 1), placement=2, seller=1, buyer=9),
        charge(start=date(2024, 1, 1), placement=3, seller=1, buyer=5),
        charge(start=date(2024, 1, 1), end=date(2024, 2, 1), placement=4, seller=1, buyer=1),  # January only
        charge(start=date(2024, 3, 1), placement=5, seller=1, buyer=1),  # starts later
    ]
    lines = settle(charges=charges, tariffs=[tariff], year=2024, month=2)
    assert [(line.seller_id, line.buyer_id, line.placement_id) for line in lines] == [(1, 5, 3), (1, 9, 2), (2, 1, 1)]
    assert {line.quantity for line in lines} == {29}


def error_of(settle, **kwargs) -> SettlementInputError:
    with pytest.raises(SettlementInputError) as error:
        settle(**kwargs)
    return error.value


GAP_TARIFFS = (TariffPeriod(service_id=10, valid_from=date(2023, 1, 1), valid_to=date(2024, 1, 1), daily_ore=1),
               TariffPeriod(service_id=10, valid_from=date(2024, 1, 5), valid_to=None, daily_ore=2))


@BOTH
@pytest.mark.parametrize(("kwargs", "message", "field"), [
    ({"charges": [charge(start=date(2023, 12, 1))], "tariffs": GAP_TARIFFS},
     "placering 7: ydelse 10 har ingen takst den 01.01.2024", "tariffs"),
    ({"charges": [charge(start=date(2024, 1, 20), service=12)], "tariffs": GAP_TARIFFS},
     "placering 7: ydelse 12 har ingen takst den 20.01.2024", "tariffs"),
    ({"charges": [charge(start=date(2024, 1, 1), rule="monthly_pro_rata")], "tariffs": GAP_TARIFFS[1:]},
     "placering 7: ydelse 10 har ingen takst den 01.01.2024", "tariffs"),
    ({"charges": [charge(start=date(2024, 1, 6), rule="monthly_pro_rata")], "tariffs": GAP_TARIFFS},
     "placering 7: ydelse 10 har ingen månedstakst den 06.01.2024", "tariffs"),
    ({"charges": [charge(start=date(2024, 1, 6), unit="hour")], "tariffs": GAP_TARIFFS},
     "placering 7: ydelse 10 har ingen timetakst den 06.01.2024", "tariffs"),
    ({"charges": [charge(start=date(2024, 1, 1), end=date(2024, 1, 1))], "tariffs": GAP_TARIFFS},
     "placering 7, ydelse 10: slutdatoen 01.01.2024 skal ligge efter startdatoen 01.01.2024",
     "charges[0].charge_to"),
    ({"charges": [charge(start=date(2024, 1, 1), rule="weekly")], "tariffs": GAP_TARIFFS},
     "placering 7, ydelse 10: ukendt afregningsregel «weekly» (daily eller monthly_pro_rata)", "charges[0].rule"),
    ({"charges": [charge(start=date(2024, 1, 1), unit="week")], "tariffs": GAP_TARIFFS},
     "placering 7, ydelse 10: ukendt enhed «week» (day, month eller hour)", "charges[0].unit"),
    ({"charges": [], "tariffs": [GAP_TARIFFS[0], TariffPeriod(service_id=10, valid_from=date(2024, 1, 5),
                                                              valid_to=None, daily_ore=2, monthly_ore=-5)]},
     "ydelse 10: månedstaksten fra 05.01.2024 må ikke være negativ (-5 øre)", "tariffs[1].monthly_ore"),
    ({"charges": [], "tariffs": [TariffPeriod(service_id=10, valid_from=date(2024, 1, 5), valid_to=None,
                                              daily_ore=-1)]},
     "ydelse 10: døgntaksten fra 05.01.2024 må ikke være negativ (-1 øre)", "tariffs[0].daily_ore"),
    ({"charges": [], "tariffs": [TariffPeriod(service_id=10, valid_from=date(2024, 1, 5),
                                              valid_to=date(2024, 1, 5), daily_ore=1)]},
     "ydelse 10: takstperioden fra 05.01.2024 skal slutte efter sin startdato, ikke 05.01.2024",
     "tariffs[0].valid_to"),
    ({"charges": [], "tariffs": [TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None,
                                              daily_ore=1), GAP_TARIFFS[1]]},
     "ydelse 10: takstperioderne fra 01.01.2024 og fra 05.01.2024 overlapper", "tariffs[1].valid_from"),
    ({"charges": [charge(start=date(2023, 6, 1), end=date(2024, 1, 10)), charge(start=date(2024, 1, 8))],
      "tariffs": [TariffPeriod(service_id=10, valid_from=date(2023, 1, 1), valid_to=None, daily_ore=1)]},
     "placering 7: ydelse 10 afregnes to gange den 08.01.2024 (to perioder overlapper)",
     "charges[1].charge_from"),
    ({"charges": [charge(start=date(2024, 1, 8), unit="hour")], "tariffs": GAP_TARIFFS,
      "hours": [HoursRecord(placement_id=7, service_id=10, day=date(2024, 1, 9), minutes=-30)]},
     "placering 7, ydelse 10: minutterne den 09.01.2024 må ikke være negative (-30)", "hours[0].minutes"),
])
def test_bad_input_is_refused_with_a_danish_message(settle, kwargs, message, field):
    error = error_of(settle, year=2024, month=1, **kwargs)
    assert (str(error), error.field) == (message, field)


@BOTH
def test_the_month_must_exist(settle):
    error = error_of(settle, charges=[], tariffs=[], year=2024, month=13)
    assert (str(error), error.field) == ("måneden skal være et tal fra 1 til 12, ikke 13", "month")


def test_a_gap_after_a_change_is_named_by_its_first_day():
    tariffs = [TariffPeriod(service_id=10, valid_from=date(2023, 1, 1), valid_to=date(2024, 1, 10), daily_ore=1),
               TariffPeriod(service_id=10, valid_from=date(2024, 1, 20), valid_to=None, daily_ore=1)]
    for settle in (settlement_month, settlement_month_reference):
        error = error_of(settle, charges=[charge(start=date(2023, 12, 1))], tariffs=tariffs, year=2024, month=1)
        assert str(error) == "placering 7: ydelse 10 har ingen takst den 10.01.2024"


def test_money_must_be_integer_ore_and_dates_plain_dates():
    float_tariff = TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=2345.67)
    error = error_of(settlement_month, charges=[], tariffs=[float_tariff], year=2024, month=1)
    assert (str(error), error.field) == (
        "tariffs[0].daily_ore: skal være et heltal (øre, minutter eller id), ikke 2345.67", "tariffs[0].daily_ore")
    timestamped = charge(start=datetime(2024, 1, 1, 12))
    error = error_of(settlement_month, charges=[timestamped], tariffs=[], year=2024, month=1)
    assert error.field == "charges[0].charge_from"


def test_a_bad_value_among_many_records_is_named_by_its_index():
    """The types are checked a column at a time; the first bad record is still the one named, as one by one."""
    good = [charge(start=date(2024, 1, 1)) for _ in range(3000)]
    tariffs = [TariffPeriod(service_id=10, valid_from=date(2024, 1, 1), valid_to=None, daily_ore=1)]
    as_bool = [*good[:1500], replace(good[0], buyer_id=True), *good[1500:], replace(good[0], seller_id=1.5)]
    error = error_of(settlement_month, charges=as_bool, tariffs=tariffs, year=2024, month=1)
    assert (str(error), error.field) == (
        "charges[1500].buyer_id: skal være et heltal (øre, minutter eller id), ikke True", "charges[1500].buyer_id")
    error = error_of(settlement_month, charges=[*good, "en tekst"], tariffs=tariffs, year=2024, month=1)
    assert (str(error), error.field) == ("charges[3000]: forventede Charge", "charges[3000]")
    assert len(settlement_month(charges=good[:1], tariffs=tariffs, year=2024, month=1)) == 1


def test_the_frame_function_checks_its_columns():
    charges = pl.DataFrame({"placement_id": [1]})
    tariffs = pl.DataFrame(schema=TARIFF_SCHEMA)
    error = error_of(settlement_month_frame, charges=charges, tariffs=tariffs, hours=None, year=2024, month=1)
    assert (str(error), error.field) == ("charges: kolonnen «service_id» mangler", "charges.service_id")
    float_tariffs = pl.DataFrame(schema={**TARIFF_SCHEMA, "daily_ore": pl.Float64})
    error = error_of(settlement_month_frame, charges=pl.DataFrame(schema=CHARGE_SCHEMA), tariffs=float_tariffs,
                     hours=None, year=2024, month=1)
    assert error.field == "tariffs.daily_ore" and "Float64" in str(error)


def test_the_frame_function_takes_narrow_integer_columns_and_returns_the_documented_schema():
    charges = pl.DataFrame({
        "placement_id": [1, 2], "service_id": [10, 10], "seller_id": [100, 100], "buyer_id": [200, 201],
        "unit": ["day", "month"], "charge_from": [date(2023, 12, 10), date(2024, 1, 15)],
        "charge_to": [date(2024, 1, 20), None], "rule": ["daily", "monthly_pro_rata"], "note": ["x", "y"],
    }).with_columns(pl.col("placement_id", "service_id").cast(pl.Int32))
    tariffs = pl.DataFrame([tariff.__dict__ for tariff in TARIFFS_2023_2024], schema=TARIFF_SCHEMA)
    frame = settlement_month_frame(charges=charges, tariffs=tariffs, hours=None, year=2024, month=1)
    assert frame.schema == pl.Schema(LINE_SCHEMA)
    assert frame["amount_ore"].to_list() == [19 * 240_000, 4_003_226]  # 7,300,000 × 17/31 = 4,003,225.81


# Properties ---------------------------------------------------------------------------------------------------


@st.composite
def scenarios(draw):
    """A month, tariffs per service with 1 January and random changes, charges (some split) and hours."""
    year = draw(st.sampled_from([2023, 2024]))
    month = draw(st.integers(1, 12))
    month_start = date(year, month, 1)
    low, high = month_start - timedelta(days=45), month_start + timedelta(days=75)
    services = draw(st.integers(1, 3))
    tariffs = []
    for service in range(1, services + 1):
        changes = set(draw(st.lists(st.dates(low, high), max_size=3)))
        bounds = sorted(changes | {date(year, 1, 1), date(year + 1, 1, 1), date(year - 1, 1, 1)})
        ends = bounds[1:] + [draw(st.sampled_from([None, date(year + 2, 1, 1)]))]
        for valid_from, valid_to in zip(bounds, ends):
            if draw(st.integers(0, 19)) == 0:  # now and then a gap, or a service without a monthly tariff
                continue
            tariffs.append(TariffPeriod(
                service_id=service, valid_from=valid_from, valid_to=valid_to,
                daily_ore=draw(st.integers(0, 600_000)),
                monthly_ore=draw(st.integers(0, 20_000_000)) if draw(st.integers(0, 19)) else None,
                hourly_ore=draw(st.integers(0, 120_000)),
            ))
    pairs = draw(st.lists(st.tuples(st.integers(1, 4), st.integers(1, services)), min_size=1, max_size=5,
                          unique=True))
    charges, hours = [], []
    for placement, service in pairs:
        start = draw(st.dates(low, high))
        end = draw(st.none() | st.integers(1, 80).map(lambda days, start=start: start + timedelta(days=days)))
        if end is not None and draw(st.booleans()):
            end += timedelta(days=draw(st.sampled_from([30, 60, 90])))  # a paid notice period
        common = {"placement_id": placement, "service_id": service, "seller_id": draw(st.integers(1, 2)),
                  "buyer_id": draw(st.integers(1, 2)), "unit": draw(st.sampled_from(["day", "month", "hour"]))}
        rules = [draw(st.sampled_from(["daily", "monthly_pro_rata"])) for _ in range(2)]
        last = end or high + timedelta(days=1)
        split = draw(st.none() | st.dates(start + timedelta(days=1), max(start + timedelta(days=1), last)))
        if split is not None and split < last:
            charges.append(Charge(**common, charge_from=start, charge_to=split, rule=rules[0]))
            charges.append(Charge(**common, charge_from=split, charge_to=end, rule=rules[1]))
        else:
            charges.append(Charge(**common, charge_from=start, charge_to=end, rule=rules[0]))
        if common["unit"] == "hour":
            for day in draw(st.lists(st.dates(low, high), max_size=12)):
                hours.append(HoursRecord(placement_id=placement, service_id=service, day=day,
                                         minutes=draw(st.integers(0, 24 * 60))))
    return {"charges": draw(st.permutations(charges)), "tariffs": draw(st.permutations(tariffs)), "hours": hours,
            "year": year, "month": month}


def outcome(settle, scenario):
    try:
        return settle(**scenario)
    except SettlementInputError as error:
        return ("error", str(error), error.field)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_equals_the_per_day_reference(scenario):
    assert outcome(settlement_month, scenario) == outcome(settlement_month_reference, scenario)


def year_total(*, charges, tariffs, year) -> int:
    return sum(line.amount_ore for month in range(1, 13)
               for line in settlement_month(charges=charges, tariffs=tariffs, year=year, month=month))


@settings(max_examples=25, deadline=None)
@given(year=st.integers(2000, 2040), daily_ore=st.integers(0, 1_000_000), monthly_ore=st.integers(0, 30_000_000),
       before=st.integers(0, 400), after=st.sampled_from([None, 0, 1, 90]))
def test_a_whole_year_adds_up_to_the_yearly_amount(year, daily_ore, monthly_ore, before, after):
    tariffs = [TariffPeriod(service_id=10, valid_from=date(year - 2, 1, 1), valid_to=None, daily_ore=daily_ore,
                            monthly_ore=monthly_ore)]
    start = date(year, 1, 1) - timedelta(days=before)
    end = None if after is None else date(year + 1, 1, 1) + timedelta(days=after)
    days = 366 if calendar.isleap(year) else 365
    daily = [charge(start=start, end=end)]
    assert year_total(charges=daily, tariffs=tariffs, year=year) == days * daily_ore
    pro_rata = [charge(start=start, end=end, rule="monthly_pro_rata", unit="month")]
    assert year_total(charges=pro_rata, tariffs=tariffs, year=year) == 12 * monthly_ore


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_splitting_a_charge_never_changes_the_daily_total(data):
    start = data.draw(st.dates(date(2023, 10, 1), date(2024, 3, 31)))
    length = data.draw(st.integers(2, 100))
    end = start + timedelta(days=length)
    split = start + timedelta(days=data.draw(st.integers(1, length - 1)))
    changes = sorted(set(data.draw(st.lists(st.dates(start, end), max_size=3))) | {date(2024, 1, 1)})
    bounds = [date(2023, 1, 1)] + changes
    tariffs = [TariffPeriod(service_id=10, valid_from=valid_from, valid_to=valid_to,
                            daily_ore=data.draw(st.integers(0, 600_000)))
               for valid_from, valid_to in zip(bounds, bounds[1:] + [None])]
    months = sorted({(day.year, day.month) for day in (start + timedelta(days=n) for n in range(length))})

    def total(charges):
        return sum(line.amount_ore for year, month in months
                   for line in settlement_month(charges=charges, tariffs=tariffs, year=year, month=month))

    whole = total([charge(start=start, end=end)])
    assert whole == total([charge(start=start, end=split), charge(start=split, end=end)])
    assert whole == sum(
        tariff.daily_ore * max(0, (min(end, tariff.valid_to or end) - max(start, tariff.valid_from)).days)
        for tariff in tariffs)
