"""The tax report's CSV never hands a spreadsheet a formula
(shop_ext.taxes.report.safe_cell)."""

from decimal import Decimal

import pytest

from shop_ext.taxes.report import safe_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_text_that_would_start_a_formula_is_quoted(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_our_numbers_are_left_alone():
    assert safe_cell("France") == "France"
    assert safe_cell(Decimal("-6.99")) == Decimal("-6.99")
