"""The provisional tariff (foreløbig takst): until a year's approved tariff arrives, last year's tariff × (1 + P/L).

A rammeaftale runs year after year, but a year's tariffs are approved in the autumn before it (research
§ 9: "takst(t) is set in autumn t-1") and sometimes late. Buying a place for January and invoicing January must
work all the same, so the tariff in force at the end of the year goes on, raised by the P/L of the new year
(the way standard contract v2.0 uplifts tariffs outside the agreement: "pl satsen fra sidste indgåede
økonomiaftale", research § 5), and is marked provisional until the approved tariff replaces it. Rounding point: the tariff is
rounded half up to øre once, from the exact product.
"""
from decimal import ROUND_HALF_UP, Decimal


def provisional_tariff_ore(*, previous_ore: int, pl_pct: Decimal) -> int:
    """Last year's tariff in øre raised by the P/L rate of the new year, half up to whole øre."""
    if isinstance(pl_pct, float) or isinstance(previous_ore, float):
        raise TypeError("provisional tariffs are computed from Decimal and int, never float")
    if previous_ore < 0:
        raise ValueError("previous_ore must not be negative")
    exact = Decimal(previous_ore) * (Decimal(100) + Decimal(pl_pct)) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
