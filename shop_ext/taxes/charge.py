"""The tax a cart is charged at checkout (SHOP_HANDLER_TAX), and the same
figures kept on the order (docs/taxes.md, "Charging tax")."""

from decimal import Decimal

from cartridge.shop.utils import set_tax
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_ext.catalogue.availability import is_digital_only, variations_for_skus
from shop_ext.models import OrderTaxLine, TaxClass
from shop_ext.taxes.amounts import Line, RateTotal, by_rate, share_out
from shop_ext.taxes.evidence import country_code
from shop_ext.taxes.rates import rate_on, tax_class_of

# The cart's tax by rate, beside Cartridge's tax_type and tax_total.
SESSION_KEY = "shop_ext_tax_by_rate"


def cart_lines(cart, billing, delivery, discount_total, shipping_total, day):
    """The cart's lines as taxed: digital lines in the buyer's country
    (``billing``), physical ones and shipping where they are delivered;
    the order's discount shared out over the lines by their price. Raises
    RateMissing for a country and class without a rate on ``day``."""
    items = list(cart)
    variations = variations_for_skus([item.sku for item in items])
    discounts = share_out(Decimal(str(discount_total or 0)), [item.total_price for item in items])
    lines = []
    for item, discount in zip(items, discounts, strict=True):
        variation = variations.get(item.sku)
        tax_class = tax_class_of(variation) if variation else TaxClass.STANDARD
        country = billing if variation and is_digital_only(variation) else delivery or billing
        rate = rate_on(country, tax_class, day)
        lines.append(Line(item.total_price - discount, country, tax_class, rate))
    shipping = Decimal(str(shipping_total or 0))
    if shipping:
        country = delivery or billing
        lines.append(Line(shipping, country, TaxClass.STANDARD, rate_on(country, TaxClass.STANDARD, day)))
    return lines


def total_depends_on_country():
    """True when the buyer's country changes what they pay: tax charged on
    top of the prices (US style). With tax included the total is the same
    wherever they are."""
    return settings.SHOP_TAX_ENABLED and not settings.SHOP_TAX_INCLUDED


def tax_label(included):
    return _("VAT included") if included else _("Tax")


def set_cart_tax(request, order_form):
    """Cartridge's tax handler: with tax on, the cart's tax from the
    countries the shopper gave, at today's rates (a rate change applies to
    open carts from its first day), into Cartridge's session fields (the
    order copies them) and ours (by rate)."""
    if not settings.SHOP_TAX_ENABLED:
        return
    details = request.session.get("order") or {}
    billing = country_code(details.get("billing_detail_country"))
    if not billing:
        return
    delivery = country_code(details.get("shipping_detail_country")) or billing
    lines = cart_lines(
        request.cart,
        billing,
        delivery,
        request.session.get("discount_total"),
        request.session.get("shipping_total"),
        timezone.localdate(),
    )
    included = settings.SHOP_TAX_INCLUDED
    rows = by_rate(lines, included)
    set_tax(request, tax_label(included), sum((row.tax for row in rows), Decimal("0.00")))
    request.session[SESSION_KEY] = [row.as_dict() for row in rows]


def record_order_tax(request, order):
    """The tax by rate the order was charged, from the checkout's session."""
    rows = [RateTotal.from_dict(data) for data in request.session.pop(SESSION_KEY, [])]
    OrderTaxLine.objects.bulk_create(OrderTaxLine(order=order, **vars(row)) for row in rows)
    return rows


def session_rows(session):
    return [RateTotal.from_dict(data) for data in session.get(SESSION_KEY, [])]
