"""Charts as Vega-Lite specs (Altair), rendered offline by vl-convert: SVG inline on the pages and in the PDFs, PNG
in the XLSX files. No browser and no network; Danish labels and number format (decimal comma, thousands dot).

Percentages are Decimals everywhere else; they become floats only here, at the drawing boundary.
"""
import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

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

# One palette for every chart's series (issue 16: colours repeated once a chart had more than Vega's ten): twelve
# hues, as many as there are legal paragraphs, each at least 3:1 against white (WCAG 2.2 SC 1.4.11, non-text
# contrast; tests/unit/test_charts.py checks it). The first five are Okabe & Ito's colour-blind safe colours (their
# yellow darkened to reach 3:1), then Paul Tol's dark ones. Twelve colours cannot all stay apart for every colour
# vision, so a series also has its own point shape and line dash (`series_scales`): no two series look alike.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#332288",
                  "#117733", "#882255", "#555555", "#AA4499", "#999933", "#00798C")
SERIES_SHAPES = ("circle", "square", "triangle-up", "diamond", "triangle-down", "cross")
SERIES_DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3])


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
                           scale=alt.Scale(domain=[ACTUAL, BUDGET], range=list(SERIES_COLOURS[:2]))),
        "strokeDash": alt.StrokeDash("serie:N", legend=None,
                                     scale=alt.Scale(domain=[ACTUAL, BUDGET], range=[[1, 0], [6, 4]])),
        "tooltip": [alt.Tooltip("periode:N", title="Periode"), alt.Tooltip("serie:N", title="Serie"),
                    alt.Tooltip("procent:Q", title="Procent", format=",.2f")],
    }
    chart = (base.mark_line(point=True).encode(**encoding)
             .properties(title=title, width=520, height=200))
    return _spec(chart)


def _shortened(name: str, limit: int) -> str:
    """`name` in at most `limit` characters: its first and last words with «…» between them, as many as fit (the
    end of a name is often what tells it apart: «Den selvejende institution Granbakken» → «Den selvejende …
    Granbakken»); a name whose first and last word do not fit is cut at the end."""
    if len(name) <= limit:
        return name
    words = name.split()
    head, tail = words[:1], words[-1:]
    first, last = 1, len(words) - 2

    def length() -> int:
        return len(" ".join(head)) + 3 + len(" ".join(tail))

    grew = True
    while grew and first <= last:
        grew = False
        if first <= last and length() + 1 + len(words[first]) <= limit:
            head.append(words[first])
            first, grew = first + 1, True
        if first <= last and length() + 1 + len(words[last]) <= limit:
            tail.insert(0, words[last])
            last, grew = last - 1, True
    if len(words) < 2 or length() > limit:
        return name[:limit - 1].rstrip() + "…"
    return f"{' '.join(head)} … {' '.join(tail)}"


def distinct_labels(names, *, limit: int) -> dict[str, str]:
    """A short label per name (at most `limit` characters where that tells the names apart), never the same for
    two names: Vega cuts a long label at the axis' width, and three «Den selvejende institution …» read the same
    (issue 16). Names that would share a label get longer ones, up to the whole name."""
    names = sorted(set(names))
    labels = {name: _shortened(name, limit) for name in names}
    longest = max((len(name) for name in names), default=0)
    while True:
        seen: dict[str, list[str]] = {}
        for name, label in labels.items():
            seen.setdefault(label, []).append(name)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes or limit >= longest:
            return labels
        limit += 4
        for group in clashes:
            for name in group:
                labels[name] = _shortened(name, limit)


HEAT_MAP_X_LABEL = 26  # characters: a municipality's name («Ringkøbing-Skjern Kommune»)
HEAT_MAP_Y_LABEL = 32


def _label_pixels(labels: dict[str, str]) -> int:
    """An axis' label limit in pixels above what its longest label needs (DejaVu Sans at 11 px is at most about 7 px
    a character): Vega never cuts a label itself."""
    return 7 * max((len(label) for label in labels.values()), default=0) + 10


