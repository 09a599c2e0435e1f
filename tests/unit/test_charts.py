"""Charts rendered offline: the SVG names itself and its series in Danish number format; the PNG is a PNG."""
import re
from datetime import date
from decimal import Decimal

from rammeaftale.reports.charts import (
    OccupancyPoint,
    chart_png,
    chart_svg,
    heat_map_chart,
    occupancy_chart,
    spend_chart,
    svg_for_print,
    trend_chart,
)
from rammeaftale.reports.pdf import svg_image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _points() -> list[OccupancyPoint]:
    return [
        OccupancyPoint(period="2025-01", start=date(2025, 1, 1), actual_pct=Decimal("91.25"),
                       budgeted_pct=Decimal("95.00")),
        OccupancyPoint(period="2025-02", start=date(2025, 2, 1), actual_pct=Decimal("88.50"),
                       budgeted_pct=Decimal("95.00")),
        OccupancyPoint(period="2025-03", start=date(2025, 3, 1), actual_pct=None, budgeted_pct=Decimal("95.00")),
    ]


def test_occupancy_chart_svg_has_the_title_both_series_and_danish_decimals():
    svg = chart_svg(occupancy_chart(_points(), title="Bostedet Æblehaven: belægning pr. måned 2025"))
    assert svg.startswith("<svg ") and not svg.lstrip().startswith("<?xml")
    assert 'role="img" aria-label="Bostedet Æblehaven: belægning pr. måned 2025"' in svg
    assert "<title>Bostedet Æblehaven: belægning pr. måned 2025</title>" in svg
    assert "Faktisk belægning" in svg and "Budgetteret belægning" in svg
    # The points' accessible descriptions carry the tooltip format: decimal comma, never a point.
    assert "Procent: 91,25" in svg and "Procent: 88,5" in svg
    assert "91.25" not in svg
    assert "stroke-dasharray" in svg  # the budget is dashed


def test_heat_map_counts_with_thousands_dot_in_steps():
    cells = [("Odense", "Esbjerg", 12_345), ("Odense", "Odense", 3), ("Vejle", "Esbjerg", 400)]
    spec = heat_map_chart(cells, title="Køb på tværs 2025", x_title="Betalingskommune", y_title="Driftsherre")
    svg = chart_svg(spec)
    assert "Køb på tværs 2025" in svg and "Betalingskommune" in svg and "Driftsherre" in svg
    assert "Pladsdøgn: 12.345" in svg
    assert "role-legend" in svg and "gradient" not in svg  # a legend in steps, no gradient (steps print in the PDF)
    assert "Discrete legend" not in svg and "X-axis" not in svg  # Vega's English descriptions are taken off


def test_two_charts_on_one_page_do_not_share_ids():
    spec = {"data": {"values": [{"a": 1}, {"a": 5}]}, "mark": "rect", "title": "Med gradient",
            "encoding": {"x": {"field": "a", "type": "ordinal"}, "color": {"field": "a", "type": "quantitative"}}}
    first, second = chart_svg(spec), chart_svg(spec)
    ids = re.findall(r'id="([^"]+)"', first)
    assert ids and not set(ids) & set(re.findall(r'id="([^"]+)"', second))
    assert all(f"url(#{name})" in first for name in ids)


def test_trend_chart_draws_a_line_per_series_and_skips_missing_years():
    rows = [("SEL § 107", 2023, Decimal("90.10")), ("SEL § 107", 2024, Decimal("93.40")),
            ("SEL § 108", 2023, Decimal("80.00")), ("SEL § 108", 2024, None)]
    spec = trend_chart(rows, title="Belægning pr. paragraf")
    assert len(spec["data"]["values"]) == 3  # the year without capacity is not drawn as 0
    assert all(isinstance(row["procent"], float) for row in spec["data"]["values"])
    svg = chart_svg(spec)
    assert "SEL § 107" in svg and "SEL § 108" in svg and "Belægning pr. paragraf" in svg
    assert "Procent: 90,1" in svg


def test_png_for_the_spreadsheet():
    png = chart_png(occupancy_chart(_points(), title="Belægning"))
    assert png.startswith(PNG_MAGIC) and len(png) > 1000


