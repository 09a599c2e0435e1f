"""Charts as Vega-Lite specs (Altair), rendered offline by vl-convert: SVG inline on the pages and in the PDFs, PNG
in the XLSX files. No browser and no network; Danish labels and number format (decimal comma, thousands dot).

Percentages are Decimals everywhere else; they become floats only here, at the drawing boundary.
"""
import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import altair as alt
import vl_convert

# d3-format and d3-time-format locales for Danish (as d3's own da-DK files)
FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " kr."]}
TIME_FORMAT_LOCALE = {
    "dateTime": "%A den %d %B %Y %X", "date": "%d.%m.%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
    "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
    "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
    "months": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
               "november", "december"],
    "shortMonths": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}
ACTUAL = "Faktisk belægning"
BUDGET = "Budgetteret belægning"
FONT = "DejaVu Sans"


@dataclass(frozen=True)
class OccupancyPoint:
    period: str
    start: date
    actual_pct: Decimal | None
    budgeted_pct: Decimal | None


def _number(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _spec(chart) -> dict:
    """The chart's Vega-Lite dict with the shared look. Altair's JSON-schema validation of every spec (a third of a
    chart's cost, the same dict either way) is left out: the few chart shapes here are checked once by the tests
    (tests/unit/test_charts.py validates each against the schema)."""
    configured = chart.configure(font=FONT).configure_axis(labelFontSize=11, titleFontSize=11)
    return configured.configure_title(fontSize=13).to_dict(validate=False)


def occupancy_chart(points: list[OccupancyPoint], *, title: str) -> dict:
    """Actual occupancy per period as a line with points, the budget as a dashed line."""
    rows = []
    for point in points:
        for series, value in ((ACTUAL, point.actual_pct), (BUDGET, point.budgeted_pct)):
            if value is not None:
                rows.append({"periode": point.period, "start": point.start.isoformat(), "serie": series,
                             "procent": _number(value)})
    base = alt.Chart(alt.Data(values=rows))
    encoding = {
        "x": alt.X("yearmonth(start):T", title=None,
                   axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 1})),
        "y": alt.Y("procent:Q", title="Belægning (%)", scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f")),
        "color": alt.Color("serie:N", title=None, legend=alt.Legend(orient="bottom"),
                           scale=alt.Scale(domain=[ACTUAL, BUDGET], range=["#1f5f99", "#b4441c"])),
        "strokeDash": alt.StrokeDash("serie:N", legend=None,
                                     scale=alt.Scale(domain=[ACTUAL, BUDGET], range=[[1, 0], [6, 4]])),
        "tooltip": [alt.Tooltip("periode:N", title="Periode"), alt.Tooltip("serie:N", title="Serie"),
                    alt.Tooltip("procent:Q", title="Procent", format=",.2f")],
    }
    chart = (base.mark_line(point=True).encode(**encoding)
             .properties(title=title, width=520, height=200))
    return _spec(chart)


def heat_map_chart(cells: list[tuple[str, str, int]], *, title: str, x_title: str, y_title: str) -> dict:
    """(x, y, value) cells as coloured squares; e.g. buying × operating municipality, place-days."""
    rows = [{"x": x, "y": y, "v": int(value)} for x, y, value in cells]
    size = max(len({x for x, _, _ in cells}), 1)
    height = max(len({y for _, y, _ in cells}), 1)
    chart = alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("x:N", title=x_title, sort="ascending", axis=alt.Axis(labelAngle=-60, labelLimit=140)),
        y=alt.Y("y:N", title=y_title, sort="ascending", axis=alt.Axis(labelLimit=160)),
        # Steps, not a gradient: readable in print, and WeasyPrint leaves out an SVG gradient legend.
        color=alt.Color("v:Q", title="Pladsdøgn", scale=alt.Scale(type="quantize", scheme="blues", nice=True),
                        legend=alt.Legend(format=",.0f")),
        tooltip=[alt.Tooltip("y:N", title=y_title), alt.Tooltip("x:N", title=x_title),
                 alt.Tooltip("v:Q", title="Pladsdøgn", format=",.0f")],
    ).properties(title=title, width=min(16 * size, 900), height=min(16 * height, 900))
    return _spec(chart)


def trend_chart(rows: list[tuple[str, int, Decimal | None]], *, title: str) -> dict:
    """(series, year, occupancy %) as lines over the years."""
    values = [{"serie": series, "år": str(year), "procent": _number(pct)} for series, year, pct in rows
              if pct is not None]
    chart = alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("år:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("procent:Q", title="Belægning (%)", scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f")),
        color=alt.Color("serie:N", title=None, legend=alt.Legend(orient="right", labelLimit=220)),
        tooltip=[alt.Tooltip("serie:N", title="Serie"), alt.Tooltip("år:O", title="År"),
                 alt.Tooltip("procent:Q", title="Procent", format=",.2f")],
    ).properties(title=title, width=520, height=220)
    return _spec(chart)


_PROLOGUE = re.compile(r"^\s*<\?xml[^>]*>\s*")
_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')
_svg_numbers = itertools.count(1)


def _title_of(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def chart_svg(spec: dict) -> str:
    """SVG markup to inline in a page or PDF: role="img" with the title as its accessible name (aria-label and a
    <title> child), and ids made unique so several charts on one page do not share a gradient or clip path."""
    svg = vl_convert.vegalite_to_svg(spec, format_locale=FORMAT_LOCALE, time_format_locale=TIME_FORMAT_LOCALE)
    svg = _PROLOGUE.sub("", svg)
    prefix = f"chart{next(_svg_numbers)}-"
    svg = _ID.sub(lambda match: match.group(1) + prefix + match.group(2), svg)
    title = _escape(_title_of(spec))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
    opening_end = svg.index(">") + 1
    return f"{svg[:opening_end]}<title>{title}</title>{svg[opening_end:]}"


def chart_png(spec: dict, *, scale: float = 2) -> bytes:
    return vl_convert.vegalite_to_png(spec, scale=scale, format_locale=FORMAT_LOCALE,
                                      time_format_locale=TIME_FORMAT_LOCALE)