def heat_map_chart(cells: list[tuple[str, str, int]], *, title: str, x_title: str, y_title: str) -> dict:
    """(x, y, value) cells as coloured squares; e.g. buying × operating municipality, place-days. The axes show a
    distinct short label per name (`distinct_labels`), ordered by the names; a cell's description has both whole
    names."""
    x_labels = distinct_labels((x for x, _, _ in cells), limit=HEAT_MAP_X_LABEL)
    y_labels = distinct_labels((y for _, y, _ in cells), limit=HEAT_MAP_Y_LABEL)
    rows = [{"x": x_labels[x], "y": y_labels[y], "v": int(value),
             # the cell's accessible name, with the whole names (Vega's own would carry the short labels)
             "d": f"{y_title}: {y}; {x_title}: {x}; Pladsdøgn: {int(value):,}".replace(",", ".")}
            for x, y, value in cells]
    size = max(len(x_labels), 1)
    height = max(len(y_labels), 1)
    chart = alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("x:N", title=x_title, sort=list(x_labels.values()),
                axis=alt.Axis(labelAngle=-60, labelLimit=_label_pixels(x_labels))),
        y=alt.Y("y:N", title=y_title, sort=list(y_labels.values()),
                axis=alt.Axis(labelLimit=_label_pixels(y_labels))),
        # Steps, not a gradient: readable in print, and WeasyPrint leaves out an SVG gradient legend.
        color=alt.Color("v:Q", title="Pladsdøgn", scale=alt.Scale(type="quantize", scheme="blues", nice=True),
                        legend=alt.Legend(format=",.0f")),
        description=alt.Description("d:N"),
    ).properties(title=title, width=min(16 * size, 900), height=min(16 * height, 900))
    return _spec(chart)


