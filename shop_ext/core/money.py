"""Money, the one rounding rule: an amount with more than two decimals is
rounded **half-up** to the cent (0.125 → 0.13), as invoices and buyers
expect; the tax of a line and what Stripe is asked for both follow it
(docs/taxes.md, "Rounding"). Amounts are Decimal end to end; Stripe
counts in minor units (pence, cents: the shop's currencies have two
decimals)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount):
    """``amount`` (Decimal, str or int) rounded half-up to the cent."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def minor_units(amount):
    """``amount`` in pence or cents, rounded half-up, as Stripe counts."""
    return int(to_cents(amount) * 100)


def from_minor_units(units):
    return (Decimal(units) / 100).quantize(CENT)


def split(amount, weights):
    """``amount`` (a whole number of minor units) split in proportion to
    ``weights`` into whole numbers adding up to it exactly: each share
    rounded down, the units left over to the largest remainders (the
    earlier on a tie). All-zero weights split it evenly."""
    weights = list(weights)
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    parts = [divmod(amount * weight, whole) for weight in weights]
    shares = [int(quotient) for quotient, _remainder in parts]
    by_remainder = sorted(range(len(parts)), key=lambda i: (-parts[i][1], i))
    for i in by_remainder[: int(amount) - sum(shares)]:
        shares[i] += 1
    return shares
