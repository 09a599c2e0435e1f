"""OIOUBL 2.1 e-invoices: the model's checks, XML structure, totals, golden files and the real UBL 2.1 XSD."""
import dataclasses
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from rammeaftale.einvoice import (
    CreditNote,
    DanishBankAccount,
    EInvoiceError,
    IbanAccount,
    Invoice,
    InvoiceLine,
    InvoiceReference,
    Party,
    credit_note_to_oioubl,
    invoice_to_oioubl,
    oioubl_validate,
)
from rammeaftale.einvoice.model import line_amount_ore
from rammeaftale.einvoice.validate import SCHEMA_DIR

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
GOLDEN = Path(__file__).parent / "data" / "einvoice"
# Set to regenerate the golden files after a deliberate change; review the diff before committing.
UPDATE_GOLDEN = os.environ.get("EINVOICE_UPDATE_GOLDEN") == "1"

# Made-up identifiers with valid check digits (GS1 modulus 10 for GLN, modulus 11 for CVR).
SUPPLIER = Party(
    name="Bostedet Skovly", gln="5798000123458", cvr="10000009", street="Skovvej 12", postcode="5700",
    city="Svendborg", contact_name="Hanne Jensen", contact_email="okonomi@skovly.dk",
)
CUSTOMER = Party(
    name="Odense Kommune, Børn og Unge", gln="5798000987654", cvr="10000017", street="Flakhaven 2",
    postcode="5000", city="Odense C", contact_id="BUF-ØK",
)
STAY = InvoiceLine(
    line_id="1", description="Døgnophold § 66, januar 2025", quantity=Decimal(31), unit_code="DAY",
    price_ore=234567, amount_ore=7271577, period_from=date(2025, 1, 1), period_to=date(2025, 2, 1),
    accounting_cost="5.38.50", note="Placering PL-2025-0042",
)
EXTRA_HOURS = InvoiceLine(
    line_id="2", description="Tillægsydelse: støttetimer", quantity=Decimal("10.5"), unit_code="HUR",
    price_ore=45033, amount_ore=472847, period_from=date(2025, 1, 1), period_to=date(2025, 2, 1),
    accounting_cost="5.38.50.1",
)
INVOICE = Invoice(
    number="2025-0001", issue_date=date(2025, 2, 3), due_date=date(2025, 3, 5), supplier=SUPPLIER,
    customer=CUSTOMER, order_reference="PL-2025-0042", contract_reference="KONTRAKT-2024-117",
    lines=(STAY, EXTRA_HOURS), payment_means=DanishBankAccount(reg_no="1234", account_no="0001234567"),
    payment_terms="Netto 30 dage",
)
CREDIT_NOTE = CreditNote(
    number="K-2025-0001", issue_date=date(2025, 2, 10), due_date=date(2025, 2, 10), supplier=SUPPLIER,
    customer=CUSTOMER, order_reference="PL-2025-0042",
    lines=(InvoiceLine(
        line_id="1", description="Kreditering: udskrevet 29. januar 2025", quantity=Decimal(3),
        unit_code="DAY",
        price_ore=234567, amount_ore=703701, period_from=date(2025, 1, 29), period_to=date(2025, 2, 1),
        accounting_cost="5.38.50",
    ),),
    payment_means=IbanAccount(iban="DK5000400440116243", bic="DABADKKK"),
    billing_reference=InvoiceReference(number="2025-0001", issue_date=date(2025, 2, 3)),
)


def _serialise(document) -> bytes:
    if isinstance(document, CreditNote):
        return credit_note_to_oioubl(document)
    return invoice_to_oioubl(document)


def _xml(document) -> etree._Element:
    return etree.fromstring(_serialise(document))


def _texts(root: etree._Element, path: str) -> list[str]:
    return [element.text for element in root.xpath(path, namespaces=NS)]


def _error(callable_, *args, **changes) -> EInvoiceError:
    with pytest.raises(EInvoiceError) as caught:
        callable_(*args, **changes)
    return caught.value


# --- structure ----------------------------------------------------------------------------------------------

