"""Serialise an Invoice or CreditNote to OIOUBL 2.1 XML (UBL 2.1 syntax), the Danish public-sector e-invoice.

What we emit and why (sources in docs/einvoice.md, which also maps every model field to its element):

- UBLVersionID "2.1", CustomizationID "OIOUBL-2.1". The OIOUBL 2.1 schematron (v1.17, F-LIB001/F-LIB002)
  accepts UBLVersionID 2.0 or 2.1 and CustomizationID OIOUBL-2.01, -2.02 or -2.1. We need UBL 2.1 because the
  line period (cac:InvoiceLine/cac:InvoicePeriod) does not exist in UBL 2.0; invopop/gobl.dk.oioubl
  (Apache-2.0, targets schematron 1.17.2) emits the same pair. The document validates against the OASIS UBL
  2.1 XSDs in schemas/.
- ProfileID "Procurement-BilSim-1.0", schemeID urn:oioubl:id:profileid-1.1, schemeAgencyID 320: "Billing
  Simple" (invoice, credit note, reminder, application response) is the profile every Danish public authority
  must be able to receive; it is in the schematron's profile code list.
- EndpointID schemeID "GLN", schemeAgencyID "9" (GS1) (the EAN location number, ISO 6523 ICD 0088).
  NemHandel's OIOUBL 2.1 wants the OIOUBL symbolic scheme codes (schematron EndpointID_schemeID list: GLN,
  DK:CVR, DK:SE, ...), not the numeric ICD "0088" that Peppol uses; the numeric form belongs to OIOUBL 3 /
  Peppol BIS.
- PartyLegalEntity/CompanyID schemeID "DK:CVR" and PartyTaxScheme/CompanyID schemeID "DK:SE", both "DK" + 8
  digits (F-LIB180/184/190/196); TaxScheme 63 "Moms" (urn:oioubl:id:taxschemeid-1.1).
- Tax: the supplies are VAT-exempt, but OIOUBL's taxcategoryid code list has no exempt category, so every line
  and the document state TaxCategory "ZeroRated" (urn:oioubl:id:taxcategoryid-1.1) with Percent 0 and
  TaxAmount 0.00 (gobl.dk.oioubl: "state the supply as zero-rated instead"). Every line carries its own
  TaxTotal (F-INV138).
- LegalMonetaryTotal/TaxExclusiveAmount is the total *tax* in OIOUBL (F-INV127), not the net total as in plain
  UBL: here 0.00. LineExtensionAmount = TaxInclusiveAmount = PayableAmount = the sum of the rounded lines.
- PaymentMeans: IBAN → code 31, channel IBAN, BIC under FinancialInstitution (F-LIB113); Danish account → code
  42, channel DK:BANK, reg. no. as FinancialInstitutionBranch/ID (F-LIB124/126/130/131). The due date is
  PaymentMeans/PaymentDueDate (OIOUBL has no document-level DueDate). PaymentTerms carries the payable amount
  (F-INV134) and the terms text.
- The customer always has a Contact with an ID (F-INV046, F-INV051): the explicit contact reference, else the
  order reference. The supplier's Contact is written when a contact is known; its ID is the contact reference,
  else the e-mail, else the name.
- Amounts: two decimals, "." separator, currencyID on every amount. Quantities without trailing zeros.
- UUID: a name-based UUID (uuid5) of the supplier's GLN, the document type and the number, so the same
  document always serialises to the same bytes.
"""
import re
import uuid
from datetime import timedelta
from decimal import Decimal

from lxml import etree

from rammeaftale.einvoice.model import (
    CreditNote,
    DanishBankAccount,
    IbanAccount,
    Invoice,
    Party,
    invoice_check,
)

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

