"""The national standard contract (standardkontrakt) of a placement: its data, and the PDF (WeasyPrint, PDF/UA).

The fields follow the standard contract for purchases of places (research/domain_rules.md § 6): citizen, custody,
acting and paying municipality with EAN and contact, supplier with EAN or CVR, coverage by the Styringsaftale (the
template «Rammeaftale» or «Ikke Rammeaftale», and outside it the individual payment agreement), services with legal
basis and tariff, payment terms and notice, each term with its source in the rulebook.
"""
from dataclasses import dataclass
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements import selectors, services
from rammeaftale.placements.models import Custody, Placement
from rammeaftale.rulebooks import RulebookParameter

CPR_READ_REASON = "Standardkontrakt"
SUPPLIER_KINDS_DA = {
    OrganisationKind.MUNICIPALITY: "Kommunalt tilbud",
    OrganisationKind.REGION: "Regionalt tilbud",
    OrganisationKind.PRIVATE_OPERATOR: "Privat tilbud",
}


@dataclass(frozen=True)
class ContractParty:
    name: str
    address: str
    ean: str
    cvr: str
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class ContractService:
    name: str
    kind_label: str
    unit_label: str
    valid_from: date
    valid_to: date | None
    tariff_ore: int | None
    monthly_ore: int | None


@dataclass(frozen=True)
class ContractTerm:
    """One contract term from the rulebook: its value and its basis (a source, or why it is assumed)."""

    label: str
    value: str
    source: str | None
    quote: str | None
    assumed: str | None


@dataclass(frozen=True)
class Contract:
    placement: Placement
    cpr: str
    cpr_is_full: bool
    is_child: bool
    custody_label: str
    acting: ContractParty
    paying: ContractParty
    same_municipality: bool
    supplier: ContractParty
    supplier_kind: str
    offer_address: str
    covered_by_agreement: bool
    variant: str  # «Rammeaftale» or «Ikke Rammeaftale», the two templates of the standard contract
    coverage_note: str
    payment_agreement: str
    payment_agreement_follows_tariff_principles: bool | None
    agreement_name: str
    region_name: str
    legal_basis: list[str]
    tariff_year: int
    services: list[ContractService]
    payment: list[ContractTerm]
    notice: list[ContractTerm]
    notice_rule: str
    full_tariff_during_notice: bool | None
    terms_problem: str
    generated_at: datetime
    generated_by: str


def _address(organisation: Organisation) -> str:
    place = " ".join(part for part in (organisation.postcode, organisation.city) if part)
    return ", ".join(part for part in (organisation.address, place) if part)


def _party(organisation: Organisation, **contact) -> ContractParty:
    return ContractParty(name=str(organisation), address=_address(organisation), ean=organisation.ean,
                         cvr=organisation.cvr, **contact)


def _term(parameter: RulebookParameter, *, label: str | None = None, value: str | None = None) -> ContractTerm:
    source = parameter.source
    return ContractTerm(
        label=label or parameter.label_da, value=value or parameter.value_display,
        source=f"{source.title}, {source.section}" if source else None,
        quote=source.quote if source else None, assumed=parameter.assumed,
    )


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def placement_contract(*, actor: Actor, placement: Placement, masked: bool = False) -> Contract:
    """The contract's data. The full CPR number is a logged read for those who may see it; others get it masked."""
    if not masked and selectors.may_read_full_cpr(actor=actor, placement=placement):
        cpr, cpr_is_full = services.placement_cpr_read(actor=actor, placement=placement, reason=CPR_READ_REASON), True
        cpr = f"{cpr[:6]}-{cpr[6:]}"
    else:
        cpr, cpr_is_full = placement.cpr_masked, False
    offer = placement.offer
    year = placement.start_date.year
    tariffs = selectors.placement_tariffs(placement=placement, on=placement.start_date)
    contact = {"contact_name": placement.contact_name, "contact_phone": placement.contact_phone,
               "contact_email": placement.contact_email}
    same = placement.acting_municipality_id == placement.paying_municipality_id
    try:
        terms = selectors.placement_terms(placement=placement, today=placement.start_date)
        terms_problem = ""
    except DomainError as error:
        terms, terms_problem = None, error.message_da
    payment, notice = [], []
    if terms is not None:
        payment = [_term(p) for p in terms.payment]
        for parameter in terms.notice:
            if parameter.path == "notice.months_by_offer_type":
                months = f"{terms.notice_months} {'måned' if terms.notice_months == 1 else 'måneder'}"
                notice.append(_term(parameter, label=f"Opsigelsesvarsel for {offer.get_offer_type_display().lower()}",
                                    value=months))
            else:
                notice.append(_term(parameter))
    agreement = terms.agreement if terms else None
    return Contract(
        placement=placement, cpr=cpr, cpr_is_full=cpr_is_full,
        is_child=bool(placement.custody) or _age_on(placement.birth_date, placement.start_date) < 18,
        custody_label=Custody(placement.custody).label,
        acting=_party(placement.acting_municipality, **contact),
        paying=_party(placement.paying_municipality, **(contact if same else {})),
        same_municipality=same,
        supplier=_party(offer.operator), supplier_kind=SUPPLIER_KINDS_DA.get(offer.operator.kind, ""),
        offer_address=", ".join(part for part in (offer.address, f"{offer.postcode} {offer.city}".strip()) if part),
        covered_by_agreement=placement.covered_by_agreement, variant=placement.contract_variant,
        coverage_note=placement.agreement_coverage_note, payment_agreement=placement.payment_agreement,
        payment_agreement_follows_tariff_principles=placement.payment_agreement_follows_tariff_principles,
        agreement_name=agreement.name if agreement else "",
        region_name=str(offer.municipality.region),
        legal_basis=[f"{p.label} – {p.title}" for p in offer.paragraphs.all()],
        tariff_year=year,
        services=[
            ContractService(
                name=ps.service.name, kind_label=ps.service.get_kind_display(),
                unit_label=ps.service.get_unit_display(), valid_from=ps.valid_from, valid_to=ps.valid_to,
                tariff_ore=tariffs[ps.service_id].amount_ore if ps.service_id in tariffs else None,
                monthly_ore=tariffs[ps.service_id].monthly_ore if ps.service_id in tariffs else None,
            )
            for ps in placement.services.all()
        ],
        payment=payment, notice=notice, notice_rule=terms.notice_rule_da if terms else "",
        full_tariff_during_notice=terms.full_tariff_during_notice if terms else None,
        terms_problem=terms_problem, generated_at=timezone.localtime(), generated_by=actor.username,
    )


def placement_contract_pdf(contract: Contract) -> bytes:
    from weasyprint import HTML

    html = render_to_string("placements/contract_pdf.html", {"c": contract, "p": contract.placement})
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def contract_filename(placement: Placement) -> str:
    return f"standardkontrakt-{placement.reference}.pdf"
