"""SVG text shaped and drawn a run at a time in WeasyPrint, instead of a letter at a time.

WeasyPrint 70 lays out and draws every letter of an SVG <text> as its own Pango layout and text object, so that it
can place each one where per-letter `x`, `y`, `dx`, `dy`, `rotate`, `letter-spacing` or `textLength` put it. A chart
has none of those: its ~150 letters (the title, the axis labels, the legend) cost half of the time WeasyPrint spends
drawing it, which in the compiled occupancy report (84 charts) was a third of the whole document. A text element
with at most one value of each position attribute and no spacing is drawn as one run here, at the same place, in the
same font, size, weight and fill (Pango then also applies the font's kerning, as a browser does); any other text
goes through WeasyPrint's own code unchanged. The same change is proposed upstream (Kozea/WeasyPrint pull request
2754, "shape and draw the whole text when there are no glyph-specific positioning attributes").

The replacement is installed only for the WeasyPrint version it was written against (pinned in pyproject.toml); with
another version WeasyPrint's own drawing stays, and tests/unit/test_svg_text.py says so.
"""
import importlib
from math import inf

FOR_VERSION = "70.0"

_installed = False


def _single(node, name: str, font_size: float, reference: float):
    """(value, ok): the attribute's one length (None when absent); ok is False when it lists several."""
    from weasyprint.svg.utils import normalize, size

    value = node.attrib.get(name)
    if value is None:
        return None, True
    values = normalize(value).strip().split(" ")
    if len(values) != 1:
        return None, False
    return size(values[0], font_size, reference), True


def _font_weight(value) -> int:
    if value == "normal":
        return 400
    if value == "bold":
        return 700
    try:
        return int(value)
    except ValueError:
        return 400


def _y_align(node, font_size: float, height: float) -> float:
    """The vertical shift of WeasyPrint's own text drawing (its same approximations)."""
    ascent, descent = font_size * .8, font_size * .2
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if alignment_baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if alignment_baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def _make_text(original, text_module):
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.text.line_break import split_first_line

    def text(svg, node, font_size):
        """WeasyPrint's svg.text.text for a text placed as one run; any other text to WeasyPrint's own."""
        if (not node.text or "rotate" in node.attrib or node.get("letter-spacing") or node.get("textLength")
                or node.get("direction") in ("ltr", "rtl")):
            return original(svg, node, font_size)
        x, x_ok = _single(node, "x", font_size, svg.inner_width)
        y, y_ok = _single(node, "y", font_size, svg.inner_height)
        dx, dx_ok = _single(node, "dx", font_size, svg.inner_width)
        dy, dy_ok = _single(node, "dy", font_size, svg.inner_height)
        if not (x_ok and y_ok and dx_ok and dy_ok):
            return original(svg, node, font_size)

        style = text_module.Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        style["font_weight"] = _font_weight(node.get("font-weight", 400))
        style["font_size"] = font_size
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

        if x is not None:
            svg.cursor_d_position[0] = 0
        if y is not None:
            svg.cursor_d_position[1] = 0
        svg.cursor_d_position[0] += dx or 0
        svg.cursor_d_position[1] += dy or 0
        x = svg.cursor_position[0] if x is None else x
        y = svg.cursor_position[1] if y is None else y
        svg.cursor_position = x + width, y
        x_position = x + svg.cursor_d_position[0]
        y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
        node.text_bounding_box = extend_bounding_box(node.text_bounding_box, (
            (x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))

        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        text_box = text_module.TextBox(layout, style)
        text_box.baseline = baseline
        emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    text.original = original
    return text


def install() -> bool:
    """Put the run-at-a-time text drawing in WeasyPrint's SVG drawer (once); False when WeasyPrint is not the
    version it was written for, which then keeps its own."""
    global _installed
    if _installed:
        return True
    import weasyprint
    import weasyprint.svg as svg_module

    if weasyprint.__version__ != FOR_VERSION:
        return False
    text_module = importlib.import_module("weasyprint.svg.text")  # the module, shadowed by its function in svg
    text = _make_text(text_module.text, text_module)
    # The drawer looks text up in TAGS, and compares with its module-level name to place anchored text.
    svg_module.TAGS["text"] = svg_module.TAGS["tspan"] = text
    svg_module.text = text
    _installed = True
    return True
