"""The occupancy charts as SVG: an offer's occupancy month by month against its budgeted (the report, the offer page,
the compiled PDF) and the analysis charts; each distinct chart rendered once.

vl-convert takes a tenth of a second to half a second a chart, which a page with a chart per offer cannot pay on every
view. A chart is kept in a bounded in-process cache keyed by what it shows (the figures, the title), so a changed
figure is a new chart and never a stale one; each use gets fresh ids, so several charts on one page never share one.
"""
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from decimal import Decimal

from rammeaftale.engine.occupancy import year_periods
from rammeaftale.occupancy.inputs import offer_occupancy
from rammeaftale.occupancy.models import OccupancyReportLine
from rammeaftale.reports.charts import OccupancyPoint, chart_svg, occupancy_chart
from rammeaftale.reports.pdf import Progress, no_progress

CACHE_SIZE = 1024  # charts kept per process (an occupancy chart is 10–20 KB)
_cache: OrderedDict[Hashable, str] = OrderedDict()
_lock = threading.Lock()
_PREFIXED_ID = re.compile(r'(id="|url\(#|href="#)chart\d+-')
_uses = iter(range(1, 2**62))


def cached_svg(key: Hashable, spec: Callable[[], dict]) -> str:
    """The chart of `key` as inline SVG: rendered from `spec()` the first time, then taken from the cache with its ids
    made unique for this use (as `chart_svg` makes them)."""
    with _lock:
        svg = _cache.get(key)
        if svg is not None:
            _cache.move_to_end(key)
    if svg is None:
        svg = chart_svg(spec())
        with _lock:
            _cache[key] = svg
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    prefix = f"chartc{next(_uses)}-"
    return _PREFIXED_ID.sub(lambda match: match.group(1) + prefix, svg)


def month_chart_svg(*, title: str, points: list[OccupancyPoint]) -> str:
    """Occupancy per month with the budget line (reports.charts.occupancy_chart), rendered once per figures."""
    return cached_svg(("occupancy", title, tuple(points)), lambda: occupancy_chart(points, title=title))


def _months(year: int, until: date):
    return [period for period in year_periods(year) if period.name[5:].isdigit() and period.end <= until]


def _points(figures: dict, offer_id: int, months, budgeted_pct: Decimal | None) -> list[OccupancyPoint]:
    return [OccupancyPoint(period=month.name, start=month.start,
                           actual_pct=figure.pct if (figure := figures.get((offer_id, month.name))) else None,
                           budgeted_pct=budgeted_pct)
            for month in months]


def chart_title(offer_name: str, year: int) -> str:
    return f"{offer_name}: belægning pr. måned {year}"


def monthly_charts(lines: list[OccupancyReportLine], *, year: int, until: date,
                   progress: Progress = no_progress, total: int | None = None) -> dict[int, str]:
    """SVG per offer (by id): its occupancy in each month of `year` ending by `until`, against its budgeted.
    One extraction for all the offers; each chart is a progress step (of `total`, default the charts)."""
    if not lines:
        return {}
    months = _months(year, until)
    figures = offer_occupancy(periods=months, offer_ids=[line.offer_id for line in lines])
    charts = {}
    for index, line in enumerate(lines):
        progress(index, total or len(lines), f"Tegner diagram {index + 1} af {len(lines)}")
        charts[line.offer_id] = month_chart_svg(title=chart_title(line.offer.name, year),
                                                points=_points(figures, line.offer_id, months, line.budgeted_pct))
    return charts


def line_chart(line: OccupancyReportLine, *, year: int, until: date) -> str:
    """One report line's chart (the report page loads each chart on its own, after the page)."""
    return monthly_charts([line], year=year, until=until)[line.offer_id]
