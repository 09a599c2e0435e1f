"""Money and identifiers: exact øre with ROUND_HALF_UP, and check digits from python-stdnum."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.core.ids import IdentifierError, cpr_clean, cvr_clean, ean_clean
from rammeaftale.core.money import format_kr, kr_to_ore, ore_to_kr


def test_kr_to_ore_rounds_half_up():
    assert kr_to_ore(Decimal("2554.674")) == 255467
    assert kr_to_ore(Decimal("0.005")) == 1
    assert kr_to_ore(Decimal("-0.005")) == -1
    assert kr_to_ore("72715.77") == 7271577


def test_money_refuses_float():
    with pytest.raises(TypeError):
        kr_to_ore(0.1)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_ore_round_trips_through_kroner(amount_ore):
    assert kr_to_ore(ore_to_kr(amount_ore)) == amount_ore


def test_format_kr_is_danish():
    assert format_kr(123456789) == "1.234.567,89 kr."
    assert format_kr(-50) == "-0,50 kr."


def test_cvr_check_digit():
    assert cvr_clean("13585628") == "13585628"
    with pytest.raises(IdentifierError, match="ugyldigt CVR-nummer"):
        cvr_clean("13585627")


def test_ean_gln_check_digit_and_length():
    assert ean_clean("5798000000001") == "5798000000001"
    with pytest.raises(IdentifierError, match="ugyldigt EAN-nummer"):
        ean_clean("5798000000002")
    with pytest.raises(IdentifierError, match="13 cifre"):
        ean_clean("96385074")


def test_cpr_needs_a_real_birth_date():
    assert cpr_clean("211062-5629") == "2110625629"
    with pytest.raises(IdentifierError, match="ugyldigt CPR-nummer"):
        cpr_clean("3113621234")


def test_csv_text_that_a_spreadsheet_would_run_gets_an_apostrophe():
    from rammeaftale.core.spreadsheet import XLSX_OPTIONS, safe_cell, xlsx_options

    for text in ('=HYPERLINK("http://x","y")', "@SUM(1+1)", "+45 12345678", "-2+3", "\tcmd", "\rcmd",
                 "  =1+1", "\n @A1", "\uff1d1+1"):
        assert safe_cell(text) == "'" + text
    for value in ("Bostedet Engen", "", "2554,67", "a=b", "'=1", 12, Decimal("-72715.77"), None):
        assert safe_cell(value) == value  # numbers stay numbers, negative ones too
    assert xlsx_options(in_memory=True) == {"in_memory": True, **XLSX_OPTIONS}
    assert XLSX_OPTIONS["strings_to_formulas"] is False and XLSX_OPTIONS["strings_to_urls"] is False
