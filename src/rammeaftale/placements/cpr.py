"""CPR numbers at rest: Fernet-encrypted with a key kept in a file outside the database, plus a keyed hash to find a
citizen again and a masked form for everyone who does not need the full number."""
import contextlib
import hashlib
import hmac
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from rammeaftale.core.errors import DomainError


class CprKeyError(RuntimeError):
    """The key file is missing or unreadable where the data need it; never silently replaced."""


def cpr_key_path() -> Path:
    return Path(settings.CPR_KEY_FILE)


@lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    key_file = Path(path)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Created once, readable by the service's user only; back it up apart from the database. Written aside and
        # linked into place, so processes starting at once (server workers, test workers) all read the one key.
        fd, aside = tempfile.mkstemp(dir=key_file.parent, prefix=".cpr-key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            with contextlib.suppress(FileExistsError):
                os.link(aside, key_file)
        finally:
            os.unlink(aside)
    key = key_file.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError as error:
        raise CprKeyError(f"CPR-nøglefilen {key_file} er ikke en gyldig Fernet-nøgle.") from error
    return key


@lru_cache(maxsize=4)
def _fernet_of(path: str) -> Fernet:
    return Fernet(_key(path))


def _fernet() -> Fernet:
    return _fernet_of(str(cpr_key_path()))


def cpr_clean(value: str, *, field: str = "cpr") -> str:
    """Ten digits, or a Danish message naming the field; the birth date must exist (python-stdnum)."""
    try:
        return stdnum_cpr.validate(value)
    except ValidationError as error:
        raise DomainError(
            f"CPR-nummeret «{value}» er ugyldigt: {_reason(error)}.", field=field,
            message_en=f"invalid CPR number: {error}",
        ) from error


def _reason(error: ValidationError) -> str:
    if isinstance(error, InvalidLength):
        return "det skal have 10 cifre"
    if isinstance(error, InvalidFormat):
        return "det må kun indeholde cifre (evt. med bindestreg efter fødselsdatoen)"
    return "fødselsdatoen findes ikke"


def cpr_encrypt(cpr: str) -> str:
    return _fernet().encrypt(cpr.encode()).decode()


def cpr_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise CprKeyError("CPR-nummeret kan ikke dekrypteres med den nuværende nøgle.") from error


def cpr_index(cpr: str) -> str:
    """A keyed hash (HMAC-SHA256 under the key file), so equal CPR numbers can be found without decrypting."""
    return hmac.new(_key(str(cpr_key_path())), cpr.encode(), hashlib.sha256).hexdigest()


def cpr_mask(cpr: str) -> str:
    """The birth date only: 010190-****."""
    return f"{cpr[:6]}-****"


def cpr_birth_date(cpr: str):
    return stdnum_cpr.get_birth_date(cpr)
