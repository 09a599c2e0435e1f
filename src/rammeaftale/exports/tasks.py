"""The background task behind an export job, run by `rammeaftale db_worker` (django-tasks with django-tasks-db)."""
from django_tasks import task

from rammeaftale.exports.services import export_job_make


@task()
def export_job_run(*, job_id: int) -> str:
    return export_job_make(job_id=job_id)
