"""HTML to PDF/UA with WeasyPrint, one or several documents, telling a progress callback what it does.

Speed (docs/performance.md § Exports): Python's cyclic garbage collector is paused while a document is laid out and
written (WeasyPrint makes millions of short-lived objects, and each collection walks everything alive in a Django
process); SVG text is drawn a run at a time (`reports.svg_text`); charts go in as `<img>` (`svg_image`).
"""
import base64
import gc
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from html import escape, unescape

PDF_VARIANT = "pdf/ua-1"

# progress(done, total, label): steps done of the total, and what is being done now (Danish, for the job page)
Progress = Callable[[int, int, str], None]

_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


def no_progress(done: int, total: int, label: str) -> None:
    """The progress callback of a document made while the user waits: nobody to tell."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, back as it was after it (the last of several threads
    leaving turns it back on). Reference counting still frees almost everything; the cycles wait for the next
    collection. A quarter of a long document's time went to collections walking the whole process."""
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


_ROOT_LABEL = re.compile(r'<svg\b[^>]*?\baria-label="([^"]*)"')


def svg_image(svg: str) -> str:
    """An inline chart (`reports.charts.chart_svg`) as an `<img>` of the same drawing simplified for print
    (`reports.charts.svg_for_print`), its title the alternative text: in the PDF/UA file a Figure with the same /Alt
    as the inline SVG's <title> gave. WeasyPrint reads an image's SVG with an XML parser; inline, the SVG's thousands
    of attributes went through its HTML parser, two thirds of the compiled report's layout time."""
    from rammeaftale.reports.charts import svg_for_print

    if not svg:
        return ""
    label = _ROOT_LABEL.search(svg)
    alt = unescape(label.group(1)) if label else ""
    data = base64.b64encode(svg_for_print(svg).encode()).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}">'


def html_to_pdf(html: str, *, base_url: str | None = None, progress: Progress = no_progress, done: int = 0,
                total: int = 2) -> bytes:
    """One HTML document as PDF/UA: the layout, then the file (the last two of `total` steps, `done` before)."""
    return htmls_to_pdf([html], base_url=base_url, progress=progress, done=done, total=total)


def htmls_to_pdf(htmls: Sequence[str], *, base_url: str | None = None, title: str | None = None,
                 progress: Progress = no_progress, done: int = 0, total: int | None = None) -> bytes:
    """Several HTML documents laid out one by one and written as one PDF/UA file (each keeps its own page
    numbers); `title` names the whole file when there are several. Each layout and the writing are a step."""
    from weasyprint import HTML

    from rammeaftale.reports import svg_text

    svg_text.install()
    total = total if total is not None else done + len(htmls) + 1
    with collector_paused():
        documents = []
        for index, html in enumerate(htmls, start=1):
            progress(done, total, "Sætter siderne op" + (f" ({index} af {len(htmls)})" if len(htmls) > 1 else ""))
            documents.append(HTML(string=html, base_url=base_url).render(pdf_variant=PDF_VARIANT))
            done += 1
        progress(done, total, "Skriver PDF-filen")
        document = documents[0]
        if len(documents) > 1:
            document = document.copy([page for each in documents for page in each.pages])
            if title:
                document.metadata.title = title
        return document.write_pdf(pdf_variant=PDF_VARIANT)
