"""SVG text in the PDFs: drawn a run at a time where nothing places single letters, letter by letter otherwise, and
in both cases the same words in the PDF's text."""
import subprocess

import weasyprint

from rammeaftale.reports import svg_text
from rammeaftale.reports.pdf import html_to_pdf

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Diagram" width="300" height="80">'
       '<text x="10" y="20" font-family="DejaVu Sans" font-size="11px">Faktisk belægning</text>'
       '<text text-anchor="middle" transform="translate(150,40)" font-family="DejaVu Sans" font-size="11px" '
       'font-weight="bold">Belægning (%)</text>'
       '<text text-anchor="end" x="290" y="60" font-size="11px">sep 2026</text>'
       '<text x="10 20 30" y="75" font-size="11px">abc</text></svg>')


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_installed_for_the_pinned_weasyprint():
    """On another WeasyPrint version WeasyPrint's own drawing stays: check the replacement against the new
    svg/text.py (and WeasyPrint's own speed) before moving FOR_VERSION."""
    assert weasyprint.__version__ == svg_text.FOR_VERSION
    assert svg_text.install()
    import weasyprint.svg as svg_module

    assert svg_module.TAGS["text"] is svg_module.text and svg_module.text.original is not None


def test_the_words_are_the_same_drawn_either_way():
    html = f"<!doctype html><html lang='da'><title>Prøve</title><body><figure>{SVG}</figure></body></html>"
    text = " ".join(_pdf_text(html_to_pdf(html)).split())
    # run at a time (one x, a translation, an anchor), and letter by letter (three x values) where that is asked
    assert "Faktisk belægning" in text and "Belægning (%)" in text and "sep 2026" in text and "abc" in text