def test_every_chart_shape_is_valid_vega_lite():
    """The charts are built without Altair's per-spec validation (for speed); each shape is checked here once."""
    import altair as alt

    specs = [
        occupancy_chart(_points(), title="Belægning"),
        heat_map_chart([("Odense", "Esbjerg", 1200), ("Vejle", "Esbjerg", 30)], title="Køb", x_title="Køber",
                       y_title="Driftsherre"),
        trend_chart([("§ 107", 2024, Decimal("90.5")), ("§ 107", 2025, None)], title="Tendens"),
    ]
    for spec in specs:
        alt.Chart.validate(spec)  # raises jsonschema.ValidationError on an invalid spec
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")


def _visible_texts(svg: str) -> list[str]:
    """The labels a reader sees: every <text> not hidden at opacity 0 (Vega hides overlapping axis labels so)."""
    return [text for attributes, text in re.findall(r"<text([^>]*)>([^<]*)</text>", svg)
            if 'opacity="0"' not in attributes]


def test_the_print_svg_draws_the_same_with_fewer_nodes():
    from xml.etree import ElementTree

    points = [OccupancyPoint(period=f"2025-{month:02}", start=date(2025, month, 1),
                             actual_pct=Decimal(80 + month), budgeted_pct=Decimal("95.00")) for month in range(1, 10)]
    svg = chart_svg(occupancy_chart(points, title="Bostedet Æblehaven: belægning pr. måned 2025"))
    printed = svg_for_print(svg)
    ElementTree.fromstring(printed)  # well-formed, SVG as the default namespace
    assert printed.startswith("<svg ") and 'xmlns="http://www.w3.org/2000/svg"' in printed and "ns0:" not in printed
    assert _visible_texts(printed) == _visible_texts(svg)  # every label, in order; none of the hidden ones
    assert 'opacity="0"' in svg and 'opacity="0"' not in printed
    assert printed.count("<") < svg.count("<") / 2
    assert printed.count("<circle") == 9 * 2 + 2  # a point per month and series and the legend's two, as circles
    assert 'stroke="#0072B2"' in printed and 'stroke-dasharray="6,4"' in printed  # both lines, the budget dashed
    assert "aria-roledescription" not in printed and "<title>Bostedet Æblehaven" in printed


def test_the_print_svg_keeps_definitions_and_anything_with_an_id():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><clipPath id="c1"><path '
           'd="M0,0h5v5h-5Z"/></clipPath></defs><g><g clip-path="url(#c1)"><path d="M0,0h9v9h-9Z" fill="red"/>'
           '</g><path id="p1" d="M0,0h0v0h0Z"/></g></svg>')
    printed = svg_for_print(svg)
    assert '<clipPath id="c1"><path d="M0,0h5v5h-5Z" /></clipPath>' in printed
    assert 'clip-path="url(#c1)"' in printed and 'id="p1"' in printed and 'fill="red"' in printed


def test_a_chart_for_the_pdf_is_an_image_named_by_its_title():
    svg = chart_svg(occupancy_chart(_points(), title="Bo & Leg <Øst>: belægning"))
    image = svg_image(svg)
    assert image.startswith('<img src="data:image/svg+xml;base64,')
    assert image.endswith(' alt="Bo &amp; Leg &lt;Øst&gt;: belægning">')
    assert svg_image("") == ""


def test_demand_chart_draws_capacity_occupied_forecast_and_its_band():
    import altair as alt

    from rammeaftale.reports.charts import demand_chart

    spec = demand_chart(observed=[(2021, 184, 730), (2022, 365, 730)],
                        forecast=[(2023, 730, 300, 150, 450), (2024, 1098, 300, 140, 460)], interval_pct=80,
                        title="Kapacitet og prognose: Udviklingshæmning")
    alt.LayerChart.validate(spec)
    band, lines = spec["layer"]
    assert band["data"]["values"][0] == {"år": "2023", "nedre": 150, "øvre": 450}
    assert {row["serie"] for row in lines["data"]["values"]} == {"Kapacitet", "Belagte pladsdøgn", "Prognose"}
    svg = chart_svg(spec)
    assert 'aria-label="Kapacitet og prognose: Udviklingshæmning"' in svg and "1.098" in svg


# Issue 16: colours that repeat, heat-map labels that read the same

