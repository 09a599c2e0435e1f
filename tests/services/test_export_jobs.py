"""Export jobs: ordered on a page (audited, checked at once), made by the real worker (`db_worker --batch`), shown
with progress while htmx polls, and fetched only by the user who ordered them."""
import io
import subprocess
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rammeaftale.accounts.models import AuditEvent, Role, User
from rammeaftale.exports.documents import KINDS, national_agreements
from rammeaftale.exports.models import ExportJob, ExportStatus
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs.models import Tariff
from tests.conftest import PASSWORD
from tests.services.test_occupancy_analysis import reader, region  # noqa: F401 (fixtures)
from tests.services.test_occupancy_reports import syd_agreement, world  # noqa: F401 (fixtures)
from tests.services.test_tariff_exports import listed  # noqa: F401 (fixture)

# The worker commits each job's progress as it goes, so these tests commit too (and the database is emptied after).
pytestmark = pytest.mark.django_db(transaction=True)


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _worker() -> None:
    """The real worker, in this process: every queued task, then it stops."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _order(client: Client, **fields) -> ExportJob:
    response = client.post(reverse("exports:order"), fields)
    assert response.status_code == 302, response.content[:500]
    return ExportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_the_tariff_list_pdf_is_ordered_made_by_the_worker_and_fetched_by_its_orderer(listed, make_user,  # noqa: F811
                                                                                       copenhagen, esbjerg):
    economist = make_user(copenhagen, Role.ECONOMIST, username="bestiller")
    client = _login(economist)
    job = _order(client, kind="tariff_list", fmt="pdf", agreement=listed.agreement.pk, year=2022, operator="",
                 offer_type="", flag="")
    assert job.status == ExportStatus.QUEUED and job.requested_by == economist
    assert job.organisation_id == copenhagen.pk and job.task_id  # queued once the order committed
    assert job.title == f"Takstoversigt 2022: {listed.agreement.name}"
    ordered = AuditEvent.objects.get(event_type="export.requested", object_id=str(job.pk))
    assert ordered.actor_id == economist.pk and ordered.organisation_id == copenhagen.pk
    assert ordered.after["params"]["agreement"] == listed.agreement.pk

    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "I kø" in page and 'hx-trigger="every 1s"' in page and "<script" not in page.split("</head>")[1]

    _worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.steps_done == job.steps_total == 3
    partial = client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Klar – hent filen" in partial and "hx-trigger" not in partial and "<html" not in partial
    response = client.get(reverse("exports:job_file", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="takstoversigt-hovedstaden-2022.pdf"'
    text = _pdf_text(response.content)
    assert "Takstoversigt 2022" in text and "2.554,67 kr." in text and "forklaring mangler" in text
    assert AuditEvent.objects.filter(event_type="export.done", object_id=str(job.pk), actor_id=economist.pk).exists()

    # Nobody else sees the job or its file: not a colleague, not another municipality.
    for other in (make_user(copenhagen, Role.ECONOMIST, username="kollega"),
                  make_user(esbjerg, Role.ECONOMIST, username="esbjerg")):
        stranger = _login(other)
        assert stranger.get(reverse("exports:job", args=[job.pk])).status_code == 404
        assert stranger.get(reverse("exports:job_file", args=[job.pk])).status_code == 404
        assert job.title not in stranger.get(reverse("exports:job_list")).content.decode()
    assert job.title in client.get(reverse("exports:job_list")).content.decode()


def test_the_national_tariff_list_xlsx_has_the_sheets_of_every_region(listed, make_user, make_offer,  # noqa: F811
                                                                       copenhagen, esbjerg, region_syd, system):
    # A second region for 2022: a demo agreement for Syddanmark under Hovedstaden's rules, and one tariff there.
    Agreement.objects.create(region=region_syd, name="Demoaftale 2021–2022, Syddanmark", year_from=2021,
                             year_to=2022, rulebook=listed.agreement.rulebook, is_demo=True)
    west = registry_services.service_create(actor=system, offer=make_offer(esbjerg, name="Bostedet Vesterhavet"),
                                            name="Døgnophold")
    Tariff.objects.create(service=west, year=2022, amount_ore=310_050, origin="published")
    economist = make_user(copenhagen, Role.ECONOMIST, username="landet")
    client = _login(economist)
    job = _order(client, kind="tariff_list_national", fmt="xlsx", year=2022)
    _worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error_da
    regions = [agreement.region.name for agreement in national_agreements(system, 2022)]
    assert regions == ["Hovedstaden", "Syddanmark"] and job.steps_total == 2 * len(regions) + 1
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("exports:job_file", args=[job.pk])).content))
    assert book.sheetnames == [name for region in regions
                               for name in (f"Takstoversigt {region}", f"Specifikation {region}")]
    sheet = next(book[name] for name in book.sheetnames if name.startswith("Takstoversigt") and "Hovedstaden" in name)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    assert ["Bofællesskabet Engen", 2400, 2554.67] == [rows[0][0], rows[0][5], rows[0][6]]
    assert Tariff.objects.filter(year=2022).count() == sum(
        1 for name in book.sheetnames if name.startswith("Takstoversigt")
        for row in book[name].iter_rows(min_row=6) if row[0].value)


def test_the_compiled_report_pdf_shows_its_progress_step_by_step(world, syd_agreement, odense):  # noqa: F811
    """A chart per offer over the threshold, then the layout and the file: each a step the job page shows."""
    steps = []
    secretariat = world["secretariat"]
    kind = KINDS["compiled_report"]
    title, params = kind.prepare(secretariat, {"agreement": syd_agreement.pk, "code": "2020-Q1"}, "pdf")
    file = kind.make(secretariat, params, "pdf", lambda done, total, label: steps.append((done, total, label)))
    over = sum(1 for label in (step[2] for step in steps) if label.startswith("Tegner diagram"))
    assert over >= 1 and steps[0] == (0, over + 2, f"Tegner diagram 1 af {over}")
    assert [step[0] for step in steps] == list(range(over + 2)) and {step[1] for step in steps} == {over + 2}
    assert steps[-1][2] == "Skriver PDF-filen"
    assert title.startswith("Belægning ") and title.endswith(f" 2020: {syd_agreement.name}")
    assert file.filename == "belaegning-1083-2020-Q1.pdf" and "Bostedet Æblehaven" in _pdf_text(file.content)


def test_the_compiled_report_pdf_through_the_worker_and_only_for_the_secretariat(world, syd_agreement):  # noqa: F811
    secretariat = _login(User.objects.get(username="sek"))
    job = _order(secretariat, kind="compiled_report", fmt="pdf", agreement=syd_agreement.pk, code="2020-Q1")
    page = secretariat.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "I kø" in page
    _worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and bytes(job.content).startswith(b"%PDF")
    economist = _login(User.objects.get(username="oekonomi-o"))
    response = economist.post(reverse("exports:order"), {"kind": "compiled_report", "fmt": "pdf",
                                                         "agreement": syd_agreement.pk, "code": "2020-Q1"})
    assert response.status_code == 403
    assert "Kun regionens sekretariat" in response.content.decode()
    assert ExportJob.objects.count() == 1


def test_the_analysis_pdf_through_the_worker_holds_the_years_asked_for(region, reader):  # noqa: F811
    client = _login(User.objects.get(username="laeser"))
    page = client.get("/belaegning/analyse/", {"region": region["region"].pk, "year_from": "2019",
                                               "year_to": "2020"}).content.decode()
    for field in ('name="kind" value="analysis"', 'name="fmt" value="pdf"', 'name="fmt" value="xlsx"',
                  'name="year_from" value="2019"', 'name="year_to" value="2020"', 'name="purchase_year" value="2020"'):
        assert field in page  # the page's order buttons carry the choices shown
    job = _order(client, kind="analysis", fmt="pdf", region=region["region"].pk, year_from=2019, year_to=2020,
                 purchase_year=2020)
    assert job.title == "Belægningsanalyse 2019–2020: Syddanmark" and job.params["today"] == "2026-12-06"
    _worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.steps_done == job.steps_total == 3
    response = client.get(reverse("exports:job_file", args=[job.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="belaegningsanalyse-syddanmark-2019-2020.pdf"'
    text = _pdf_text(response.content)
    assert "Kapacitets- og belægningsanalyse 2019–2020: Region Syddanmark" in text
    assert "11,32 %" in text and "Køb af pladser på tværs af kommuner 2020" in text


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "tariff_list", "fmt": "docx", "agreement": "1", "year": "2022"}, "som PDF og XLSX"),
    ({"kind": "payroll", "fmt": "pdf"}, "Dokumentet findes ikke."),
    ({"kind": "tariff_list_national", "fmt": "pdf", "year": "1850"}, "Året skal ligge i 2000–2100."),
    ({"kind": "tariff_list_national", "fmt": "pdf", "year": "toogtyve"}, "Året skal være et heltal."),
    ({"kind": "tariff_list_national", "fmt": "pdf", "year": "2090"}, "Ingen rammeaftale dækker 2090."),
    ({"kind": "tariff_list", "fmt": "pdf", "year": "2022"}, "Rammeaftalen mangler."),
])
def test_a_bad_order_is_named_in_danish_and_nothing_is_written(agreements, make_user, copenhagen, fields, message):
    client = _login(make_user(copenhagen, Role.ECONOMIST, username="fejl"))
    audit_before = AuditEvent.objects.count()
    response = client.post(reverse("exports:order"), fields, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert ExportJob.objects.count() == 0 and AuditEvent.objects.count() == audit_before


def test_a_job_fails_with_a_danish_message_when_its_orderer_changed_organisation(listed, make_user,  # noqa: F811
                                                                                 copenhagen, esbjerg):
    economist = make_user(copenhagen, Role.ECONOMIST, username="flytter")
    client = _login(economist)
    job = _order(client, kind="tariff_list", fmt="xlsx", agreement=listed.agreement.pk, year=2022)
    User.objects.filter(pk=economist.pk).update(organisation=esbjerg)
    _worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.content is None
    assert job.error_da == "Du handler ikke længere for den organisation, som bestilte dokumentet."
    assert AuditEvent.objects.filter(event_type="export.failed", object_id=str(job.pk)).exists()
    # Acting for another organisation now, the user no longer sees the job either.
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
    User.objects.filter(pk=economist.pk).update(organisation=copenhagen)
    partial = client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Dokumentet kunne ikke dannes: Du handler ikke længere" in partial and "hx-trigger" not in partial


def test_a_user_has_at_most_three_documents_waiting_and_a_fourth_is_refused_in_danish(listed, make_user,  # noqa: F811
                                                                                      copenhagen):
    client = _login(make_user(copenhagen, Role.ECONOMIST, username="ivrig"))
    fields = {"kind": "tariff_list", "fmt": "xlsx", "agreement": listed.agreement.pk, "year": 2022}
    jobs = [_order(client, **fields) for _ in range(3)]
    assert all(job.status == ExportStatus.QUEUED for job in jobs)
    refused = client.post(reverse("exports:order"), fields, follow=True)
    assert "Du har allerede 3 dokumenter, der dannes." in refused.content.decode()
    assert ExportJob.objects.count() == 3
    _worker()  # once they are made, the user may order again
    assert _order(client, **fields).status == ExportStatus.QUEUED


def test_the_clean_up_deletes_old_documents_and_ends_jobs_whose_worker_stopped(listed, make_user,  # noqa: F811
                                                                              copenhagen, capsys):
    client = _login(make_user(copenhagen, Role.ECONOMIST, username="gammel"))
    fields = {"kind": "tariff_list", "fmt": "xlsx", "agreement": listed.agreement.pk, "year": 2022}
    old, recent = _order(client, **fields), _order(client, **fields)
    _worker()
    stuck = _order(client, **fields)
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=8))
    ExportJob.objects.filter(pk=stuck.pk).update(status=ExportStatus.RUNNING, requested_at=now - timedelta(hours=3))
    call_command("exports", "clean")
    assert "1 slettet" in capsys.readouterr().out
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert ExportJob.objects.get(pk=recent.pk).status == ExportStatus.DONE
    stuck.refresh_from_db()
    assert stuck.status == ExportStatus.FAILED and stuck.error_da.startswith("Dannelsen blev afbrudt")
    page = client.get(reverse("exports:job", args=[stuck.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Dannelsen blev afbrudt" in page and "hx-trigger" not in page  # the page stops polling
    event = AuditEvent.objects.get(event_type="export.cleaned")
    assert (event.after["deleted"], event.after["interrupted"]) == (1, 1)
    assert AuditEvent.objects.filter(event_type="export.requested", object_id=str(old.pk)).exists()  # history kept


@pytest.mark.parametrize("option", ["--keep-days", "--stale-hours"])
def test_the_clean_up_refuses_a_period_under_one_and_deletes_nothing(listed, make_user, copenhagen,  # noqa: F811
                                                                     option):
    client = _login(make_user(copenhagen, Role.ECONOMIST, username="forsigtig"))
    job = _order(client, kind="tariff_list", fmt="xlsx", agreement=listed.agreement.pk, year=2022)
    _worker()
    with pytest.raises(CommandError, match=f"{option} skal være mindst 1, ikke 0: intet er slettet."):
        call_command("exports", "clean", option, "0")
    assert ExportJob.objects.filter(pk=job.pk).exists()
    assert not AuditEvent.objects.filter(event_type="export.cleaned").exists()
