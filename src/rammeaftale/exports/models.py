"""An export job: who asked for which document, how far the worker has come, and the finished file."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from rammeaftale.parties.models import Organisation


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "I kø"
    RUNNING = "running", "Lægges sammen"
    DONE = "done", "Klar"
    FAILED = "failed", "Fejlet"


class ExportJob(models.Model):
    """One requested document. Only the user who asked (acting for the same organisation) may see or fetch it.

    The file is kept in the database (`content`), so it is scoped, backed up and removed with the row like every
    other record, and no file path can leak between organisations.
    """

    kind = models.CharField("dokument", max_length=40)
    fmt = models.CharField("format", max_length=4)
    params = models.JSONField("valg", default=dict)
    title = models.CharField("titel", max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="bestilt af")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="for organisationen")
    requested_at = models.DateTimeField("bestilt", default=timezone.now)
    status = models.CharField("status", max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    steps_done = models.PositiveIntegerField("trin udført", default=0)
    steps_total = models.PositiveIntegerField("trin i alt", default=0)
    step_label = models.CharField("trin", max_length=100, blank=True)
    task_id = models.CharField("opgave-id", max_length=64, blank=True)
    finished_at = models.DateTimeField("færdig", null=True, blank=True)
    filename = models.CharField("filnavn", max_length=200, blank=True)
    content_type = models.CharField("indholdstype", max_length=100, blank=True)
    content = models.BinaryField("fil", null=True, blank=True, editable=False)
    size_bytes = models.PositiveIntegerField("størrelse", default=0)
    error_da = models.TextField("fejl", blank=True)

    class Meta:
        verbose_name = "eksport"
        verbose_name_plural = "eksporter"
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="export_job_user_recent")]

    def __str__(self) -> str:
        return f"{self.title} ({self.fmt.upper()}, {self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)


class AnnexKind(models.TextChoices):
    """The Styringsaftale's annexes the system can make from its data (docs/agreement-documents.md names their
    places in the seeds: Syddanmark 2017 bilag 9, 2019–20 bilag 8; Sjælland 2025–26 bilag 3A and 4)."""

    OFFERS = "offers", "Tilbudsoversigt"
    TARIFFS = "tariffs", "Takstbilag"


class AgreementDocument(models.Model):
    """One issued version of an annex to an agreement's Styringsaftale for a year: the data as it was read when the
    secretariat issued it (`snapshot`), numbered per agreement, year and kind. A new issue is a new version; none is
    ever changed or deleted, so each stays downloadable as issued. The PDF and XLSX are made from the snapshot.
    """

    agreement = models.ForeignKey("registry.Agreement", on_delete=models.PROTECT, related_name="+",
                                  verbose_name="rammeaftale")
    year = models.PositiveSmallIntegerField("år")
    kind = models.CharField("bilag", max_length=10, choices=AnnexKind.choices)
    version = models.PositiveIntegerField("version")
    data_as_of = models.DateField("data pr.")
    generated_at = models.DateTimeField("dannet", default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="dannet af")
    generated_by_name = models.CharField("dannet af (navn)", max_length=150)
    content_sha256 = models.CharField("kontrolsum for indholdet", max_length=64)
    snapshot = models.JSONField("data")

    class Meta:
        verbose_name = "aftalebilag"
        verbose_name_plural = "aftalebilag"
        ordering = ["agreement", "-year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "year", "kind", "version"],
                                    name="agreement_document_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="agreement_document_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}, version {self.version}"
