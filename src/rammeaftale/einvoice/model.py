"""Invoices and credit notes as data: EN 16931-shaped frozen dataclasses in integer øre, checked when built.

The fields follow the EN 16931-1 semantic model (business terms BT-/BG- noted beside them), so the same
objects can be serialised to OIOUBL 2.1 today (oioubl.py) and to NemHandel BIS 4 / Peppol later. A document
that exists has passed invoice_check(): GLN check digits (GS1 modulus 10, python-stdnum `ean`), CVR modulus 11
(`stdnum.dk.cvr`), every line's amount equal to quantity × price rounded half up, at least one line, unique
line ids, a due date not before the issue date, a usable payment account and no CPR number in any free text.
Errors are EInvoiceError with a Danish message and the dotted name of the field.

VAT: the social offers sold under a rammeaftale are exempt (momsloven § 13, stk. 1, nr. 2), so every document
carries 0 % VAT; `tax_ore` is always 0 and is there so that the totals read like EN 16931's (BT-106, BT-110,
BT-112, BT-115).
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from stdnum import bic as stdnum_bic
from stdnum import ean as stdnum_ean
from stdnum import iban as stdnum_iban
from stdnum.dk import cvr as stdnum_cvr

from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.money import format_kr

# UN/ECE Recommendation 20 unit codes the settlement produces (BT-130), with the Danish word for messages.
UNIT_CODES = {"DAY": "døgn", "MON": "måned", "HUR": "time", "EA": "stk."}  # UN/ECE Rec. 20; EA: one fixed amount
# Amounts are integer øre, so only a currency with two decimals fits; the agreements bill in kroner only.
CURRENCIES = ("DKK",)

_ROLE_DA = {"supplier": "Leverandørens", "customer": "Betalingskommunens"}


class EInvoiceError(ValueError):
    """An invoice that must not be sent: `message_da` is for the user, `field` names the offending field."""

    def __init__(self, message_da: str, *, field: str):
        super().__init__(message_da)
        self.message_da = message_da
        self.field = field


@dataclass(frozen=True, kw_only=True)
class Party:
    """Seller (BG-4) or buyer (BG-7); `gln`, the 13-digit EAN location number, is its electronic address."""

    name: str  # BT-27 / BT-44
    gln: str  # BT-34 / BT-49, scheme GLN (ISO 6523 ICD 0088)
    street: str  # BT-35 / BT-50, e.g. "Rådhuspladsen 1"
    postcode: str  # BT-38 / BT-53
    city: str  # BT-37 / BT-52
    country: str = "DK"  # BT-40 / BT-55
    cvr: str | None = None  # BT-30 / BT-47, 8 digits; required for the supplier
    se_number: str | None = None  # BT-31 supplier's SE (VAT) number, 8 digits; the CVR is used when absent
    contact_id: str | None = None  # OIOUBL Contact/ID: the reference person or unit ("personreference")
    contact_name: str | None = None  # BT-41 / BT-56
    contact_email: str | None = None  # BT-43 / BT-58


@dataclass(frozen=True, kw_only=True)
class InvoiceLine:
    """One invoice line (BG-25). The period is half-open: `period_to` is the first day not billed."""

    line_id: str  # BT-126
    description: str  # BT-153 item name / BT-154 description
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, a key of UNIT_CODES
    price_ore: int  # BT-146 net price per unit
    amount_ore: int  # BT-131 = quantity × price, rounded half up to whole øre
    period_from: date | None = None  # BT-134
    period_to: date | None = None  # excluded; BT-135 (the last day billed) is period_to − 1 day
    accounting_cost: str | None = None  # BT-133 the buyer's kontostreng, e.g. "5.38.50"
    note: str | None = None  # BT-127, e.g. the placement reference; never a CPR number


@dataclass(frozen=True, kw_only=True)
class IbanAccount:
    """Credit transfer to an IBAN (BT-84) with its BIC (BT-86); OIOUBL payment means 31, channel IBAN."""

    iban: str
    bic: str


@dataclass(frozen=True, kw_only=True)
class DanishBankAccount:
    """Domestic transfer: 4-digit reg. no. and an account number of at most 10 digits; means 42, DK:BANK."""

    reg_no: str
    account_no: str


@dataclass(frozen=True, kw_only=True)
class InvoiceReference:
    """The invoice a credit note credits (BG-3: BT-25 number, BT-26 issue date)."""

    number: str
    issue_date: date


@dataclass(frozen=True, kw_only=True)
class _BillingDocument:
    number: str  # BT-1
    issue_date: date  # BT-2
    due_date: date  # BT-9
    supplier: Party  # BG-4, the operator (driftsherre) that sells the place
    customer: Party  # BG-7, the paying municipality (betalingskommune)
    order_reference: str  # BT-13, the placement or contract reference the buyer knows the purchase by
    lines: tuple[InvoiceLine, ...]  # BG-25
    payment_means: IbanAccount | DanishBankAccount  # BG-16
    payment_terms: str = ""  # BT-20, e.g. "Netto 30 dage"
    contract_reference: str | None = None  # BT-12
    note: str | None = None  # BT-22
    currency: str = "DKK"  # BT-5

    def __post_init__(self):
        object.__setattr__(self, "lines", tuple(self.lines))
        invoice_check(self)

    @property
    def line_extension_ore(self) -> int:
        """BT-106: the sum of the (already rounded) line amounts."""
        return sum(line.amount_ore for line in self.lines)

    @property
    def tax_ore(self) -> int:
        """BT-110: always 0, the supplies are VAT-exempt (stated as zero-rated on the wire)."""
        return 0

    @property
    def tax_inclusive_ore(self) -> int:
        """BT-112."""
        return self.line_extension_ore + self.tax_ore

    @property
    def payable_ore(self) -> int:
        """BT-115: nothing is prepaid or rounded, so the payable amount is the tax-inclusive total."""
        return self.tax_inclusive_ore


@dataclass(frozen=True, kw_only=True)
class Invoice(_BillingDocument):
    """A commercial invoice (UNTDID 1001 code 380)."""


@dataclass(frozen=True, kw_only=True)
class CreditNote(_BillingDocument):
    """A credit note (UNTDID 1001 code 381) for (part of) an earlier invoice; its amounts are positive."""

    billing_reference: InvoiceReference


def invoice_check(document: Invoice | CreditNote) -> None:
    """Raise EInvoiceError for the first thing that makes the document unfit to send; return if it is fit."""
    if document.currency not in CURRENCIES:
        raise EInvoiceError(f"Valutaen {document.currency!r} understøttes ikke; kun DKK.", field="currency")
    _require_text(document.number, "Fakturanummeret mangler.", "number")
    _party_check(document.supplier, role="supplier")
    _party_check(document.customer, role="customer")
    if not document.supplier.cvr:
        raise EInvoiceError("Leverandørens CVR-nummer mangler.", field="supplier.cvr")
    _require_text(document.order_reference,
                  "Ordrereferencen (placeringens eller kontraktens reference) mangler.", "order_reference")
    _lines_check(document.lines)
    if document.due_date < document.issue_date:
        raise EInvoiceError(
            f"Forfaldsdatoen {_date_da(document.due_date)} ligger før udstedelsesdatoen "
            f"{_date_da(document.issue_date)}.",
            field="due_date",
        )
    _payment_means_check(document.payment_means)
    if isinstance(document, CreditNote):
        _billing_reference_check(document)
    if document.payable_ore <= 0:
        raise EInvoiceError(
            f"Beløbet til betaling skal være større end 0 kr.; det er {format_kr(document.payable_ore)}",
            field="lines",
        )
    _no_cpr_check(document)


def _party_check(party: Party, *, role: str) -> None:
    whose = _ROLE_DA[role]
    if not isinstance(party, Party):
        raise EInvoiceError(f"{whose} oplysninger mangler.", field=role)
    _require_text(party.name, f"{whose} navn mangler.", f"{role}.name")
    gln = party.gln or ""
    if not (len(gln) == 13 and gln.isdigit()):
        raise EInvoiceError(f"{whose} EAN-nummer skal være 13 cifre; {gln!r} er det ikke.",
                            field=f"{role}.gln")
    if not stdnum_ean.is_valid(gln):
        raise EInvoiceError(f"{whose} EAN-nummer {gln} har forkert kontrolciffer.", field=f"{role}.gln")
    cvr = party.cvr
    if cvr is not None and not (len(cvr) == 8 and cvr.isdigit() and stdnum_cvr.is_valid(cvr)):
        raise EInvoiceError(f"{whose} CVR-nummer {cvr} er ugyldigt (8 cifre med gyldigt kontrolciffer).",
                            field=f"{role}.cvr")
    if party.se_number is not None and not (len(party.se_number) == 8 and party.se_number.isdigit()):
        raise EInvoiceError(f"{whose} SE-nummer {party.se_number} skal være 8 cifre.",
                            field=f"{role}.se_number")
    _require_text(party.street, f"{whose} adresse (vej og nummer) mangler.", f"{role}.street")
    _require_text(party.city, f"{whose} by mangler.", f"{role}.city")
    if not (len(party.country) == 2 and party.country.isalpha() and party.country.isupper()):
        raise EInvoiceError(
            f"{whose} landekode {party.country!r} skal være to store bogstaver (ISO 3166-1), fx DK.",
            field=f"{role}.country",
        )
    if party.country == "DK" and not (len(party.postcode or "") == 4 and party.postcode.isdigit()):
        raise EInvoiceError(f"{whose} postnummer {party.postcode!r} skal være 4 cifre.",
                            field=f"{role}.postcode")
    _require_text(party.postcode, f"{whose} postnummer mangler.", f"{role}.postcode")
    if party.contact_email is not None and "@" not in party.contact_email:
        raise EInvoiceError(f"{whose} kontakt-e-mail {party.contact_email!r} er ikke en e-mailadresse.",
                            field=f"{role}.contact_email")


def _lines_check(lines: tuple[InvoiceLine, ...]) -> None:
    if not lines:
        raise EInvoiceError("Fakturaen skal have mindst én linje.", field="lines")
    seen: set[str] = set()
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(line, InvoiceLine):
            raise EInvoiceError(f"Linje nr. {index + 1} er ikke en fakturalinje.", field=where)
        _require_text(line.line_id, f"Linje nr. {index + 1} mangler et linjenummer.", f"{where}.line_id")
        if line.line_id in seen:
            raise EInvoiceError(f"Linjenummeret {line.line_id} er brugt to gange.", field=f"{where}.line_id")
        seen.add(line.line_id)
        label = f"Linje {line.line_id}"
        _require_text(line.description, f"{label}: beskrivelsen mangler.", f"{where}.description")
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, Decimal | int):
            raise EInvoiceError(
                f"{label}: antallet skal være et decimaltal (Decimal), ikke {type(line.quantity).__name__}.",
                field=f"{where}.quantity",
            )
        if line.quantity <= 0:
            raise EInvoiceError(f"{label}: antallet skal være større end 0.", field=f"{where}.quantity")
        if line.unit_code not in UNIT_CODES:
            raise EInvoiceError(
                f"{label}: enheden {line.unit_code!r} kendes ikke; brug en af {', '.join(UNIT_CODES)}.",
                field=f"{where}.unit_code",
            )
        for name in ("price_ore", "amount_ore"):
            value = getattr(line, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise EInvoiceError(f"{label}: {name} skal være et helt antal øre.", field=f"{where}.{name}")
        if line.price_ore < 0:
            raise EInvoiceError(f"{label}: prisen må ikke være negativ; brug en kreditnota.",
                                field=f"{where}.price_ore")
        expected = line_amount_ore(quantity=line.quantity, price_ore=line.price_ore)
        if line.amount_ore != expected:
            raise EInvoiceError(
                f"{label}: beløbet {format_kr(line.amount_ore)} passer ikke med antal × pris "
                f"({line.quantity} × {format_kr(line.price_ore)} = {format_kr(expected)}).",
                field=f"{where}.amount_ore",
            )
        if (line.period_from is None) != (line.period_to is None):
            raise EInvoiceError(f"{label}: perioden skal have både en første dag og en slutdato.",
                                field=f"{where}.period_to")
        if line.period_from is not None and line.period_to <= line.period_from:
            raise EInvoiceError(
                f"{label}: perioden slutter ({_date_da(line.period_to)}) før den begynder "
                f"({_date_da(line.period_from)}).",
                field=f"{where}.period_to",
            )
        if line.accounting_cost is not None:
            _require_text(line.accounting_cost, f"{label}: kontostrengen er tom.", f"{where}.accounting_cost")


def line_amount_ore(*, quantity: Decimal | int, price_ore: int) -> int:
    """A line's amount: quantity × unit price, rounded half up to whole øre (the line's rounding point)."""
    return int((Decimal(quantity) * price_ore).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _payment_means_check(means: IbanAccount | DanishBankAccount) -> None:
    if isinstance(means, IbanAccount):
        if not stdnum_iban.is_valid(means.iban or ""):
            raise EInvoiceError(f"IBAN-nummeret {means.iban!r} er ugyldigt.", field="payment_means.iban")
        # OIOUBL requires the BIC beside an IBAN (F-LIB113).
        if not stdnum_bic.is_valid(means.bic or ""):
            raise EInvoiceError(f"BIC/SWIFT-koden {means.bic!r} er ugyldig.", field="payment_means.bic")
    elif isinstance(means, DanishBankAccount):
        if not (len(means.reg_no or "") == 4 and means.reg_no.isdigit()):
            raise EInvoiceError(f"Registreringsnummeret {means.reg_no!r} skal være 4 cifre.",
                                field="payment_means.reg_no")
        if not (1 <= len(means.account_no or "") <= 10 and means.account_no.isdigit()):
            raise EInvoiceError(f"Kontonummeret {means.account_no!r} skal være 1 til 10 cifre.",
                                field="payment_means.account_no")
    else:
        raise EInvoiceError("Betalingsoplysninger (IBAN eller reg.nr. og kontonummer) mangler.",
                            field="payment_means")


def _billing_reference_check(note: CreditNote) -> None:
    reference = note.billing_reference
    if not isinstance(reference, InvoiceReference):
        raise EInvoiceError("Kreditnotaen skal henvise til den faktura, den krediterer.",
                            field="billing_reference")
    _require_text(reference.number, "Nummeret på den krediterede faktura mangler.",
                  "billing_reference.number")
    if reference.issue_date > note.issue_date:
        raise EInvoiceError(
            f"Kreditnotaen ({_date_da(note.issue_date)}) er udstedt før den faktura, den krediterer "
            f"({_date_da(reference.issue_date)}).",
            field="billing_reference.issue_date",
        )


def _no_cpr_check(document: Invoice | CreditNote) -> None:
    """Free text travels in clear through access points and ERP systems: a CPR number must never be in it."""
    texts = [
        ("number", document.number, "Fakturanummeret"),
        ("order_reference", document.order_reference, "Ordrereferencen"),
        ("contract_reference", document.contract_reference, "Kontraktreferencen"),
        ("payment_terms", document.payment_terms, "Betalingsbetingelserne"),
        ("note", document.note, "Bemærkningen"),
        ("customer.contact_id", document.customer.contact_id, "Betalingskommunens kontaktreference"),
        ("supplier.contact_id", document.supplier.contact_id, "Leverandørens kontaktreference"),
    ]
    for index, line in enumerate(document.lines):
        texts += [
            (f"lines[{index}].description", line.description, f"Linje {line.line_id}: beskrivelsen"),
            (f"lines[{index}].note", line.note, f"Linje {line.line_id}: noten"),
            (f"lines[{index}].accounting_cost", line.accounting_cost, f"Linje {line.line_id}: kontostrengen"),
        ]
    for field, text, label in texts:
        if text and contains_cpr(text):
            raise EInvoiceError(
                f"{label} ser ud til at indeholde et CPR-nummer. CPR-numre må ikke stå på en e-faktura; "
                "brug placeringens reference.",
                field=field,
            )


def _require_text(value: str | None, message_da: str, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise EInvoiceError(message_da, field=field)


def _date_da(value: date) -> str:
    return value.strftime("%d.%m.%Y")
