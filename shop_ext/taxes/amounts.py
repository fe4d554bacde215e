"""Tax amounts, Decimal end to end, with the shop's one rounding rule
(shop_ext.core.money, half-up to the cent): each line's tax is rounded, and
an order's tax is the sum of its lines' (docs/taxes.md, "Rounding")."""

from dataclasses import dataclass
from decimal import Decimal

from shop_ext.core.money import from_minor_units, minor_units, split, to_cents

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    """What one line is charged (after its share of the discount), and where and how it is taxed."""

    amount: Decimal
    country: str
    tax_class: str
    rate: Decimal


@dataclass
class RateTotal:
    """Net, tax and gross of every line of one country, class and rate."""

    country: str
    tax_class: str
    rate: Decimal
    net: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")

    def as_dict(self):
        return {key: str(value) for key, value in vars(self).items()}

    @classmethod
    def from_dict(cls, data):
        return cls(
            data["country"],
            data["tax_class"],
            *(Decimal(data[key]) for key in ("rate", "net", "tax", "gross")),
        )


def line_tax(amount, rate, included):
    """The tax of a line charged ``amount`` at ``rate`` percent: the part of
    it that is tax when prices include tax, else the tax added to it."""
    amount, rate = Decimal(amount), Decimal(rate)
    if included:
        return to_cents(amount * rate / (HUNDRED + rate))
    return to_cents(amount * rate / HUNDRED)


def reprice(amount, home_rate, rate):
    """A price including the home country's rate, as charged at ``rate``
    instead (SHOP_TAX_PRICE_MODE=net-plus-buyer-rate, and reverse charge at
    0%): amount / (1 + home rate) x (1 + rate), half-up to the cent."""
    amount, home_rate, rate = Decimal(amount), Decimal(home_rate), Decimal(rate)
    if home_rate == rate:
        return to_cents(amount)
    return to_cents(amount * (HUNDRED + rate) / (HUNDRED + home_rate))


def share_out(total, weights):
    """``total`` (cents) split in proportion to ``weights``, each share in
    cents, the shares adding up to it exactly (largest remainders first)."""
    if not any(weights):
        return [Decimal("0.00")] * len(weights)
    shares = split(minor_units(total), [Decimal(weight) for weight in weights])
    return [from_minor_units(share) for share in shares]


def by_rate(lines, included):
    """The lines' net, tax and gross per country, class and rate, in a
    stable order; the tax of each is the sum of its lines' rounded taxes,
    net + tax = gross to the cent."""
    totals = {}
    for line in lines:
        key = (line.country, line.tax_class, Decimal(line.rate))
        row = totals.setdefault(key, RateTotal(*key))
        tax = line_tax(line.amount, line.rate, included)
        amount = to_cents(line.amount)
        gross = amount if included else amount + tax
        row.tax += tax
        row.gross += gross
        row.net += gross - tax
    return [totals[key] for key in sorted(totals)]