def test_header_names_oioubl_2_1_and_the_billing_simple_profile():
    root = _xml(INVOICE)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert _texts(root, "cbc:UBLVersionID") == ["2.1"]
    assert _texts(root, "cbc:CustomizationID") == ["OIOUBL-2.1"]
    profile = root.find("cbc:ProfileID", NS)
    assert (profile.text, profile.get("schemeID"), profile.get("schemeAgencyID")) == (
        "Procurement-BilSim-1.0", "urn:oioubl:id:profileid-1.1", "320")
    assert _texts(root, "cbc:ID") == ["2025-0001"]
    assert _texts(root, "cbc:IssueDate") == ["2025-02-03"]
    assert _texts(root, "cbc:InvoiceTypeCode") == ["380"]
    assert _texts(root, "cbc:DocumentCurrencyCode") == ["DKK"]
    assert _texts(root, "cac:OrderReference/cbc:ID") == ["PL-2025-0042"]
    assert _texts(root, "cac:ContractDocumentReference/cbc:ID") == ["KONTRAKT-2024-117"]
    assert re.fullmatch(r"[0-9a-f-]{36}", root.findtext("cbc:UUID", namespaces=NS))


def test_endpoints_are_gln_with_the_oioubl_scheme():
    root = _xml(INVOICE)
    for role, gln in (("AccountingSupplierParty", "5798000123458"),
                      ("AccountingCustomerParty", "5798000987654")):
        endpoint = root.find(f"cac:{role}/cac:Party/cbc:EndpointID", NS)
        assert (endpoint.text, endpoint.get("schemeID")) == (gln, "GLN")


