"""The tax a refund gives back (docs/taxes.md, "Refunds"): each refunded
line's share of the payment is taxed at the rate its line was charged, so
the tax report nets refunds against the sales they undo."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings

from shop_ext.catalogue.availability import variations_for_skus
from shop_ext.core.money import from_minor_units, split
from shop_ext.models import OrderTaxLine, RefundTaxLine, TaxClass
from shop_ext.taxes.amounts import RateTotal, line_tax
from shop_ext.taxes.evidence import country_code, supplied_in, taxed_in
from shop_ext.taxes.rates import tax_class_of


def record_refund_tax(refund, order, parts, completes):
    """Keep the tax ``refund`` (a PaymentRefund of ``order``) gave back,
    by rate. ``parts``: the refunded lines' (shipping, rest) shares of the
    payment in minor units, by line id (payments.settle.line_parts), empty
    for a refund of an amount only (from Stripe's dashboard: shared out
    over the order's rates by their gross). ``completes``: the refund
    gives back the rest of the payment, so it gives back the rest of the
    tax too and the order's refunds add up to its tax to the cent."""
    charged = list(OrderTaxLine.objects.filter(order=order))
    if not charged:
        return []
    if completes:
        rows = _rest_of(charged, order, refund)
    else:
        rows = [
            RateTotal(row.country, row.tax_class, row.rate, gross=from_minor_units(units))
            for row, units in _units_by_row(charged, order, refund.amount, parts).items()
            if units
        ]
        for row in rows:
            row.tax = line_tax(row.gross, row.rate, included=True)
            row.net = row.gross - row.tax
    return RefundTaxLine.objects.bulk_create(RefundTaxLine(refund=refund, **vars(row)) for row in rows)


def _units_by_row(charged, order, amount, parts):
    """The refund's minor units by the order's tax row they were charged
    at: each line's share at its line's row (where it was taxed, in its
    class), the shipping at the delivery country's standard rate (as
    charge.cart_lines charges it); what matches no row (an amount without
    lines, a product whose class changed since) by the rows' gross."""
    by_key = {(str(row.country), row.tax_class): row for row in charged}
    billing = country_code(order.billing_detail_country)
    delivery = country_code(order.shipping_detail_country) or billing
    home = settings.SHOP_TAX_HOME_COUNTRY
    items = {item.pk: item for item in order.items.filter(pk__in=parts)}
    variations = variations_for_skus([item.sku for item in items.values()], order.site_id)
    units = defaultdict(int)
    unplaced = amount - sum(sum(part) for part in parts.values())
    for pk, (shipping, rest) in parts.items():
        variation = variations.get(items[pk].sku)
        if variation is None:
            unplaced += shipping + rest
            continue
        country = taxed_in(supplied_in(variation, billing, delivery), home)
        for key, share in (
            ((country, tax_class_of(variation)), rest),
            ((taxed_in(delivery, home), TaxClass.STANDARD), shipping),
        ):
            if key in by_key:
                units[by_key[key]] += share
            else:
                unplaced += share
    if unplaced:
        weights = [row.gross * 100 for row in charged]
        for row, share in zip(charged, split(unplaced, weights), strict=True):
            units[row] += share
    return units


def _rest_of(charged, order, refund):
    """The order's tax by rate less what its earlier refunds (those that
    did not fail) gave back."""
    given_back = defaultdict(lambda: [Decimal(0)] * 3)
    earlier = RefundTaxLine.objects.filter(
        refund__payment__order=order, refund__failed_at__isnull=True
    ).exclude(refund=refund)
    for line in earlier:
        totals = given_back[(str(line.country), line.tax_class, line.rate)]
        for i, value in enumerate((line.net, line.tax, line.gross)):
            totals[i] += value
    rows = []
    for row in charged:
        net, tax, gross = given_back[(str(row.country), row.tax_class, row.rate)]
        rest = RateTotal(
            str(row.country), row.tax_class, row.rate, row.net - net, row.tax - tax, row.gross - gross
        )
        if rest.gross or rest.tax:
            rows.append(rest)
    return rows