UBL_VERSION_ID = "2.1"
CUSTOMIZATION_ID = "OIOUBL-2.1"
PROFILE_ID = "Procurement-BilSim-1.0"
PROFILE_SCHEME_ID = "urn:oioubl:id:profileid-1.1"
OIOUBL_AGENCY_ID = "320"  # the Danish agency in UN/CEFACT's agency list, used on every OIOUBL code list
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"
INVOICE_TYPE_LIST_ID = "urn:oioubl:codelist:invoicetypecode-1.1"
ENDPOINT_SCHEME_GLN = "GLN"
GS1_AGENCY_ID = "9"  # GS1 (UN/CEFACT DE 3055), as on the GLN endpoints of the OIOUBL 2.1 examples
COMPANY_SCHEME_CVR = "DK:CVR"
TAX_COMPANY_SCHEME_SE = "DK:SE"
TAX_CATEGORY_ZERO_RATED = "ZeroRated"
TAX_CATEGORY_SCHEME_ID = "urn:oioubl:id:taxcategoryid-1.1"
TAX_SCHEME_VAT = "63"
TAX_SCHEME_NAME = "Moms"
TAX_SCHEME_SCHEME_ID = "urn:oioubl:id:taxschemeid-1.1"
ADDRESS_FORMAT_LAX = "StructuredLax"
ADDRESS_FORMAT_LIST_ID = "urn:oioubl:codelist:addressformatcode-1.1"
PAYMENT_CHANNEL_LIST_ID = "urn:oioubl:codelist:paymentchannelcode-1.1"
PAYMENT_MEANS_IBAN = "31"  # UNTDID 4461 debit transfer
PAYMENT_MEANS_DK_BANK = "42"  # UNTDID 4461 payment to bank account
VAT_PERCENT = "0"

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_UUID_NAMESPACE = uuid.UUID("2f0c7a4e-5d0b-4a43-9a7e-0e1d5b8c6a11")
_STREET_AND_NUMBER = re.compile(r"^(?P<name>\D*\D)\s+(?P<number>\d+[A-Za-z]?)$")


def invoice_to_oioubl(invoice: Invoice) -> bytes:
    """The invoice as an OIOUBL 2.1 Invoice document (UTF-8 bytes with XML declaration)."""
    if not isinstance(invoice, Invoice):
        raise TypeError("invoice_to_oioubl expects an Invoice; use credit_note_to_oioubl for a CreditNote")
    invoice_check(invoice)
    return _serialise(invoice, credit_note=False)


def credit_note_to_oioubl(note: CreditNote) -> bytes:
    """The credit note as an OIOUBL 2.1 CreditNote document referring to the invoice it credits."""
    if not isinstance(note, CreditNote):
        raise TypeError("credit_note_to_oioubl expects a CreditNote")
    invoice_check(note)
    return _serialise(note, credit_note=True)


def document_uuid(document: Invoice | CreditNote) -> str:
    """The cbc:UUID we write: stable for a supplier, document type and number."""
    kind = "CreditNote" if isinstance(document, CreditNote) else "Invoice"
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{document.supplier.gln}:{kind}:{document.number}"))


def amount_text(amount_ore: int) -> str:
    """Øre as an OIOUBL amount: two decimals, "." as separator, no thousands separator ("72715.77")."""
    return f"{Decimal(amount_ore).scaleb(-2):.2f}"


