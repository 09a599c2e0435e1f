"""Ordering a document (POST), its status page that htmx polls until the file is ready, and the download."""
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exports.models import ExportStatus
from rammeaftale.exports.services import export_job_get, export_job_list, export_job_request
from rammeaftale.http import page_view, wants_partial

POLL_SECONDS = 1
CHOICE_FIELDS = ("agreement", "year", "operator", "offer_type", "flag", "code", "region", "year_from", "year_to",
                 "purchase_year")


@require_POST
@page_view
def export_order(request):
    actor = actor_for_request(request)
    params = {name: request.POST.get(name, "") for name in CHOICE_FIELDS if name in request.POST}
    try:
        job = export_job_request(actor=actor, kind=request.POST.get("kind", ""), fmt=request.POST.get("fmt", ""),
                                 params=params)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message_da)
        return redirect("exports:job_list")
    return redirect("exports:job", job_id=job.pk)


def _job(request, job_id: int, **options):
    job = export_job_get(actor=actor_for_request(request), job_id=job_id, **options)
    if job is None:
        raise Http404("Eksporten findes ikke.")
    return job


@page_view
def job(request, job_id: int):
    job = _job(request, job_id)
    template = "exports/_job_status.html" if wants_partial(request) else "exports/job.html"
    return render(request, template, {"job": job, "poll_seconds": POLL_SECONDS})


@page_view
def job_list(request):
    return render(request, "exports/job_list.html", {"jobs": export_job_list(actor=actor_for_request(request))})


@page_view
def job_file(request, job_id: int):
    job = _job(request, job_id, with_content=True)
    if job.status != ExportStatus.DONE:
        raise Http404("Filen er ikke klar.")
    response = HttpResponse(bytes(job.content), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response
