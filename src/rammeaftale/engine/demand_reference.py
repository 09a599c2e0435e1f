"""A plain reference for the demand forecast: the exponential smoothing recursions and the analytical interval
written out in Python from a fit's parameters (Hyndman & Athanasopoulos, «Forecasting: Principles and Practice»,
3rd ed., ch. 8: simple smoothing, trend methods, forecasting with ETS models), to check the library's forecast in tests."""
from statistics import NormalDist

from rammeaftale.engine.demand import INTERVAL_PCT, Fit


def reference_forecast(values: list[float], fit: Fit, steps: int) -> list[tuple[float, float, float]]:
    """(mean, lower, upper) for h = 1…steps after the series, from the fit's weights and initial states."""
    level, trend = fit.level0, fit.trend0 or 0.0
    beta = fit.beta or 0.0
    for value in values:
        error = value - (level + trend)
        level, trend = level + trend + fit.alpha * error, trend + beta * error
    z = NormalDist().inv_cdf(0.5 + INTERVAL_PCT / 200)
    answer = []
    for h in range(1, steps + 1):
        mean = level + h * trend
        if fit.beta is None:
            variance = fit.sigma2 * (1 + (h - 1) * fit.alpha ** 2)
        else:
            variance = fit.sigma2 * (1 + (h - 1) * (fit.alpha ** 2 + fit.alpha * beta * h
                                                    + beta ** 2 * h * (2 * h - 1) / 6))
        spread = z * variance ** 0.5
        answer.append((mean, mean - spread, mean + spread))
    return answer
