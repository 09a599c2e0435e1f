"""The demand forecast: hand-checkable series, the rule for short series, and statsmodels' forecast against the
plain recursions of `engine/demand_reference.py`."""
import pytest

from rammeaftale.engine.demand import HOLT, SIMPLE, TOO_FEW_DA, ForecastYear, _ets, demand_forecast, whole
from rammeaftale.engine.demand_reference import reference_forecast


def series(start, values):
    return [(start + index, value) for index, value in enumerate(values)]


def test_too_few_years_gives_no_forecast_and_says_so():
    for values in ([], [100], [100, 120]):
        forecast = demand_forecast(series=series(2024, values))
        assert forecast.method is None and forecast.years == ()
        assert forecast.message_da == TOO_FEW_DA == "For få år til en prognose (mindst 3 hele år)."


def test_the_method_follows_the_number_of_years():
    assert demand_forecast(series=series(2020, [1, 2, 4])).method == SIMPLE
    assert demand_forecast(series=series(2020, [1, 2, 4, 3, 5])).method == SIMPLE
    assert demand_forecast(series=series(2020, [1, 2, 4, 3, 5, 6])).method == HOLT


def test_a_constant_series_forecasts_itself_with_no_spread():
    forecast = demand_forecast(series=series(2023, [3650, 3650, 3650]))
    assert forecast.years == (ForecastYear(2026, 3650, 3650, 3650), ForecastYear(2027, 3650, 3650, 3650),
                              ForecastYear(2028, 3650, 3650, 3650))
    assert demand_forecast(series=series(2020, [0] * 7)).years[0] == ForecastYear(2027, 0, 0, 0)


def test_a_linear_series_continues_its_line():
    # 10, 12, …, 20 over six years: Holt fits the line exactly (σ² ≈ 0), so 22, 24, 26 with no spread.
    forecast = demand_forecast(series=series(2019, [10, 12, 14, 16, 18, 20]))
    assert forecast.method == HOLT
    assert forecast.years == (ForecastYear(2025, 22, 22, 22), ForecastYear(2026, 24, 24, 24),
                              ForecastYear(2027, 26, 26, 26))


def test_skip_leaves_out_the_running_year():
    forecast = demand_forecast(series=series(2019, [10, 12, 14, 16, 18, 20]), skip=1)
    assert [year.year for year in forecast.years] == [2026, 2027, 2028]
    assert [year.value for year in forecast.years] == [24, 26, 28]


def test_a_level_series_forecasts_its_mean_with_the_80_pct_interval_by_hand():
    # 100, 120, 90, 130, 110: no trend; the fit smooths with α at its floor (0.0001), so the level is the mean, 110,
    # and σ² is the mean squared deviation: (100+100+400+400+0)/5 = 200. The 80 % interval is 110 ± 1.2816·√200
    # = 110 ± 18.12 → 92 … 128, the same for every year (α² (h−1) ≈ 0).
    forecast = demand_forecast(series=series(2021, [100, 120, 90, 130, 110]))
    assert forecast.method == SIMPLE
    assert forecast.fit.sigma2 == pytest.approx(200, abs=0.1)
    assert forecast.years == (ForecastYear(2026, 110, 92, 128), ForecastYear(2027, 110, 92, 128),
                              ForecastYear(2028, 110, 92, 128))


def test_the_lower_bound_is_never_below_zero():
    forecast = demand_forecast(series=series(2021, [0, 40, 0, 40, 0]))
    assert all(year.lower >= 0 for year in forecast.years)
    assert forecast.years[0].lower == 0 and forecast.years[0].upper > forecast.years[0].value


def test_the_rounding_point_is_half_up():
    assert [whole(x) for x in (0.5, 1.5, 2.4999, 2.5, 109.99999781)] == [1, 2, 2, 3, 110]


def test_the_series_must_be_consecutive_years():
    with pytest.raises(ValueError):
        demand_forecast(series=[(2020, 1), (2022, 2), (2023, 3)])


@pytest.mark.parametrize("values", [
    [100, 120, 90, 130, 110],
    [300, 340, 310, 400, 420],
    [100, 120, 90, 130, 110, 140, 150],
    [300, 340, 310, 400, 420, 460, 455, 500],
    [5000, 4800, 5100, 4700, 4650, 4400],
])
def test_the_library_agrees_with_the_plain_recursions(values):
    floats = [float(value) for value in values]
    mean, lower, upper, fit = _ets(floats, trend=len(values) >= 6, steps=4)
    for (ref_mean, ref_lower, ref_upper), m, lo, up in zip(reference_forecast(floats, fit, 4), mean, lower, upper,
                                                          strict=True):
        assert m == pytest.approx(ref_mean, rel=1e-9)
        assert lo == pytest.approx(ref_lower, rel=1e-9)
        assert up == pytest.approx(ref_upper, rel=1e-9)


def test_the_forecast_is_deterministic():
    values = series(2018, [300, 340, 310, 400, 420, 460, 455, 500])
    assert demand_forecast(series=values) == demand_forecast(series=values)
