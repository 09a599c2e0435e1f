"""Django admin: export jobs and the task queue behind them, to look at only (the worker writes them, audited)."""
from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from rammeaftale.accounts.admin_audit import ReadOnlyModelAdmin
from rammeaftale.exports.models import AgreementDocument, ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "fmt", "status", "requested_by", "organisation", "requested_at", "finished_at",
                    "size_bytes")
    list_filter = ("status", "kind", "fmt")
    exclude = ("content",)  # the file is the orderer's to fetch, from the job page


# django-tasks-db's own admin already refuses every change; registered again as the project's read-only kind.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(ReadOnlyModelAdmin, DBTaskResultAdmin):
    pass


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(ReadOnlyModelAdmin):
    """Issued annexes, to look at only: a version is never changed (a new issue is a new version)."""

    list_display = ("agreement", "year", "kind", "version", "generated_at", "generated_by_name", "data_as_of")
    list_filter = ("kind", "year")
    exclude = ("snapshot",)  # the data is read from the annexes page as PDF or XLSX
