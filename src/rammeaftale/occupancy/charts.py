"""The report's chart per offer: occupancy month by month through the period, with the budgeted as a line."""
from datetime import date

from rammeaftale.engine.occupancy import year_periods
from rammeaftale.occupancy.inputs import offer_occupancy
from rammeaftale.occupancy.models import OccupancyReportLine
from rammeaftale.reports.charts import OccupancyPoint, chart_svg, occupancy_chart


def monthly_charts(lines: list[OccupancyReportLine], *, year: int, until: date) -> dict[int, str]:
    """SVG per offer (by id): its occupancy in each month of `year` ending by `until`, against its budgeted.
    One extraction for all the offers."""
    if not lines:
        return {}
    months = [period for period in year_periods(year) if period.name[5:].isdigit() and period.end <= until]
    figures = offer_occupancy(periods=months, offer_ids=[line.offer_id for line in lines])
    charts = {}
    for line in lines:
        points = [
            OccupancyPoint(period=month.name, start=month.start,
                           actual_pct=figure.pct if (figure := figures.get((line.offer_id, month.name))) else None,
                           budgeted_pct=line.budgeted_pct)
            for month in months
        ]
        charts[line.offer_id] = chart_svg(occupancy_chart(points, title=f"{line.offer.name}: belægning pr. måned {year}"))
    return charts