def _serialise(document: Invoice | CreditNote, *, credit_note: bool) -> bytes:
    doc_ns = NS_CREDIT_NOTE if credit_note else NS_INVOICE
    root = etree.Element(f"{{{doc_ns}}}{'CreditNote' if credit_note else 'Invoice'}",
                         nsmap={None: doc_ns, "cac": NS_CAC, "cbc": NS_CBC})
    currency = document.currency

    _cbc(root, "UBLVersionID", UBL_VERSION_ID)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID, schemeAgencyID=OIOUBL_AGENCY_ID, schemeID=PROFILE_SCHEME_ID)
    _cbc(root, "ID", document.number)
    _cbc(root, "UUID", document_uuid(document))
    _cbc(root, "IssueDate", document.issue_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode",
         CREDIT_NOTE_TYPE_CODE if credit_note else INVOICE_TYPE_CODE,
         listAgencyID=OIOUBL_AGENCY_ID, listID=INVOICE_TYPE_LIST_ID)
    if document.note:
        _cbc(root, "Note", document.note)
    _cbc(root, "DocumentCurrencyCode", currency)

    order = _cac(root, "OrderReference")
    _cbc(order, "ID", document.order_reference)
    if credit_note:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", document.billing_reference.number)
        _cbc(reference, "IssueDate", document.billing_reference.issue_date.isoformat())
    if document.contract_reference:
        _cbc(_cac(root, "ContractDocumentReference"), "ID", document.contract_reference)

    _party(_cac(root, "AccountingSupplierParty"), document.supplier, contact_fallback=None, is_supplier=True)
    _party(_cac(root, "AccountingCustomerParty"), document.customer,
           contact_fallback=document.order_reference, is_supplier=False)

    _payment_means(root, document)
    terms = _cac(root, "PaymentTerms")
    if document.payment_terms:
        _cbc(terms, "Note", document.payment_terms)
    _cbc(terms, "Amount", amount_text(document.payable_ore), currencyID=currency)

    _tax_total(root, taxable_ore=document.line_extension_ore, tax_ore=document.tax_ore, currency=currency)

    totals = _cac(root, "LegalMonetaryTotal")
    _cbc(totals, "LineExtensionAmount", amount_text(document.line_extension_ore), currencyID=currency)
    # OIOUBL reads TaxExclusiveAmount as the total tax (F-INV127), not as the net amount.
    _cbc(totals, "TaxExclusiveAmount", amount_text(document.tax_ore), currencyID=currency)
    _cbc(totals, "TaxInclusiveAmount", amount_text(document.tax_inclusive_ore), currencyID=currency)
    _cbc(totals, "PayableAmount", amount_text(document.payable_ore), currencyID=currency)

    for line in document.lines:
        element = _cac(root, "CreditNoteLine" if credit_note else "InvoiceLine")
        _cbc(element, "ID", line.line_id)
        if line.note:
            _cbc(element, "Note", line.note)
        _cbc(element, "CreditedQuantity" if credit_note else "InvoicedQuantity",
             _quantity_text(line.quantity), unitCode=line.unit_code)
        _cbc(element, "LineExtensionAmount", amount_text(line.amount_ore), currencyID=currency)
        if line.accounting_cost:
            _cbc(element, "AccountingCost", line.accounting_cost)
        if line.period_from is not None:
            period = _cac(element, "InvoicePeriod")
            _cbc(period, "StartDate", line.period_from.isoformat())
            # Our periods are half-open; UBL's EndDate is the last day included.
            _cbc(period, "EndDate", (line.period_to - timedelta(days=1)).isoformat())
        _tax_total(element, taxable_ore=line.amount_ore, tax_ore=0, currency=currency)
        item = _cac(element, "Item")
        _cbc(item, "Description", line.description)
        _cbc(item, "Name", line.description)
        _tax_category(_cac(item, "ClassifiedTaxCategory"))
        _cbc(_cac(element, "Price"), "PriceAmount", amount_text(line.price_ore), currencyID=currency)

    return _XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _party(parent: etree._Element, party: Party, *, contact_fallback: str | None, is_supplier: bool) -> None:
    element = _cac(parent, "Party")
    _cbc(element, "EndpointID", party.gln, schemeAgencyID=GS1_AGENCY_ID, schemeID=ENDPOINT_SCHEME_GLN)
    _cbc(_cac(element, "PartyName"), "Name", party.name)

    address = _cac(element, "PostalAddress")
    _cbc(address, "AddressFormatCode", ADDRESS_FORMAT_LAX, listAgencyID=OIOUBL_AGENCY_ID,
         listID=ADDRESS_FORMAT_LIST_ID)
    match = _STREET_AND_NUMBER.match(party.street.strip())
    if match:
        _cbc(address, "StreetName", match["name"].strip())
        _cbc(address, "BuildingNumber", match["number"])
    else:
        # "Vestergade 45, 2. th." and the like: kept whole, not guessed apart (StructuredLax allows it).
        _cbc(address, "StreetName", party.street.strip())
    _cbc(address, "CityName", party.city)
    _cbc(address, "PostalZone", party.postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)

    if is_supplier:
        tax = _cac(element, "PartyTaxScheme")
        _cbc(tax, "CompanyID", "DK" + (party.se_number or party.cvr), schemeID=TAX_COMPANY_SCHEME_SE)
        _tax_scheme(_cac(tax, "TaxScheme"))

    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.cvr:
        _cbc(legal, "CompanyID", "DK" + party.cvr, schemeID=COMPANY_SCHEME_CVR)

    contact_id = party.contact_id or contact_fallback or party.contact_email or party.contact_name
    if contact_id:
        contact = _cac(element, "Contact")
        _cbc(contact, "ID", contact_id)
        if party.contact_name:
            _cbc(contact, "Name", party.contact_name)
        if party.contact_email:
            _cbc(contact, "ElectronicMail", party.contact_email)


