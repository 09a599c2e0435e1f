"""Writes for settlement master data: the default account codes, a buyer's own codes and payment accounts; each
audited."""
import csv
from importlib import resources

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record, model_snapshot
from rammeaftale.accounts.permissions import can_see_invoices_of
from rammeaftale.billing.models import AccountMapping, PaymentAccount
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import LegalParagraph

ACCOUNT_CODES_SOURCE = (
    "Budget- og regnskabssystem for kommuner, hovedkonto 5 og 3 (funktionerne 5.38.42, 5.38.45, 5.38.50, 5.38.52 m.fl.); "
    "tildelingen pr. paragraf er antaget og kan rettes pr. køber."
)


@transaction.atomic
def account_mapping_defaults_load(*, actor: Actor) -> int:
    """The shipped default account code per paragraph (billing/data/account_codes.csv); existing rows are kept."""
    if not actor.is_superuser:
        raise NotAllowed()
    text = resources.files("rammeaftale.billing").joinpath("data", "account_codes.csv").read_text(encoding="utf-8")
    paragraphs = {p.code: p for p in LegalParagraph.objects.all()}
    created = 0
    for row in csv.DictReader(text.splitlines()):
        paragraph = paragraphs.get(row["paragraph"])
        if paragraph is None or AccountMapping.objects.filter(buyer__isnull=True, paragraph=paragraph).exists():
            continue
        mapping = AccountMapping.objects.create(paragraph=paragraph, account_code=row["account_code"],
                                                note=row["note"])
        audit_record(actor=actor, event_type="account_mapping.default_loaded", organisation_id=None, obj=mapping,
                     after=model_snapshot(mapping))
        created += 1
    return created


@transaction.atomic
def account_mapping_set(*, actor: Actor, buyer: Organisation, paragraph: LegalParagraph,
                        account_code: str) -> AccountMapping:
    """A buyer's own kontostreng for a paragraph (its economists keep it)."""
    if not can_see_invoices_of(actor, organisation_id=buyer.pk):
        raise NotAllowed("Kun kommunens økonomimedarbejdere kan rette dens kontering.")
    code = account_code.strip()
    if not code or len(code) > 40:
        raise DomainError("Kontostrengen skal udfyldes (højst 40 tegn).", field="account_code")
    existing = AccountMapping.objects.filter(buyer=buyer, paragraph=paragraph).first()
    before = model_snapshot(existing) if existing else None
    mapping, _ = AccountMapping.objects.update_or_create(buyer=buyer, paragraph=paragraph,
                                                         defaults={"account_code": code})
    audit_record(actor=actor, event_type="account_mapping.set", organisation_id=buyer.pk, obj=mapping,
                 before=before, after=model_snapshot(mapping))
    return mapping


@transaction.atomic
def payment_account_set(*, actor: Actor, organisation: Organisation, reg_no: str = "", account_no: str = "",
                        iban: str = "", bic: str = "") -> PaymentAccount:
    if not can_see_invoices_of(actor, organisation_id=organisation.pk):
        raise NotAllowed("Kun organisationens økonomimedarbejdere kan rette dens bankkonto.")
    if not iban and not (reg_no.isdigit() and len(reg_no) == 4 and account_no.isdigit() and len(account_no) <= 10):
        raise DomainError("Angiv reg.nr. (4 cifre) og kontonummer (højst 10 cifre) eller IBAN og BIC.",
                          field="reg_no")
    existing = PaymentAccount.objects.filter(organisation=organisation).first()
    before = model_snapshot(existing) if existing else None
    account, _ = PaymentAccount.objects.update_or_create(organisation=organisation, defaults={
        "reg_no": reg_no, "account_no": account_no, "iban": iban, "bic": bic})
    audit_record(actor=actor, event_type="payment_account.set", organisation_id=organisation.pk, obj=account,
                 before=before, after=model_snapshot(account))
    return account
