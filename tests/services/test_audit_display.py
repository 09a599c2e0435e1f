"""The audit trail in plain Danish (issue 16, part 3): every event type the code writes has a Danish name; fields,
statuses, dates and times read as a person reads them; no object representation or stored key reaches the page."""
import re
from pathlib import Path

from rammeaftale.accounts import audit_display
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import AuditEvent, Role

SRC = Path(__file__).parents[2] / "src" / "rammeaftale"
WRITTEN = re.compile(r'(?:event_type=|_audit(?:_answer)?\(actor, |event = )"([a-z_]+\.[a-z_.]+)"')


def test_every_event_type_the_code_writes_has_a_danish_name():
    written = {match for path in SRC.rglob("*.py") for match in WRITTEN.findall(path.read_text(encoding="utf-8"))}
    assert len(written) > 60 and "placement.cpr_read" in written and "settlement.issued" in written
    missing = sorted(code for code in written if code not in audit_display.EVENT_LABELS)
    assert missing == []
    assert audit_display.event_label("admin.user.change") == "Bruger ændret i administrationen"
    assert audit_display.event_label("something.unknown") == "Hændelse"


def test_values_statuses_dates_and_objects_read_in_danish(db):
    placement = "placements.placement"
    assert audit_display.key_label(placement, "status") == "Status"
    assert audit_display.value_text(placement, "status", "notice_given") == "Opsagt"
    assert audit_display.value_text("occupancy.occupancyreport", "status", "draft→submitted") != "draft→submitted"
    assert audit_display.value_text("", "day", "2026-12-06") == "06.12.2026"
    assert audit_display.value_text("", "at", "2026-12-06T17:07:32.950Z") == "06.12.2026 18:07"  # Copenhagen
    assert audit_display.value_text("", "flag", True) == "ja"
    assert audit_display.value_text("", "total_ore", 123456) == "123.456"
    assert audit_display.object_label("occupancy.occupancyreportline", "OccupancyReportLine object (527)",
                                      "527") == "Tilbud i belægningsindberetning 527"


def test_the_trail_page_shows_no_codes(db, client, esbjerg, make_user, actor_of):
    admin = make_user(esbjerg, Role.ADMINISTRATOR)
    from django.db import transaction
    with transaction.atomic():
        audit_record(actor=actor_of(admin), event_type="placement.cpr_read", organisation_id=esbjerg.pk,
                     after={"status": "active", "read_at": "2026-12-06T17:07:32.950Z"})
    client.force_login(admin)
    html = client.get("/revisionsspor/").content.decode()
    assert AuditEvent.objects.filter(event_type="placement.cpr_read").exists()
    assert "Fuldt CPR-nummer vist" in html and "placement.cpr_read" not in html.split("<select")[0] + html.split(
        "</select>")[-1]
    assert "2026-12-06T" not in html and "06.12.2026 18:07" in html
