"""Check an OIOUBL document: the vendored OASIS UBL 2.1 XSD, then the OIOUBL rules we check ourselves.

The official OIOUBL 2.1 schematron is not run here (docs/einvoice.md, "Not validated"): the current release
(1.17) is XSLT 2.0, which lxml cannot run, and the XSLT 1.0 copies found in public repositories carry no
licence. In its place, after the XSD passes, we re-check the rules our documents depend on: the identifiers
(CustomizationID, ProfileID), GLN endpoints with a valid check digit, one TaxTotal per line, and the totals
arithmetic including OIOUBL's reading of TaxExclusiveAmount as the total tax (F-INV127).
"""
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from lxml import etree
from stdnum import ean as stdnum_ean

from rammeaftale.einvoice.oioubl import (
    CUSTOMIZATION_ID,
    NS_CAC,
    NS_CBC,
    NS_CREDIT_NOTE,
    NS_INVOICE,
    PROFILE_ID,
    UBL_VERSION_ID,
)

SCHEMA_DIR = Path(__file__).parent / "schemas"
_SCHEMA_FILES = {
    f"{{{NS_INVOICE}}}Invoice": SCHEMA_DIR / "maindoc" / "UBL-Invoice-2.1.xsd",
    f"{{{NS_CREDIT_NOTE}}}CreditNote": SCHEMA_DIR / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
_NS = {"cac": NS_CAC, "cbc": NS_CBC}


def oioubl_validate(xml_bytes: bytes) -> list[str]:
    """Every problem found, one message per problem; an empty list means the document passed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        return [f"XML-syntaksfejl: {error}"]
    schema_file = _SCHEMA_FILES.get(root.tag)
    if schema_file is None:
        return [f"Ukendt dokumenttype {root.tag!r}: forventede en UBL Invoice eller CreditNote."]
    schema = _schema(schema_file)
    if not schema.validate(root):
        return [f"XSD linje {error.line}: {error.message}" for error in schema.error_log]
    return _oioubl_rules(root)


@cache
def _schema(path: Path) -> etree.XMLSchema:
    # The UBL 2.1 modules import each other by relative path; nothing is fetched from the network.
    return etree.XMLSchema(etree.parse(str(path)))


def _oioubl_rules(root: etree._Element) -> list[str]:
    problems: list[str] = []
    for name, expected in (("UBLVersionID", UBL_VERSION_ID), ("CustomizationID", CUSTOMIZATION_ID),
                           ("ProfileID", PROFILE_ID)):
        value = root.findtext(f"cbc:{name}", namespaces=_NS)
        if value != expected:
            problems.append(f"cbc:{name} er {value!r}; forventede {expected!r}.")

    for role in ("AccountingSupplierParty", "AccountingCustomerParty"):
        endpoint = root.find(f"cac:{role}/cac:Party/cbc:EndpointID", namespaces=_NS)
        if endpoint is None or not (endpoint.text or "").strip():
            problems.append(f"[F-INV044] cac:{role} mangler EndpointID.")
            continue
        if endpoint.get("schemeID") == "GLN":
            gln = endpoint.text.strip()
            if not (len(gln) == 13 and gln.isdigit() and stdnum_ean.is_valid(gln)):
                problems.append(f"cac:{role}: EAN-nummeret {gln} har forkert format eller kontrolciffer.")

    line_tag = "InvoiceLine" if root.tag.endswith("}Invoice") else "CreditNoteLine"
    lines = root.findall(f"cac:{line_tag}", namespaces=_NS)
    try:
        line_sum = sum((_amount(line, "cbc:LineExtensionAmount") for line in lines), Decimal(0))
        for line in lines:
            if line.find("cac:TaxTotal", namespaces=_NS) is None:
                line_id = line.findtext("cbc:ID", namespaces=_NS)
                problems.append(f"[F-INV138] Linje {line_id} mangler cac:TaxTotal.")
        tax_totals = root.findall("cac:TaxTotal", namespaces=_NS)
        tax_sum = sum((_amount(total, "cbc:TaxAmount") for total in tax_totals), Decimal(0))
        totals = root.find("cac:LegalMonetaryTotal", namespaces=_NS)
        line_extension = _amount(totals, "cbc:LineExtensionAmount")
        tax_exclusive = _amount(totals, "cbc:TaxExclusiveAmount")
        tax_inclusive = _amount(totals, "cbc:TaxInclusiveAmount")
        payable = _amount(totals, "cbc:PayableAmount")
    except ValueError as error:
        return problems + [str(error)]
    if line_extension != line_sum:
        problems.append(f"LineExtensionAmount {line_extension} er ikke summen af linjerne ({line_sum}).")
    if tax_exclusive != tax_sum:
        problems.append(f"[F-INV127] TaxExclusiveAmount {tax_exclusive} er ikke summen af TaxTotal/TaxAmount "
                        f"({tax_sum}).")
    if tax_inclusive != line_extension + tax_exclusive:
        problems.append(f"TaxInclusiveAmount {tax_inclusive} er ikke LineExtensionAmount + moms "
                        f"({line_extension + tax_exclusive}).")
    if payable != tax_inclusive:
        problems.append(f"PayableAmount {payable} er ikke lig TaxInclusiveAmount ({tax_inclusive}).")
    return problems


def _amount(parent: etree._Element | None, path: str) -> Decimal:
    element = None if parent is None else parent.find(path, namespaces=_NS)
    text = None if element is None else (element.text or "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValueError(f"{path} mangler eller er ikke et beløb: {text!r}.") from None
    if value.as_tuple().exponent != -2:
        raise ValueError(f"{path} {text!r} skal have præcis to decimaler.")
    return value
