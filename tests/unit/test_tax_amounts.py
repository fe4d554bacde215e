"""Tax amounts add up to the penny (issue 31, step 3): one rounding rule
(each line's tax half-up to the cent, an order's tax the sum of its
lines'), checked over many random carts in both modes."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shop_ext.taxes.amounts import Line, by_rate, line_tax, share_out, to_cents

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


@given(lines, st.booleans())
def test_totals_by_rate_add_up_to_the_penny(cart, included):
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
