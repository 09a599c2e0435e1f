"""Today, read in one place at the edges (pages, API, console) and passed down as `today=`.

`RAMMEAFTALE_TODAY=2026-12-06` fixes the day for a demonstration or a test run; nothing below the edges reads
the clock itself, so every rule that depends on the date can be tested on any day.
"""
import os
from datetime import date


def today() -> date:
    fixed = os.environ.get("RAMMEAFTALE_TODAY", "").strip()
    return date.fromisoformat(fixed) if fixed else date.today()
