"""E-invoices without Django: an EN 16931-shaped model, its OIOUBL 2.1 serializer and the UBL 2.1 XSD check.

    from rammeaftale.einvoice import Invoice, invoice_to_oioubl, oioubl_validate

Mapping, sources and known gaps: docs/einvoice.md.
"""
from rammeaftale.einvoice.model import (
    CreditNote,
    DanishBankAccount,
    EInvoiceError,
    IbanAccount,
    Invoice,
    InvoiceLine,
    InvoiceReference,
    Party,
    invoice_check,
)
from rammeaftale.einvoice.oioubl import credit_note_to_oioubl, invoice_to_oioubl
from rammeaftale.einvoice.validate import oioubl_validate

__all__ = [
    "CreditNote",
    "DanishBankAccount",
    "EInvoiceError",
    "IbanAccount",
    "Invoice",
    "InvoiceLine",
    "InvoiceReference",
    "Party",
    "credit_note_to_oioubl",
    "invoice_check",
    "invoice_to_oioubl",
    "oioubl_validate",
]