def _payment_means(root: etree._Element, document: Invoice | CreditNote) -> None:
    means = document.payment_means
    element = _cac(root, "PaymentMeans")
    if isinstance(means, IbanAccount):
        _cbc(element, "PaymentMeansCode", PAYMENT_MEANS_IBAN)
        _cbc(element, "PaymentDueDate", document.due_date.isoformat())
        _cbc(element, "PaymentChannelCode", "IBAN", listAgencyID=OIOUBL_AGENCY_ID,
             listID=PAYMENT_CHANNEL_LIST_ID)
        account = _cac(element, "PayeeFinancialAccount")
        _cbc(account, "ID", means.iban.replace(" ", "").upper())
        institution = _cac(_cac(account, "FinancialInstitutionBranch"), "FinancialInstitution")
        _cbc(institution, "ID", means.bic.replace(" ", "").upper())
    elif isinstance(means, DanishBankAccount):
        _cbc(element, "PaymentMeansCode", PAYMENT_MEANS_DK_BANK)
        _cbc(element, "PaymentDueDate", document.due_date.isoformat())
        _cbc(element, "PaymentChannelCode", "DK:BANK", listAgencyID=OIOUBL_AGENCY_ID,
             listID=PAYMENT_CHANNEL_LIST_ID)
        account = _cac(element, "PayeeFinancialAccount")
        _cbc(account, "ID", means.account_no)
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", means.reg_no)


def _tax_total(parent: etree._Element, *, taxable_ore: int, tax_ore: int, currency: str) -> None:
    total = _cac(parent, "TaxTotal")
    _cbc(total, "TaxAmount", amount_text(tax_ore), currencyID=currency)
    subtotal = _cac(total, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", amount_text(taxable_ore), currencyID=currency)
    _cbc(subtotal, "TaxAmount", amount_text(tax_ore), currencyID=currency)
    _tax_category(_cac(subtotal, "TaxCategory"))


def _tax_category(element: etree._Element) -> None:
    _cbc(element, "ID", TAX_CATEGORY_ZERO_RATED, schemeAgencyID=OIOUBL_AGENCY_ID,
         schemeID=TAX_CATEGORY_SCHEME_ID)
    _cbc(element, "Percent", VAT_PERCENT)
    _tax_scheme(_cac(element, "TaxScheme"))


def _tax_scheme(element: etree._Element) -> None:
    _cbc(element, "ID", TAX_SCHEME_VAT, schemeAgencyID=OIOUBL_AGENCY_ID, schemeID=TAX_SCHEME_SCHEME_ID)
    _cbc(element, "Name", TAX_SCHEME_NAME)


def _quantity_text(quantity: Decimal | int) -> str:
    return format(Decimal(quantity).normalize(), "f")


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attributes)
    element.text = text
    return element
