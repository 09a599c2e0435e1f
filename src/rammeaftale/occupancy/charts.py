"""The report's chart per offer: occupancy month by month through the period, with the budgeted as a line."""
from datetime import date

from rammeaftale.engine.occupancy import year_periods
from rammeaftale.occupancy.inputs import offer_occupancy
from rammeaftale.occupancy.models import OccupancyReportLine
from rammeaftale.reports.charts import OccupancyPoint, chart_svg, occupancy_chart
from rammeaftale.reports.pdf import Progress, no_progress


def monthly_charts(lines: list[OccupancyReportLine], *, year: int, until: date,
                   progress: Progress = no_progress, total: int | None = None) -> dict[int, str]:
    """SVG per offer (by id): its occupancy in each month of `year` ending by `until`, against its budgeted.
    One extraction for all the offers; each chart is a progress step (of `total`, default the charts)."""
    if not lines:
        return {}
    months = [period for period in year_periods(year) if period.name[5:].isdigit() and period.end <= until]
    figures = offer_occupancy(periods=months, offer_ids=[line.offer_id for line in lines])
    charts = {}
    for index, line in enumerate(lines):
        progress(index, total or len(lines), f"Tegner diagram {index + 1} af {len(lines)}")
        points = [
            OccupancyPoint(period=month.name, start=month.start,
                           actual_pct=figure.pct if (figure := figures.get((line.offer_id, month.name))) else None,
                           budgeted_pct=line.budgeted_pct)
            for month in months
        ]
        charts[line.offer_id] = chart_svg(occupancy_chart(points, title=f"{line.offer.name}: belægning pr. måned {year}"))
    return charts
