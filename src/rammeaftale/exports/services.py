"""Ordering an export job (audited) and running it in the worker: progress, the finished file or a Danish error."""
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.audit import audit_record
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exports.documents import KINDS
from rammeaftale.exports.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

FAILED_DA = "Dokumentet kunne ikke dannes på grund af en fejl hos os. Prøv igen, eller kontakt support."
INTERRUPTED_DA = "Dannelsen blev afbrudt (arbejdsprocessen stoppede). Bestil dokumentet igen."

# Assumed settings (no rule in the agreements; a service limit): how many documents one user may have waiting or
# being made at once, so one account cannot fill the worker's queue; how long finished documents are kept; after how
# long a job still waiting or being made counts as interrupted (a national PDF takes about a minute here).
OPEN_JOBS_PER_USER = 3
KEEP_DAYS = 7
STALE_HOURS = 2


def export_job_request(*, actor: Actor, kind: str, fmt: str, params: dict) -> ExportJob:
    """Check the choices with the actor's permissions now, store the job and its audit event, and queue it for the
    worker once the transaction has committed."""
    if not actor.is_authenticated:
        raise NotAllowed("Log ind for at bestille et dokument.", message_en="login required")
    document = KINDS.get(kind)
    if document is None:
        raise DomainError("Dokumentet findes ikke.", field="kind", message_en="unknown document")
    if fmt not in document.formats:
        raise DomainError(f"Dokumentet kan dannes som {' og '.join(f.upper() for f in document.formats)}.",
                          field="fmt", message_en="unknown format")
    title, clean = document.prepare(actor, params, fmt)
    open_jobs = ExportJob.objects.filter(requested_by_id=actor.user_id,
                                         status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).count()
    if open_jobs >= OPEN_JOBS_PER_USER:
        raise DomainError(f"Du har allerede {open_jobs} dokumenter, der dannes. Vent, til et af dem er klar, og "
                          "bestil så igen.", field="kind",
                          message_en=f"at most {OPEN_JOBS_PER_USER} open export jobs per user")
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, fmt=fmt, params=clean, title=title,
                                       requested_by_id=actor.user_id, organisation_id=actor.organisation_id)
        audit_record(actor=actor, event_type="export.requested", organisation_id=actor.organisation_id, obj=job,
                     after={"kind": kind, "fmt": fmt, "params": clean, "title": title})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from rammeaftale.exports.tasks import export_job_run

    result = export_job_run.enqueue(job_id=job_id)
    ExportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def export_job_get(*, actor: Actor, job_id: int, with_content: bool = False) -> ExportJob | None:
    """The job, for the user who ordered it while they act for the same organisation; else None."""
    jobs = ExportJob.objects.filter(pk=job_id, requested_by_id=actor.user_id, organisation_id=actor.organisation_id)
    if not with_content:
        jobs = jobs.defer("content")
    return jobs.first() if actor.is_authenticated else None


def export_job_list(*, actor: Actor, limit: int = 20) -> list[ExportJob]:
    if not actor.is_authenticated:
        return []
    return list(ExportJob.objects.filter(requested_by_id=actor.user_id, organisation_id=actor.organisation_id)
                .defer("content").order_by("-requested_at")[:limit])


def export_job_make(*, job_id: int) -> str:
    """The worker's part: make the document as the user who ordered it, telling the job page how far it has come.
    Returns the final status. A job already finished (or taken by another worker) is left alone."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.QUEUED:
            return job.status if job else "missing"
        job.status = ExportStatus.RUNNING
        job.save(update_fields=["status"])
    actor = actor_from_user(job.requested_by)

    def progress(done: int, total: int, label: str) -> None:
        ExportJob.objects.filter(pk=job.pk).update(steps_done=done, steps_total=total, step_label=label[:100])

    try:
        if actor.organisation_id != job.organisation_id:
            raise NotAllowed("Du handler ikke længere for den organisation, som bestilte dokumentet.",
                             message_en="the user no longer acts for the ordering organisation")
        file = KINDS[job.kind].make(actor, job.params, job.fmt, progress)
    except DomainError as error:
        return _finish(job, actor, status=ExportStatus.FAILED, error_da=error.message_da)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        return _finish(job, actor, status=ExportStatus.FAILED, error_da=FAILED_DA)
    return _finish(job, actor, status=ExportStatus.DONE, file=file)


def _finish(job: ExportJob, actor: Actor, *, status: str, file=None, error_da: str = "") -> str:
    with transaction.atomic():
        job.status = status
        job.finished_at = timezone.now()
        job.error_da = error_da
        fields = ["status", "finished_at", "error_da"]
        if file is not None:
            job.filename, job.content_type, job.content = file.filename, file.content_type, file.content
            job.size_bytes = len(file.content)
            reported = ExportJob.objects.filter(pk=job.pk).values_list("steps_total", flat=True).first()
            job.steps_done = job.steps_total = max(reported or 0, 1)
            job.step_label = ""
            fields += ["filename", "content_type", "content", "size_bytes", "steps_done", "steps_total", "step_label"]
        job.save(update_fields=fields)
        audit_record(actor=actor, event_type=f"export.{status}", organisation_id=job.organisation_id, obj=job,
                     after={"filename": job.filename, "size_bytes": job.size_bytes, "error": error_da})
    return status


def export_jobs_clean(*, actor: Actor, now=None, keep_days: int = KEEP_DAYS, stale_hours: int = STALE_HOURS) -> dict:
    """The scheduled clean-up (`rammeaftale exports clean`, docs/deploy.md): jobs still waiting or being made after
    `stale_hours` are marked failed with a Danish message (their worker stopped: the page would otherwise show
    «Lægges sammen» for ever), and jobs finished more than `keep_days` ago are deleted with their files. One audit
    event for the run, in the same transaction; the jobs' own events stay."""
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens drift kan rydde op i eksporter.", message_en="platform operator only")
    now = now or timezone.now()
    with transaction.atomic():
        stale = ExportJob.objects.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
                                         requested_at__lt=now - timedelta(hours=stale_hours))
        interrupted = stale.update(status=ExportStatus.FAILED, finished_at=now, error_da=INTERRUPTED_DA,
                                   step_label="")
        old = ExportJob.objects.filter(status__in=[ExportStatus.DONE, ExportStatus.FAILED],
                                       finished_at__lt=now - timedelta(days=keep_days))
        deleted, _ = old.delete()
        counts = {"interrupted": interrupted, "deleted": deleted, "keep_days": keep_days, "stale_hours": stale_hours}
        audit_record(actor=actor, event_type="export.cleaned", organisation_id=None, after=counts)
    return counts
