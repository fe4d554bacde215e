"""Tax amounts add up to the penny (issue 31): one rounding rule (each
line's tax half-up to the cent, an order's tax the sum of its lines'),
checked over many random carts: prices with tax included in both price
modes (gross-constant, net-plus-buyer-rate), and prices without tax."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shop_ext.taxes.amounts import Line, by_rate, line_tax, reprice, share_out, to_cents

RATES = [Decimal(r) for r in ("0", "2.6", "5.5", "7", "10", "19", "20", "21", "25.5", "27")]
cents = st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n) / 100)
lines = st.lists(
    st.builds(
        Line,
        cents,
        st.sampled_from(["FR", "DE", "GB"]),
        st.sampled_from(["ebook", "standard"]),
        st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=12,
)


def test_the_rounding_rule_is_half_up_to_the_cent_per_line():
    assert line_tax(Decimal("10.55"), Decimal("5.5"), included=True) == Decimal("0.55")
    assert line_tax(Decimal("0.10"), Decimal("5"), included=False) == Decimal("0.01")  # 0.005 up
    assert line_tax(Decimal("0.09"), Decimal("5"), included=False) == Decimal("0.00")  # 0.0045 down
    assert line_tax(Decimal("12.00"), Decimal("20"), included=True) == Decimal("2.00")


MODES = ["gross-constant", "net-plus-buyer-rate", "tax-exclusive"]


def as_charged(cart, mode, home_rate):
    """The lines as the checkout charges them (shop_ext.taxes.charge.Pricing):
    net-plus-buyer-rate takes the home rate out of each price and puts the
    line's rate in."""
    if mode != "net-plus-buyer-rate":
        return cart
    return [
        Line(reprice(line.amount, home_rate, line.rate), line.country, line.tax_class, line.rate)
        for line in cart
    ]


@given(lines, st.sampled_from(MODES), st.sampled_from(RATES))
def test_totals_by_rate_add_up_to_the_penny(catalogue_cart, mode, home_rate):
    included = mode != "tax-exclusive"
    cart = as_charged(catalogue_cart, mode, home_rate)
    rows = by_rate(cart, included)
    charged = sum((to_cents(line.amount) for line in cart), Decimal(0))
    taxes = sum((line_tax(line.amount, line.rate, included) for line in cart), Decimal(0))

    for row in rows:
        assert row.net + row.tax == row.gross
        assert row.tax >= 0
        assert all(value == to_cents(value) for value in (row.net, row.tax, row.gross))
    assert sum((row.tax for row in rows), Decimal(0)) == taxes
    gross = sum((row.gross for row in rows), Decimal(0))
    # Tax included: the buyer pays the gross price, whatever their rate; excluded: price + tax.
    assert gross == (charged if included else charged + taxes)
    assert len({(row.country, row.tax_class, row.rate) for row in rows}) == len(rows)


@given(cents, st.lists(cents, min_size=1, max_size=12))
def test_a_discount_is_shared_out_to_the_cent(total, weights):
    shares = share_out(total, weights)

    assert len(shares) == len(weights)
    if sum(weights) == 0:
        assert set(shares) == {Decimal("0.00")}
    else:
        assert sum(shares, Decimal(0)) == total
        assert all(share >= 0 for share in shares)


@given(cents, st.sampled_from(RATES), st.sampled_from(RATES))
def test_net_plus_buyer_rate_is_the_net_price_plus_the_buyers_rate(price, home_rate, rate):
    charged = reprice(price, home_rate, rate)
    net = price * 100 / (100 + home_rate)

    assert charged == to_cents(net * (100 + rate) / 100)
    # The buyer at the home rate pays the catalogue price, to the cent.
    assert reprice(price, home_rate, home_rate) == to_cents(price)
    # A lower rate never costs more, a higher one never less.
    if rate < home_rate:
        assert charged <= to_cents(price)
    if rate > home_rate:
        assert charged >= to_cents(price)


def test_net_plus_buyer_rate_examples():
    # 6.99 with France's 5.5% in it, to a German reader (7%): 6.99 / 1.055 x 1.07 = 7.0894...
    assert reprice(Decimal("6.99"), Decimal("5.5"), Decimal("7")) == Decimal("7.09")
    # Reverse charge: the home rate out, nothing in (6.99 / 1.055 = 6.6256...).
    assert reprice(Decimal("6.99"), Decimal("5.5"), Decimal("0")) == Decimal("6.63")
