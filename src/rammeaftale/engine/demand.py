"""Demand forecast (behovsprognose): a yearly series of place-days → the next years' expected place-days with an
80 % prediction interval, by exponential smoothing (statsmodels' ETS state-space models).

The rule for the model, by the number of whole years observed (`MIN_YEARS`, `TREND_YEARS`):

- fewer than 3 years: no forecast ("For få år til en prognose"): two points say nothing of a level's spread;
- 3 to 5 years: simple exponential smoothing, ETS(A,N,N): a flat forecast at the smoothed level;
- 6 years or more: Holt's linear trend, ETS(A,A,N): the smoothed level continued along the smoothed trend.

The interval is the models' analytical 80 % prediction interval (additive errors, normal): level ± 1.2816·σ_h with
σ_h² = σ²·(1 + (h−1)·α²) for simple smoothing and σ²·(1 + (h−1)·(α² + αβh + β²h(2h−1)/6)) for Holt, σ² the mean
squared one-step error of the fit. The rounding point is here and only here: the point and both bounds half up to
whole place-days, the lower bound not below 0. The fit is a deterministic optimisation (the same series gives the
same forecast); `demand_reference.py` recomputes the forecast from the fitted parameters in plain Python.
"""
import warnings
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_YEARS = 3
TREND_YEARS = 6
HORIZON = 3
INTERVAL_PCT = 80
TOO_FEW_DA = f"For få år til en prognose (mindst {MIN_YEARS} hele år)."

SIMPLE = "simple"  # ETS(A,N,N)
HOLT = "holt"  # ETS(A,A,N)
METHOD_LABELS_DA = {SIMPLE: "simpel eksponentiel udjævning", HOLT: "Holts lineære trend"}


@dataclass(frozen=True)
class ForecastYear:
    year: int
    value: int  # expected place-days, half up
    lower: int  # the interval's bounds, half up, the lower not below 0
    upper: int


@dataclass(frozen=True)
class Fit:
    """The fitted model's parameters, for the reference and the docs: smoothing weights, the initial states and
    σ² (mean squared one-step error)."""

    alpha: float
    beta: float | None
    level0: float
    trend0: float | None
    sigma2: float


@dataclass(frozen=True)
class Forecast:
    method: str | None  # SIMPLE, HOLT, or None with too few years
    years: tuple[ForecastYear, ...]
    fit: Fit | None = None
    message_da: str = ""

    @property
    def method_da(self) -> str:
        return METHOD_LABELS_DA.get(self.method or "", "")


def whole(value: float) -> int:
    """The rounding point: half up to a whole number of place-days (through the float's shortest decimal text)."""
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def method_for(years: int) -> str | None:
    if years < MIN_YEARS:
        return None
    return HOLT if years >= TREND_YEARS else SIMPLE


def demand_forecast(*, series: list[tuple[int, int]], horizon: int = HORIZON, skip: int = 0) -> Forecast:
    """series: (year, place-days) of consecutive whole years, oldest first. The forecast of the `horizon` years after
    the first `skip` years that follow the last observed one (skip=1: the running year is left out)."""
    years = [year for year, _ in series]
    if years and years != list(range(years[0], years[0] + len(years))):
        raise ValueError("the series must be consecutive years")
    method = method_for(len(series))
    if method is None:
        return Forecast(method=None, years=(), message_da=TOO_FEW_DA)
    values = [float(value) for _, value in series]
    steps = skip + horizon
    if len(set(values)) == 1:
        # A constant series has no errors to estimate; the models' answer is the value itself with no spread.
        flat = whole(values[0])
        return Forecast(method=method, fit=Fit(alpha=0.0, beta=None if method == SIMPLE else 0.0, level0=values[0],
                                               trend0=None if method == SIMPLE else 0.0, sigma2=0.0),
                        years=tuple(ForecastYear(years[-1] + step, flat, flat, flat)
                                    for step in range(skip + 1, steps + 1)))
    mean, lower, upper, fit = _ets(values, trend=method == HOLT, steps=steps)
    return Forecast(method=method, fit=fit, years=tuple(
        ForecastYear(year=years[-1] + step, value=max(whole(mean[step - 1]), 0), lower=max(whole(lower[step - 1]), 0),
                     upper=max(whole(upper[step - 1]), 0))
        for step in range(skip + 1, steps + 1)))


def _ets(values: list[float], *, trend: bool, steps: int) -> tuple[list[float], list[float], list[float], Fit]:
    # statsmodels (with pandas and scipy) takes a second to import: only the forecast pays for it.
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        # On a few points the optimiser warns of a bound reached or slow convergence; the fit is still the best
        # it found, and the interval carries the uncertainty.
        warnings.simplefilter("ignore")
        model = ETSModel(pd.Series(values), error="add", trend="add" if trend else None)
        result = model.fit(disp=False)
        frame = result.get_prediction(start=len(values), end=len(values) + steps - 1).summary_frame(
            alpha=1 - INTERVAL_PCT / 100)
    params = dict(zip(result.param_names, (float(p) for p in result.params), strict=True))
    fit = Fit(alpha=params["smoothing_level"], beta=params.get("smoothing_trend"), level0=params["initial_level"],
              trend0=params.get("initial_trend"), sigma2=float(result.mse))
    return (frame["mean"].tolist(), frame["pi_lower"].tolist(), frame["pi_upper"].tolist(), fit)