def series_style(index: int) -> tuple[str, str, list[int]]:
    """The colour, point shape and dash of a chart's `index`th series: the combination is unique for the first 24
    series (colour and shape repeat every 12 and 6, the dash changes every 6)."""
    return (SERIES_COLOURS[index % len(SERIES_COLOURS)], SERIES_SHAPES[index % len(SERIES_SHAPES)],
            SERIES_DASHES[index // len(SERIES_SHAPES) % len(SERIES_DASHES)])


def series_scales(series: list[str]) -> dict[str, alt.Scale]:
    """Explicit colour, shape and dash scales for the series in their order, so each has its own look."""
    styles = [series_style(index) for index in range(len(series))]
    return {"color": alt.Scale(domain=series, range=[colour for colour, _, _ in styles]),
            "shape": alt.Scale(domain=series, range=[shape for _, shape, _ in styles]),
            "strokeDash": alt.Scale(domain=series, range=[dash for _, _, dash in styles])}


def _year_lines(rows: list[tuple[str, int, Decimal | None]], *, title: str, field: str, axis_title: str,
                tooltip_title: str, legend: str) -> dict:
    """(series, year, value) as lines over the years, one colour a series."""
    values = [{"serie": series, "år": str(year), field: _number(value)} for series, year, value in rows
              if value is not None]
    if not values:  # Vega would draw a chart without points infinitely wide (a width of 1.8e308 crashes Chromium)
        return {}
    series = list(dict.fromkeys(row["serie"] for row in values))  # in the order given (e.g. by paragraph)
    scales = series_scales(series)
    chart = alt.Chart(alt.Data(values=values)).mark_line(point=alt.OverlayMarkDef(filled=True, size=45)).encode(
        x=alt.X("år:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{field}:Q", title=axis_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f")),
        color=alt.Color("serie:N", title=None, sort=series, scale=scales["color"],
                        legend=alt.Legend(orient=legend, labelLimit=260, symbolSize=70, symbolStrokeWidth=2)),
        shape=alt.Shape("serie:N", title=None, sort=series, scale=scales["shape"]),
        strokeDash=alt.StrokeDash("serie:N", title=None, sort=series, scale=scales["strokeDash"]),
        tooltip=[alt.Tooltip("serie:N", title="Serie"), alt.Tooltip("år:O", title="År"),
                 alt.Tooltip(f"{field}:Q", title=tooltip_title, format=",.2f")],
    ).properties(title=title, width=520, height=220)
    return _spec(chart)


def spend_chart(rows: list[tuple[str, int, Decimal | None]], *, title: str) -> dict:
    """(series, year, kroner) as lines over the years: e.g. the purchases and the P/L line from the first year."""
    return _year_lines(rows, title=title, field="kr", axis_title="Kroner", tooltip_title="Kroner", legend="bottom")


def trend_chart(rows: list[tuple[str, int, Decimal | None]], *, title: str) -> dict:
    """(series, year, occupancy %) as lines over the years."""
    return _year_lines(rows, title=title, field="procent", axis_title="Belægning (%)", tooltip_title="Procent",
                       legend="right")


_PROLOGUE = re.compile(r"^\s*<\?xml[^>]*>\s*")
_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')
_svg_numbers = itertools.count(1)
_TAG = re.compile(r"<(?:g|path|text|rect)\b[^>]*>")
_ROLE_ATTRS = re.compile(r' (?:role="graphics-[a-z]+"|aria-roledescription="[^"]*"|aria-label="[^"]*")')


def _accessible_marks(tag: re.Match) -> str:
    """Keep Vega's named marks (their labels carry the figures, in Danish); take the roles off what has no name of
    its own (empty mark containers) and off axes and legends, whose generated descriptions are English."""
    match = tag.group(0)
    if "role=" not in match:
        return match
    if "aria-label=" not in match or "role-axis" in match or "role-legend" in match:
        return _ROLE_ATTRS.sub("", match)
    return match


def _title_of(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def chart_svg(spec: dict) -> str:
    """SVG markup to inline in a page or PDF: role="img" with the title as its accessible name (aria-label and a
    <title> child), and ids made unique so several charts on one page do not share a gradient or clip path. An empty
    spec (a chart without data) is no chart: ""."""
    if not spec:
        return ""
    svg = vl_convert.vegalite_to_svg(spec, format_locale=FORMAT_LOCALE, time_format_locale=TIME_FORMAT_LOCALE)
    svg = _PROLOGUE.sub("", svg)
    prefix = f"chart{next(_svg_numbers)}-"
    svg = _ID.sub(lambda match: match.group(1) + prefix + match.group(2), svg)
    title = _escape(_title_of(spec))
    # The chart is an image with its title as name; its marks keep their names (the figures), the rest its roles.
    svg = _TAG.sub(_accessible_marks, svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
    opening_end = svg.index(">") + 1
    return f"{svg[:opening_end]}<title>{title}</title>{svg[opening_end:]}"


def chart_png(spec: dict, *, scale: float = 2) -> bytes:
    return vl_convert.vegalite_to_png(spec, scale=scale, format_locale=FORMAT_LOCALE,
                                      time_format_locale=TIME_FORMAT_LOCALE)


# The same drawing with fewer nodes, for WeasyPrint: it spends its time per SVG node (a transform, a graphic state,
# a path to parse), and vl-convert's SVG is written for browsers and screen readers (groups per mark and role, a
# transform per tick, zero-size background paths, the labels Vega hid as overlapping at opacity 0).
_SVG = "http://www.w3.org/2000/svg"
_KEEP_SUBTREE = {"defs", "clipPath", "mask", "pattern", "marker", "symbol", "linearGradient", "radialGradient",
                 "filter", "style", "title", "desc"}
_SCREEN_ONLY = {"class", "role", "pointer-events", "aria-label", "aria-roledescription", "aria-hidden"}
_LINE_LOOK = {"stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "stroke-linecap", "opacity"}
_TRANSLATE = re.compile(r"^translate\((-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)\)$")
_CIRCLE = re.compile(r"^M([\d.]+),0A\1,\1,0,1,1,-\1,0A\1,\1,0,1,1,\1,0$")  # Vega's circle symbol
_EMPTY_PATHS = {"", "M0,0h0v0h0Z"}


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _invisible(element, fill: str, stroke: str) -> bool:
    if element.get("display") == "none" or element.get("opacity") == "0":
        return True
    return _local(element) == "path" and (element.get("d", "") in _EMPTY_PATHS or (
        element.get("fill", fill) == "none" and element.get("stroke", stroke) == "none"))


def _line_path(line) -> str:
    return f"M{line.get('x1', '0')},{line.get('y1', '0')}L{line.get('x2', '0')},{line.get('y2', '0')}"


def _simplified(parent, fill: str, stroke: str) -> list:
    """`parent`'s children simplified (recursively), groups without attributes opened up."""
    fill, stroke = parent.get("fill", fill), parent.get("stroke", stroke)
    children = []
    for child in list(parent):
        tag = _local(child)
        if tag in _KEEP_SUBTREE or child.get("id"):
            children.append(child)
            continue
        if _invisible(child, fill, stroke):
            continue
        for name in _SCREEN_ONLY & set(child.attrib):
            del child.attrib[name]
        translate = _TRANSLATE.match(child.get("transform", ""))
        if tag == "g":
            kept = _simplified(child, fill, stroke)
            for grandchild in list(child):
                child.remove(grandchild)
            child.extend(kept)
            if not kept:
                continue
            if child.get("transform") == "translate(0,0)":
                del child.attrib["transform"]
            if not child.attrib:
                children.extend(kept)
                continue
        elif tag == "line" and translate and not {"x1", "y1"} & set(child.attrib):
            tx, ty = float(translate.group(1)), float(translate.group(2))
            del child.attrib["transform"]
            child.set("x1", f"{tx:g}")
            child.set("y1", f"{ty:g}")
            child.set("x2", f"{tx + float(child.get('x2', 0)):g}")
            child.set("y2", f"{ty + float(child.get('y2', 0)):g}")
        elif tag == "path" and translate and (circle := _CIRCLE.match(child.get("d", ""))):
            del child.attrib["transform"], child.attrib["d"]
            child.tag = f"{{{_SVG}}}circle"
            child.set("cx", translate.group(1))
            child.set("cy", translate.group(2))
            child.set("r", circle.group(1))
        elif tag == "text" and translate and not {"x", "y"} & set(child.attrib):
            del child.attrib["transform"]
            child.set("x", translate.group(1))
            child.set("y", translate.group(2))
        children.append(child)
    # Lines side by side with the same look (a grid, an axis' ticks) become one path.
    merged, paths = [], set()
    for child in children:
        if _local(child) != "line" or not set(child.attrib) <= _LINE_LOOK | {"x1", "y1", "x2", "y2"}:
            merged.append(child)
            continue
        previous = merged[-1] if merged else None
        if previous is not None and id(previous) in paths and all(
                previous.get(name) == child.get(name) for name in _LINE_LOOK):
            previous.set("d", previous.get("d") + _line_path(child))
            continue
        path = ElementTree.Element(f"{{{_SVG}}}path", {name: value for name, value in child.attrib.items()
                                                       if name in _LINE_LOOK})
        path.set("d", _line_path(child))
        path.set("fill", "none")
        paths.add(id(path))
        merged.append(path)
    return merged


def svg_for_print(svg: str) -> str:
    """A chart's SVG (as `chart_svg` makes it) drawn the same with a third of the nodes: groups without attributes
    opened up, invisible marks left out (zero-size and unpainted backgrounds, labels at opacity 0), a tick's or grid
    line's translation written into its coordinates and lines of one look joined into one path, Vega's circle
    symbols as circles, text translations as x and y. The attributes for screen readers go (the PDF names the
    figure by its alternative text). Definitions, clip paths and anything with an id are kept as they are."""
    root = ElementTree.fromstring(svg)
    kept = _simplified(root, "black", "none")
    for child in list(root):
        root.remove(child)
    root.extend(kept)
    for element in root.iter():  # written with SVG as the default namespace, not as ns0: prefixes
        if element.tag.startswith(f"{{{_SVG}}}"):
            element.tag = element.tag[len(_SVG) + 2:]
    root.set("xmlns", _SVG)
    return ElementTree.tostring(root, encoding="unicode")


CAPACITY = "Kapacitet"
OCCUPIED = "Belagte pladsdøgn"
FORECAST = "Prognose"


def demand_chart(*, observed: list[tuple[int, int, int]], forecast: list[tuple[int, int, int, int, int]],
                 interval_pct: int, title: str) -> dict:
    """Supply against demand in place-days over the years: capacity as a line, the whole years' occupied place-days,
    the forecast's point as a dashed line and its interval as a band. observed: (year, occupied, capacity);
    forecast: (year, capacity, point, lower, upper)."""
    rows = [{"år": str(year), "serie": OCCUPIED, "pladsdøgn": occupied} for year, occupied, _ in observed]
    rows += [{"år": str(year), "serie": CAPACITY, "pladsdøgn": capacity} for year, _, capacity in observed]
    rows += [{"år": str(year), "serie": CAPACITY, "pladsdøgn": capacity} for year, capacity, *_ in forecast]
    rows += [{"år": str(year), "serie": FORECAST, "pladsdøgn": point} for year, _, point, _, _ in forecast]
    band = [{"år": str(year), "nedre": lower, "øvre": upper} for year, _, _, lower, upper in forecast]
    years = sorted({row["år"] for row in rows})
    x = alt.X("år:O", title=None, sort=years, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0))
    colours = {OCCUPIED: SERIES_COLOURS[0], FORECAST: SERIES_COLOURS[1], CAPACITY: SERIES_COLOURS[8]}
    # The interval belongs to the forecast: its colour, lighter (it was the first series' blue, capacity's).
    interval = alt.Chart(alt.Data(values=band)).mark_area(opacity=0.2, color=colours[FORECAST]).encode(
        x=x, y=alt.Y("nedre:Q", title="Pladsdøgn", axis=alt.Axis(format=",.0f")), y2="øvre:Q",
        tooltip=[alt.Tooltip("år:O", title="År"),
                 alt.Tooltip("nedre:Q", title=f"Prognoseinterval ({interval_pct} %), nedre", format=",.0f"),
                 alt.Tooltip("øvre:Q", title="øvre", format=",.0f")])
    lines = alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=x, y=alt.Y("pladsdøgn:Q", title="Pladsdøgn", axis=alt.Axis(format=",.0f")),
        color=alt.Color("serie:N", title=None, sort=[CAPACITY, OCCUPIED, FORECAST],
                        scale=alt.Scale(domain=[CAPACITY, OCCUPIED, FORECAST],
                                        range=[colours[CAPACITY], colours[OCCUPIED], colours[FORECAST]]),
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("serie:N", sort=[CAPACITY, OCCUPIED, FORECAST], legend=None,
                                  scale=alt.Scale(domain=[CAPACITY, OCCUPIED, FORECAST],
                                                  range=[[1, 0], [1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("serie:N", title="Serie"), alt.Tooltip("år:O", title="År"),
                 alt.Tooltip("pladsdøgn:Q", title="Pladsdøgn", format=",.0f")])
    chart = alt.layer(interval, lines).properties(title=title, width=520, height=220)
    return _spec(chart)