def test_supplier_and_customer_names_cvr_se_address_and_contact():
    root = _xml(INVOICE)
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    customer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _texts(supplier, "cac:PartyName/cbc:Name") == ["Bostedet Skovly"]
    assert _texts(customer, "cac:PartyName/cbc:Name") == ["Odense Kommune, Børn og Unge"]
    legal = supplier.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert (legal.text, legal.get("schemeID")) == ("DK10000009", "DK:CVR")
    tax = supplier.find("cac:PartyTaxScheme/cbc:CompanyID", NS)
    assert (tax.text, tax.get("schemeID")) == ("DK10000009", "DK:SE")
    assert _texts(supplier, "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == ["63"]
    assert _texts(customer, "cac:PartyLegalEntity/cbc:CompanyID[@schemeID='DK:CVR']") == ["DK10000017"]
    assert _texts(supplier, "cac:PostalAddress/cbc:StreetName") == ["Skovvej"]
    assert _texts(supplier, "cac:PostalAddress/cbc:BuildingNumber") == ["12"]
    assert _texts(supplier, "cac:PostalAddress/cbc:PostalZone") == ["5700"]
    assert _texts(supplier, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == ["DK"]
    # OIOUBL wants a customer Contact with an ID (F-INV046, F-INV051).
    assert _texts(customer, "cac:Contact/cbc:ID") == ["BUF-ØK"]
    assert _texts(supplier, "cac:Contact/cbc:ElectronicMail") == ["okonomi@skovly.dk"]


def test_customer_contact_id_falls_back_to_the_order_reference():
    invoice = dataclasses.replace(INVOICE, customer=dataclasses.replace(CUSTOMER, contact_id=None))
    contact_ids = _texts(_xml(invoice), "cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ID")
    assert contact_ids == ["PL-2025-0042"]


def test_lines_carry_quantity_unit_period_accounting_cost_and_note():
    root = _xml(INVOICE)
    lines = root.findall("cac:InvoiceLine", NS)
    assert [line.findtext("cbc:ID", namespaces=NS) for line in lines] == ["1", "2"]
    first, second = lines
    quantity = first.find("cbc:InvoicedQuantity", NS)
    assert (quantity.text, quantity.get("unitCode")) == ("31", "DAY")
    assert second.find("cbc:InvoicedQuantity", NS).get("unitCode") == "HUR"
    assert second.findtext("cbc:InvoicedQuantity", namespaces=NS) == "10.5"
    # The period is half-open in the model: 1 January to 1 February is billed through 31 January.
    assert _texts(first, "cac:InvoicePeriod/cbc:StartDate") == ["2025-01-01"]
    assert _texts(first, "cac:InvoicePeriod/cbc:EndDate") == ["2025-01-31"]
    assert _texts(first, "cbc:AccountingCost") == ["5.38.50"]
    assert _texts(second, "cbc:AccountingCost") == ["5.38.50.1"]
    assert _texts(first, "cbc:Note") == ["Placering PL-2025-0042"]
    assert _texts(second, "cbc:Note") == []
    assert _texts(first, "cac:Item/cbc:Name") == ["Døgnophold § 66, januar 2025"]
    assert _texts(first, "cac:Price/cbc:PriceAmount") == ["2345.67"]
    assert _texts(first, "cbc:LineExtensionAmount") == ["72715.77"]
    assert _texts(second, "cbc:LineExtensionAmount") == ["4728.47"]


def test_every_line_and_the_document_state_zero_rated_vat():
    root = _xml(INVOICE)
    categories = root.xpath("//cac:TaxCategory | //cac:ClassifiedTaxCategory", namespaces=NS)
    assert len(categories) == 1 + 2 * 2  # document subtotal, and per line its subtotal and its item category
    for category in categories:
        assert category.findtext("cbc:ID", namespaces=NS) == "ZeroRated"
        assert category.find("cbc:ID", NS).get("schemeID") == "urn:oioubl:id:taxcategoryid-1.1"
        assert Decimal(category.findtext("cbc:Percent", namespaces=NS)) == 0
        assert category.findtext("cac:TaxScheme/cbc:Name", namespaces=NS) == "Moms"
    assert set(_texts(root, "//cbc:TaxAmount")) == {"0.00"}
    assert len(root.findall("cac:InvoiceLine/cac:TaxTotal", NS)) == 2


def test_payment_means_danish_bank_account():
    root = _xml(INVOICE)
    means = root.find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "42"
    assert means.findtext("cbc:PaymentChannelCode", namespaces=NS) == "DK:BANK"
    assert means.findtext("cbc:PaymentDueDate", namespaces=NS) == "2025-03-05"
    assert means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "0001234567"
    branch = means.findtext("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", namespaces=NS)
    assert branch == "1234"
    assert _texts(root, "cac:PaymentTerms/cbc:Note") == ["Netto 30 dage"]


def test_payment_means_iban_carries_the_bic():
    iban = IbanAccount(iban="DK50 0040 0440 1162 43", bic="DABADKKK")
    invoice = dataclasses.replace(INVOICE, payment_means=iban)
    means = _xml(invoice).find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "31"
    assert means.findtext("cbc:PaymentChannelCode", namespaces=NS) == "IBAN"
    assert means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "DK5000400440116243"
    assert means.findtext(
        "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID",
        namespaces=NS) == "DABADKKK"
    assert oioubl_validate(invoice_to_oioubl(invoice)) == []


# --- totals -------------------------------------------------------------------------------------------------

def test_totals_are_the_sum_of_the_rounded_lines():
    assert INVOICE.line_extension_ore == 7271577 + 472847 == 7744424
    assert INVOICE.tax_ore == 0
    assert INVOICE.payable_ore == INVOICE.tax_inclusive_ore == 7744424
    root = _xml(INVOICE)
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert totals.findtext("cbc:LineExtensionAmount", namespaces=NS) == "77444.24"
    # OIOUBL: TaxExclusiveAmount is the total tax (F-INV127).
    assert totals.findtext("cbc:TaxExclusiveAmount", namespaces=NS) == "0.00"
    assert totals.findtext("cbc:TaxInclusiveAmount", namespaces=NS) == "77444.24"
    assert totals.findtext("cbc:PayableAmount", namespaces=NS) == "77444.24"
    line_sum = sum(Decimal(text) for text in _texts(root, "cac:InvoiceLine/cbc:LineExtensionAmount"))
    assert line_sum == Decimal(totals.findtext("cbc:PayableAmount", namespaces=NS))
    assert _texts(root, "cac:PaymentTerms/cbc:Amount") == ["77444.24"]
    assert _texts(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount") == ["77444.24"]


def test_every_amount_has_two_decimals_a_point_and_the_currency():
    root = _xml(INVOICE)
    amounts = root.xpath("//*[@currencyID]")
    assert len(amounts) > 10
    for element in amounts:
        assert re.fullmatch(r"-?\d+\.\d{2}", element.text), element.text
        assert element.get("currencyID") == "DKK"


def test_line_amount_is_rounded_half_up_to_whole_ore():
    assert line_amount_ore(quantity=Decimal("10.5"), price_ore=45033) == 472847  # 472846.5 → up
    assert line_amount_ore(quantity=Decimal("0.5"), price_ore=3) == 2  # 1.5 → 2
    assert line_amount_ore(quantity=31, price_ore=234567) == 7271577


@settings(max_examples=40, deadline=None)
@given(st.lists(
    st.tuples(st.decimals(min_value=Decimal("0.25"), max_value=Decimal(366), places=2),
              st.integers(min_value=0, max_value=10_000_000)),
    min_size=1, max_size=6,
))
def test_property_payable_is_the_sum_of_rounded_lines_and_the_xsd_holds(specs):
    lines = tuple(
        InvoiceLine(line_id=str(number), description=f"Ydelse {number}", quantity=quantity, unit_code="DAY",
                    price_ore=price, amount_ore=line_amount_ore(quantity=quantity, price_ore=price))
        for number, (quantity, price) in enumerate(specs, start=1)
    )
    if sum(line.amount_ore for line in lines) == 0:
        return
    invoice = dataclasses.replace(INVOICE, lines=lines)
    data = invoice_to_oioubl(invoice)
    root = etree.fromstring(data)
    payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS))
    assert payable * 100 == sum(line.amount_ore for line in lines)
    assert oioubl_validate(data) == []


# --- the model refuses what must not be sent ----------------------------------------------------------------

def test_customer_gln_with_a_wrong_check_digit_is_refused_in_danish():
    error = _error(dataclasses.replace, INVOICE, customer=dataclasses.replace(CUSTOMER, gln="5798000000002"))
    assert error.message_da == "Betalingskommunens EAN-nummer 5798000000002 har forkert kontrolciffer."
    assert str(error) == error.message_da
    assert error.field == "customer.gln"


def test_supplier_gln_with_a_wrong_check_digit_is_refused():
    error = _error(dataclasses.replace, INVOICE, supplier=dataclasses.replace(SUPPLIER, gln="5798000123459"))
    assert error.message_da == "Leverandørens EAN-nummer 5798000123459 har forkert kontrolciffer."
    assert error.field == "supplier.gln"


@pytest.mark.parametrize("gln", ["579800012345", "57980001234580", "579800012345X", ""])
def test_gln_must_be_13_digits(gln):
    error = _error(dataclasses.replace, INVOICE, customer=dataclasses.replace(CUSTOMER, gln=gln))
    assert error.field == "customer.gln"
    assert "skal være 13 cifre" in error.message_da


def test_invalid_cvr_is_refused():
    error = _error(dataclasses.replace, INVOICE, supplier=dataclasses.replace(SUPPLIER, cvr="10000000"))
    assert error.field == "supplier.cvr"
    assert error.message_da == (
        "Leverandørens CVR-nummer 10000000 er ugyldigt (8 cifre med gyldigt kontrolciffer).")


def test_supplier_without_cvr_is_refused_customer_without_cvr_is_not():
    error = _error(dataclasses.replace, INVOICE, supplier=dataclasses.replace(SUPPLIER, cvr=None))
    assert (error.field, error.message_da) == ("supplier.cvr", "Leverandørens CVR-nummer mangler.")
    invoice = dataclasses.replace(INVOICE, customer=dataclasses.replace(CUSTOMER, cvr=None))
    root = _xml(invoice)
    assert root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS) is None
    assert oioubl_validate(invoice_to_oioubl(invoice)) == []


