"""Money in Stripe's minor units (pence, cents): what the card payment asks
for, what a refund gives back (payments.settle.minor_units)."""

from decimal import Decimal

import pytest

from shop_ext.payments.settle import minor_units


@pytest.mark.parametrize(
    ("amount", "pence"),
    [
        (Decimal("12.99"), 1299),
        (Decimal("0.01"), 1),
        (Decimal("0.00"), 0),
        (Decimal("15.9"), 1590),
        (Decimal("1234567.89"), 123456789),
        (Decimal("-4.50"), -450),
    ],
)
def test_an_amount_in_pounds_is_a_whole_number_of_pence(amount, pence):
    assert minor_units(amount) == pence


def test_text_and_whole_numbers_count_as_the_same_amounts():
    assert minor_units("6.99") == 699
    assert minor_units(8) == 800
    assert isinstance(minor_units("6.99"), int)


@pytest.mark.parametrize(
    ("amount", "pence"),
    [
        ("0.125", 12),
        ("0.135", 14),
        ("2.675", 268),
        ("0.1249", 12),
        ("0.1251", 13),
    ],
)
def test_a_third_decimal_rounds_half_to_even(amount, pence):
    """Decimal's default rounding (the context's ROUND_HALF_EVEN): a half
    penny goes to the even penny, so halves do not all round the same way."""
    assert minor_units(amount) == pence
