"""Time as an input, in the pure parts: the provisional tariff's rounding, the 12-month claim day by day, and
one place that decides which agreement governs a year."""
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rammeaftale.engine.provisional import provisional_tariff_ore
from rammeaftale.engine.settlement import SettlementLine, line_late_part

SRC = Path(__file__).resolve().parents[2] / "src" / "rammeaftale"


def test_the_provisional_tariff_is_last_years_times_pl_half_up_at_the_ore():
    assert provisional_tariff_ore(previous_ore=234_567, pl_pct=Decimal("2.00")) == 239_258  # 239.258,34
    assert provisional_tariff_ore(previous_ore=50, pl_pct=Decimal("1")) == 51  # 50,5 øre → 51 (half up)
    assert provisional_tariff_ore(previous_ore=100_000, pl_pct=Decimal("-1.5")) == 98_500
    with pytest.raises(TypeError):
        provisional_tariff_ore(previous_ore=100_000, pl_pct=2.0)


def _line(start: date, end: date, *, basis: str, quantity: int, rate: int, amount: int, unit: str = "day"):
    return SettlementLine(placement_id=1, service_id=1, seller_id=1, buyer_id=2, period_from=start, period_to=end,
                          unit=unit, quantity=quantity, rate_ore=rate, amount_ore=amount, basis=basis)


def test_the_claim_limit_counts_day_by_day_not_the_whole_line():
    line = _line(date(2025, 1, 1), date(2025, 2, 1), basis="days", quantity=31, rate=100_000, amount=3_100_000)
    # Issued 6 January 2026: help on 1–5 January 2025 was given more than 12 months before (SEL § 174 stk. 2).
    assert line_late_part(line=line, claim_limit=date(2025, 1, 6)) == (5, 500_000)
    assert line_late_part(line=line, claim_limit=date(2025, 1, 1)) == (0, 0)
    assert line_late_part(line=line, claim_limit=date(2025, 3, 1)) == (31, 3_100_000)


def test_a_monthly_line_is_late_pro_rata_rounded_as_a_line():
    whole = _line(date(2025, 2, 1), date(2025, 3, 1), basis="month", quantity=28, rate=7_134_746, amount=7_134_746,
                  unit="month")
    # 10 of 28 days: 7.134.746 × 10 / 28 = 2.548.123,57… → 2.548.124 øre.
    assert line_late_part(line=whole, claim_limit=date(2025, 2, 11)) == (10, 2_548_124)
    hours = _line(date(2025, 1, 1), date(2025, 2, 1), basis="hours", quantity=135, rate=52_000, amount=117_000,
                  unit="hour")
    assert line_late_part(line=hours, claim_limit=date(2025, 1, 6), late_minutes=90) == (5, 78_000)


def test_only_the_rules_selector_looks_up_agreements_by_year():
    """One answer to "which rules apply": no other module filters agreements by their years (docs/rulebooks.md)."""
    pattern = re.compile(r"year_(from|to)__(lte|gte|lt|gt)=[\w.]*year\b")  # an agreement's years against a year
    offenders = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
                 if "migrations" not in path.parts and path.name != "rules.py" and pattern.search(path.read_text())]
    assert offenders == []
