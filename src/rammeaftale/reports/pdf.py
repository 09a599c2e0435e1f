"""HTML to PDF/UA with WeasyPrint, one or several documents, telling a progress callback what it does."""
from collections.abc import Callable, Sequence

PDF_VARIANT = "pdf/ua-1"

# progress(done, total, label): steps done of the total, and what is being done now (Danish, for the job page)
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, label: str) -> None:
    """The progress callback of a document made while the user waits: nobody to tell."""


def html_to_pdf(html: str, *, base_url: str | None = None, progress: Progress = no_progress, done: int = 0,
                total: int = 2) -> bytes:
    """One HTML document as PDF/UA: the layout, then the file (the last two of `total` steps, `done` before)."""
    return htmls_to_pdf([html], base_url=base_url, progress=progress, done=done, total=total)


def htmls_to_pdf(htmls: Sequence[str], *, base_url: str | None = None, title: str | None = None,
                 progress: Progress = no_progress, done: int = 0, total: int | None = None) -> bytes:
    """Several HTML documents laid out one by one and written as one PDF/UA file (each keeps its own page
    numbers); `title` names the whole file when there are several. Each layout and the writing are a step."""
    from weasyprint import HTML

    total = total if total is not None else done + len(htmls) + 1
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
