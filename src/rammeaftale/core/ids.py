"""Danish identifiers (CVR, EAN/GLN, CPR) validated with python-stdnum; messages in Danish."""
from stdnum import ean
from stdnum.dk import cpr, cvr
from stdnum.exceptions import ValidationError as StdnumError


class IdentifierError(ValueError):
    """An identifier failed its format or check-digit rule; the message is Danish."""


def cvr_clean(value: str) -> str:
    """A valid CVR number as 8 digits, or IdentifierError."""
    try:
        return cvr.validate(value)
    except StdnumError as exc:
        raise IdentifierError(f"ugyldigt CVR-nummer «{value}»: skal være 8 cifre med gyldigt kontrolciffer") from exc


def ean_clean(value: str) -> str:
    """A valid EAN/GLN location number as 13 digits, or IdentifierError."""
    try:
        number = ean.validate(value)
    except StdnumError as exc:
        raise IdentifierError(
            f"ugyldigt EAN-nummer «{value}»: skal være 13 cifre med gyldigt kontrolciffer (GLN)"
        ) from exc
    if len(number) != 13:
        raise IdentifierError(f"ugyldigt EAN-nummer «{value}»: et EAN/GLN-lokationsnummer har 13 cifre")
    return number


def cpr_clean(value: str) -> str:
    """A CPR number as 10 digits with a valid birth date (no modulus-11 since 2007), or IdentifierError."""
    try:
        return cpr.validate(value)
    except StdnumError as exc:
        raise IdentifierError("ugyldigt CPR-nummer: skal være 10 cifre med en gyldig fødselsdato") from exc
