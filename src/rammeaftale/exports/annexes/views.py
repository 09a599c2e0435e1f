"""The agreement's annexes page (/aftalebilag/<agreement>/): every issued version for the agreement's parties, the
secretariat's form to issue a new one, and the downloads. Thin: one selector or service each."""
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.exports.annexes import files, selectors
from rammeaftale.exports.annexes.services import agreement_document_issue
from rammeaftale.exports.models import AnnexKind
from rammeaftale.http import page_view

CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE}


@page_view
def annex_list(request, agreement_id: int):
    versions = selectors.annex_versions(actor=actor_for_request(request), agreement_id=agreement_id,
                                        today=clock.today())
    return render(request, "exports/annexes/annex_list.html", {
        "v": versions, "agreement": versions.agreement, "kinds": AnnexKind.choices})


@require_POST
@page_view
def annex_issue(request, agreement_id: int):
    year = request.POST.get("year", "").strip()
    try:
        document = agreement_document_issue(
            actor=actor_for_request(request), agreement_id=agreement_id,
            year=int(year) if year.isdigit() and len(year) <= 4 else -1, kind=request.POST.get("kind", ""),
            today=clock.today())
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message_da)
    else:
        messages.success(request, f"{document.get_kind_display()} {document.year}, version {document.version}, er "
                                  "dannet.")
    return redirect("annexes:annex_list", agreement_id=agreement_id)


@page_view
def annex_file(request, document_id: int, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404("Bilaget kan hentes som PDF og XLSX.")
    document = selectors.annex_document_get(actor=actor_for_request(request), document_id=document_id)
    body = files.annex_pdf(document) if fmt == "pdf" else files.annex_xlsx(document)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{files.annex_filename(document, fmt)}"'
    return response