def _contrast_on_white(colour: str) -> float:
    """WCAG 2.2 contrast ratio of an sRGB hex colour against white."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


def test_the_palette_has_a_colour_per_legal_paragraph_each_readable_on_white():
    from rammeaftale.reports.charts import SERIES_COLOURS, series_style

    assert len(set(SERIES_COLOURS)) == len(SERIES_COLOURS) == 12  # the reference data's twelve paragraphs
    assert all(_contrast_on_white(colour) >= 3 for colour in SERIES_COLOURS)  # WCAG 1.4.11 non-text contrast
    styles = [series_style(index) for index in range(24)]
    assert len({(colour, shape, tuple(dash)) for colour, shape, dash in styles}) == 24


def test_a_trend_with_twelve_series_gives_each_its_own_colour_shape_and_dash():
    import altair as alt

    series = [f"SEL § {number}" for number in (85, 101, 103, 104, 105, 107, 108, 109, 110)] + [
        "BL § 32", "BL § 43", "FSL § 20, stk. 2"]
    rows = [(name, year, Decimal("90") + index) for index, name in enumerate(series) for year in (2024, 2025)]
    spec = trend_chart(rows, title="Belægning pr. lovgrundlag")
    alt.Chart.validate(spec)
    encoding = spec["encoding"]
    assert encoding["color"]["scale"]["domain"] == series
    assert len(set(encoding["color"]["scale"]["range"])) == 12
    svg = chart_svg(spec)
    # Each series' line is drawn in its own colour (Vega's default scheme has ten: the 11th and 12th repeated).
    drawn = {colour.lower() for colour in re.findall(r'stroke="(#[0-9a-fA-F]{6})"', svg)}
    assert {colour.lower() for colour in encoding["color"]["scale"]["range"]} <= drawn


def test_the_demand_band_has_the_forecast_colour_not_the_first_series():
    from rammeaftale.reports.charts import demand_chart

    spec = demand_chart(observed=[(2022, 365, 730)], forecast=[(2023, 730, 300, 150, 450)], interval_pct=80,
                        title="Prognose")
    band, lines = spec["layer"]
    scale = lines["encoding"]["color"]["scale"]
    assert band["mark"]["color"] == scale["range"][scale["domain"].index("Prognose")]
    assert len(set(scale["range"])) == 3


def test_heat_map_labels_are_distinct_and_the_cells_name_the_whole_names():
    from rammeaftale.reports.charts import distinct_labels

    operators = ["Den selvejende institution Fyrrelund", "Den selvejende institution Granbakken",
                 "Den selvejende institution Åhjemmet", "Odense Kommune"]
    labels = distinct_labels(operators, limit=32)
    assert labels["Den selvejende institution Granbakken"] == "Den selvejende … Granbakken"
    assert labels["Odense Kommune"] == "Odense Kommune"
    assert len(set(labels.values())) == 4 and all(len(label) <= 32 for label in labels.values())
    # Names alike up to the limit get longer labels rather than the same one.
    alike = distinct_labels(["Bostedet ved Fjorden afdeling Nord ApS", "Bostedet ved Fjorden afdeling Syd ApS"],
                            limit=20)
    assert len(set(alike.values())) == 2

    cells = [("Esbjerg Kommune", operator, 100 + index) for index, operator in enumerate(operators)]
    svg = chart_svg(heat_map_chart(cells, title="Køb på tværs 2025", x_title="Betalingskommune",
                                   y_title="Driftsherre"))
    visible = _visible_texts(svg)
    for operator in operators:
        assert labels[operator] in visible  # on the axis, whole and uncut by Vega
        assert f"Driftsherre: {operator}; Betalingskommune: Esbjerg Kommune" in svg  # the cell's whole names
    assert not any(text.endswith("…") and text not in labels.values() for text in visible)


def test_a_chart_without_data_is_no_chart():
    """Vega draws a line chart without points 1.8e308 pixels wide, which crashed Chromium on the spending page of a
    municipality with only the running year invoiced: such a chart is no chart."""
    assert spend_chart([], title="Køb og P/L") == {}
    assert trend_chart([("SEL § 107", 2026, None)], title="Belægning") == {}
    assert chart_svg({}) == ""