def test_line_amount_must_match_quantity_times_price():
    bad = dataclasses.replace(STAY, amount_ore=7271500)
    error = _error(dataclasses.replace, INVOICE, lines=(bad, EXTRA_HOURS))
    assert error.field == "lines[0].amount_ore"
    assert error.message_da == (
        "Linje 1: beløbet 72.715,00 kr. passer ikke med antal × pris (31 × 2.345,67 kr. = 72.715,77 kr.).")


def test_an_invoice_needs_at_least_one_line():
    error = _error(dataclasses.replace, INVOICE, lines=())
    assert (error.field, error.message_da) == ("lines", "Fakturaen skal have mindst én linje.")


def test_due_date_before_issue_date_is_refused():
    error = _error(dataclasses.replace, INVOICE, due_date=date(2025, 2, 2))
    assert error.field == "due_date"
    assert error.message_da == "Forfaldsdatoen 02.02.2025 ligger før udstedelsesdatoen 03.02.2025."


@pytest.mark.parametrize(("changes", "field"), [
    ({"line_id": "1"}, "lines[1].line_id"),
    ({"quantity": 10.5}, "lines[1].quantity"),
    ({"quantity": Decimal(0), "amount_ore": 0}, "lines[1].quantity"),
    ({"unit_code": "KGM"}, "lines[1].unit_code"),
    ({"period_to": date(2025, 1, 1)}, "lines[1].period_to"),
    ({"period_to": None}, "lines[1].period_to"),
    ({"price_ore": -45033, "amount_ore": -472847}, "lines[1].price_ore"),
    ({"description": " "}, "lines[1].description"),
])
def test_bad_lines_are_refused_with_the_field_named(changes, field):
    bad = dataclasses.replace(EXTRA_HOURS, **changes)
    error = _error(dataclasses.replace, INVOICE, lines=(STAY, bad))
    assert error.field == field
    assert error.message_da


