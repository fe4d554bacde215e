"""Money's one rounding rule (shop_ext.core.money): half-up to the cent,
for the tax of a line and for what Stripe is asked for alike; and the
largest-remainder split that refunds and discounts share out with."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_ext.core.money import from_minor_units, minor_units, split, to_cents
from shop_ext.payments.settle import payment_parts
from shop_ext.taxes.amounts import line_tax


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
    assert from_minor_units(699) == Decimal("6.99")


@pytest.mark.parametrize(
    ("amount", "pence"),
    [
        ("0.125", 13),
        ("0.135", 14),
        ("2.675", 268),
        ("2.665", 267),
        ("0.1249", 12),
        ("0.1251", 13),
    ],
)
def test_a_half_penny_rounds_up(amount, pence):
    """Half-up, not Decimal's default half-even: 0.125 is 13 pence, as a
    buyer working it out by hand expects."""
    assert minor_units(amount) == pence
    assert to_cents(amount) == Decimal(pence) / 100


def test_tax_and_payment_round_by_the_same_rule():
    # 0.10 at 5% is 0.005 of tax: half-up gives a cent where half-even gives none.
    assert line_tax(Decimal("0.10"), Decimal("5"), included=False) == to_cents("0.005") == Decimal("0.01")
    assert minor_units("0.005") == 1


@given(
    st.integers(min_value=0, max_value=10**7),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20),
)
def test_a_split_adds_up_exactly_and_each_share_is_within_a_unit_of_its_part(amount, weights):
    shares = split(amount, weights)
    assert sum(shares) == amount
    whole = sum(weights) or len(weights)
    for share, weight in zip(shares, weights if any(weights) else [1] * len(weights), strict=True):
        assert abs(share - amount * weight / whole) < 1


def test_the_units_left_go_to_the_largest_remainders_the_earlier_on_a_tie():
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(10, [1, 2]) == [3, 7]
    assert split(5, [0, 0]) == [3, 2]
    assert split(7, []) == []


def test_shipping_goes_to_the_lines_that_ship_the_rest_by_price():
    # An ebook (6.00) and a paperback (12.00) with 3.00 of shipping, paid 21.00.
    parts = payment_parts(2100, [600, 1200], [0, 1200], 300)
    assert parts == [(0, 600), (300, 1200)]


def test_a_discount_shares_out_by_price_and_every_part_adds_up_to_the_payment():
    # 20.00 of books, 5.00 off, 2.99 of shipping: 17.99 paid.
    parts = payment_parts(1799, [1000, 1000], [1000, 1000], 299)
    assert parts == [(150, 750), (149, 750)]
    assert sum(sum(part) for part in parts) == 1799


def test_downloads_only_share_the_shipping_by_price():
    assert payment_parts(1000, [300, 600], [0, 0], 90) == [(30, 303), (60, 607)]


def test_shipping_never_takes_more_than_was_paid():
    assert payment_parts(100, [500], [500], 300) == [(100, 0)]


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=10**6), st.booleans()), min_size=1, max_size=10),
    st.integers(min_value=0, max_value=10**5),
    st.integers(min_value=0, max_value=10**7),
)
def test_refunding_every_line_refunds_the_whole_payment(lines, shipping, paid):
    prices = [price for price, _ships in lines]
    shipped = [price if ships else 0 for price, ships in lines]

    parts = payment_parts(paid, prices, shipped, shipping)

    assert sum(sum(part) for part in parts) == paid
    assert sum(ship for ship, _rest in parts) == min(paid, shipping)
