"""A CPR number inside free text: text that travels or is shown where a CPR number must not be (an e-invoice, a
request to several operators before a placement exists) is refused when it holds one."""
import re

from stdnum.dk import cpr as stdnum_cpr

_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")


def contains_cpr(text: str) -> bool:
    """Ten digits (six, an optional hyphen, four) that form a valid CPR number (python-stdnum's check)."""
    return any(stdnum_cpr.is_valid(first + last) for first, last in _CPR_LIKE.findall(text))