@pytest.mark.parametrize(("means", "field"), [
    (IbanAccount(iban="DK5000400440116244", bic="DABADKKK"), "payment_means.iban"),
    (IbanAccount(iban="DK5000400440116243", bic="DA"), "payment_means.bic"),
    (DanishBankAccount(reg_no="123", account_no="1234567"), "payment_means.reg_no"),
    (DanishBankAccount(reg_no="1234", account_no="12345678901"), "payment_means.account_no"),
    (None, "payment_means"),
])
def test_bad_payment_accounts_are_refused(means, field):
    assert _error(dataclasses.replace, INVOICE, payment_means=means).field == field


def test_cpr_number_in_free_text_is_refused():
    line = dataclasses.replace(STAY, note="Borger 010190-1234")
    error = _error(dataclasses.replace, INVOICE, lines=(line, EXTRA_HOURS))
    assert error.field == "lines[0].note"
    assert "CPR-nummer" in error.message_da
    assert _error(dataclasses.replace, INVOICE, note="Vedr. 0101901234").field == "note"
    # A placement reference and a kontostreng are fine, and so is a number that is no date.
    assert dataclasses.replace(INVOICE, note="PL-2025-0042, konto 5.38.50, sag 9913457788").note


def test_documents_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        INVOICE.number = "X"  # type: ignore[misc]


def test_only_dkk():
    assert _error(dataclasses.replace, INVOICE, currency="EUR").field == "currency"


# --- credit note --------------------------------------------------------------------------------------------

def test_credit_note_references_the_invoice_it_credits():
    root = _xml(CREDIT_NOTE)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert _texts(root, "cbc:CreditNoteTypeCode") == ["381"]
    reference = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert reference.findtext("cbc:ID", namespaces=NS) == "2025-0001"
    assert reference.findtext("cbc:IssueDate", namespaces=NS) == "2025-02-03"
    line = root.find("cac:CreditNoteLine", NS)
    assert line.findtext("cbc:CreditedQuantity", namespaces=NS) == "3"
    assert _texts(line, "cac:InvoicePeriod/cbc:EndDate") == ["2025-01-31"]
    assert _texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["7037.01"]
    assert root.find("cac:InvoiceLine", NS) is None


def test_credit_note_cannot_predate_the_invoice():
    error = _error(dataclasses.replace, CREDIT_NOTE,
                   billing_reference=InvoiceReference(number="2025-0001", issue_date=date(2025, 3, 1)))
    assert error.field == "billing_reference.issue_date"


