"""Issuing a version of a Styringsaftale annex: the secretariat of the agreement's region, audited, all or nothing."""
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_issue_agreement_documents
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.exports.annexes.selectors import agreement_for_annexes, annex_snapshot, snapshot_sha256
from rammeaftale.exports.models import AgreementDocument, AnnexKind


def agreement_document_issue(*, actor: Actor, agreement_id: int, year: int, kind: str,
                             today: date) -> AgreementDocument:
    """The next version of the agreement's annex `kind` for `year`, holding the data as it stands (`today` is the
    data's date printed on it). Refused with a Danish message, nothing written: not the region's secretariat, an
    unknown annex, a year outside the limits, or a year no rulebook of this agreement governs."""
    agreement = agreement_for_annexes(actor=actor, agreement_id=agreement_id)
    if not can_issue_agreement_documents(actor, region_id=agreement.region_id):
        raise NotAllowed("Kun sekretariatet for rammeaftalens region kan danne aftalens bilag.",
                         message_en="only the secretariat of the agreement's region issues its annexes")
    if kind not in AnnexKind.values:
        raise DomainError(f"Ukendt bilag «{kind}»; vælg {' eller '.join(AnnexKind.labels)}.", field="kind",
                          message_en="unknown annex kind")
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(f"Året skal ligge i {YEAR_MIN}–{YEAR_MAX}.", field="year", message_en="year out of range")
    with transaction.atomic():
        snapshot = annex_snapshot(actor=actor, agreement=agreement, year=year, kind=kind)
        same = AgreementDocument.objects.filter(agreement=agreement, year=year, kind=kind)
        version = (same.aggregate(last=Max("version"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                document = AgreementDocument.objects.create(
                    agreement=agreement, year=year, kind=kind, version=version, data_as_of=today,
                    generated_by_id=actor.user_id, generated_by_name=actor.username,
                    content_sha256=snapshot_sha256(snapshot), snapshot=snapshot)
        except IntegrityError:
            raise DomainError(f"Version {version} blev dannet af en anden i samme øjeblik. Dan bilaget igen.",
                              field="kind", message_en="a concurrent issue took the version number") from None
        audit_record(actor=actor, event_type="agreement_document.issued", organisation_id=agreement.region_id,
                     obj=document, after={"agreement": agreement.pk, "year": year, "kind": kind, "version": version,
                                          "data_as_of": today.isoformat(), "sha256": document.content_sha256,
                                          "rows": len(snapshot["rows"])})
    return document