def test_serialisers_refuse_the_other_document_type():
    with pytest.raises(TypeError):
        invoice_to_oioubl(CREDIT_NOTE)
    with pytest.raises(TypeError):
        credit_note_to_oioubl(INVOICE)


# --- validation against the real OASIS UBL 2.1 schema -------------------------------------------------------

def test_real_documents_pass_the_xsd_and_our_checks():
    assert oioubl_validate(invoice_to_oioubl(INVOICE)) == []
    assert oioubl_validate(credit_note_to_oioubl(CREDIT_NOTE)) == []


def _without(data: bytes, path: str) -> bytes:
    root = etree.fromstring(data)
    element = root.find(path, NS)
    element.getparent().remove(element)
    return etree.tostring(root)


def test_xsd_rejects_a_document_missing_a_mandatory_element():
    problems = oioubl_validate(_without(invoice_to_oioubl(INVOICE), "cac:LegalMonetaryTotal"))
    assert problems and problems[0].startswith("XSD linje")
    assert any("InvoiceLine" in problem and "not expected" in problem for problem in problems)
    problems = oioubl_validate(_without(invoice_to_oioubl(INVOICE), "cbc:ID"))
    assert any("UUID" in problem and "Expected is one of" in problem for problem in problems)


def test_xsd_rejects_a_line_without_its_amount_and_elements_out_of_order():
    broken = _without(invoice_to_oioubl(INVOICE), "cac:InvoiceLine/cbc:LineExtensionAmount")
    problems = oioubl_validate(broken)
    assert problems and all(problem.startswith("XSD") for problem in problems)
    root = etree.fromstring(invoice_to_oioubl(INVOICE))
    root.append(root.find("cac:LegalMonetaryTotal", NS))  # after the lines: wrong sequence
    assert oioubl_validate(etree.tostring(root))


def test_xsd_rejects_a_broken_credit_note():
    problems = oioubl_validate(_without(credit_note_to_oioubl(CREDIT_NOTE), "cac:AccountingSupplierParty"))
    assert any("AccountingCustomerParty" in problem for problem in problems)


def test_our_checks_catch_what_the_xsd_allows():
    root = etree.fromstring(invoice_to_oioubl(INVOICE))
    root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS).text = "1.00"
    root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).text = "5798000000002"
    problems = oioubl_validate(etree.tostring(root))
    assert any(problem.startswith("PayableAmount 1.00") for problem in problems)
    assert any("5798000000002" in problem for problem in problems)

    root = etree.fromstring(invoice_to_oioubl(INVOICE))
    root.find("cac:InvoiceLine/cbc:LineExtensionAmount", NS).text = "72715.7"
    assert oioubl_validate(etree.tostring(root)) == [
        "cbc:LineExtensionAmount '72715.7' skal have præcis to decimaler."]

    root = etree.fromstring(invoice_to_oioubl(INVOICE))
    root.find("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", NS).text = "77444.24"
    root.find("cbc:CustomizationID", NS).text = "OIOUBL-2.02"
    problems = oioubl_validate(etree.tostring(root))
    assert any(problem.startswith("[F-INV127]") for problem in problems)
    assert any("CustomizationID" in problem for problem in problems)


def test_not_ubl_at_all():
    assert oioubl_validate(b"<Invoice/>")[0].startswith("Ukendt dokumenttype")
    assert oioubl_validate(b"<Invoice")[0].startswith("XML-syntaksfejl")


# --- golden files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "document"), [("invoice.xml", INVOICE), ("credit-note.xml", CREDIT_NOTE)])
def test_golden_files(name, document):
    data = _serialise(document)
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed: rerun with EINVOICE_UPDATE_GOLDEN=1, review the diff"
    assert oioubl_validate(path.read_bytes()) == []


# --- packaging ----------------------------------------------------------------------------------------------

def test_vendored_schemas_come_with_their_notice_and_readme():
    assert (SCHEMA_DIR / "README.md").is_file()
    notice = (SCHEMA_DIR / "OASIS-NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright (c) OASIS Open 2013" in notice
    assert len(list(SCHEMA_DIR.rglob("*.xsd"))) == 16


def test_the_package_imports_no_django():
    code = ("import sys, rammeaftale.einvoice; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0
