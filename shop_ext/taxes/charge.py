"""The tax a cart is charged at checkout (SHOP_HANDLER_TAX), and the same
figures kept on the order (docs/taxes.md, "Charging tax")."""

from dataclasses import dataclass
from decimal import Decimal

from cartridge.shop.utils import set_tax
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_ext.catalogue.availability import cart_variations
from shop_ext.models import OrderTaxLine, TaxClass
from shop_ext.taxes import vat_numbers
from shop_ext.taxes.amounts import Line, RateTotal, by_rate, reprice, share_out
from shop_ext.taxes.evidence import country_code, supplied_in, taxed_in
from shop_ext.taxes.rates import rate_on, tax_class_of

# The cart's tax by rate, beside Cartridge's tax_type and tax_total.
SESSION_KEY = "shop_ext_tax_by_rate"
# What is known of the buyer's VAT number, between the steps.
VAT_SESSION_KEY = "shop_ext_vat_number_check"
# The checkout's field (among the billing details, kept in the session's "order").
VAT_NUMBER_FIELD = "billing_detail_vat_number"
NET_PLUS_BUYER_RATE = "net-plus-buyer-rate"


@dataclass(frozen=True)
class Pricing:
    """How a cart's prices become what is charged (docs/taxes.md, "Price
    modes" and "Business buyers")."""

    included: bool
    home: str
    net_plus_buyer_rate: bool
    reverse_charge: bool

    @classmethod
    def from_settings(cls, reverse_charge=False):
        return cls(
            settings.SHOP_TAX_INCLUDED,
            settings.SHOP_TAX_HOME_COUNTRY,
            settings.SHOP_TAX_PRICE_MODE == NET_PLUS_BUYER_RATE,
            reverse_charge,
        )

    def line(self, amount, country, tax_class, day):
        """A line of ``amount`` supplied in ``country``: where it is taxed,
        at which rate, and what it is charged. Reverse charge: 0% where the
        buyer is. With prices including the home rate, the net-plus mode and
        reverse charge take it out (and add the buyer's rate)."""
        if self.reverse_charge:
            rate = Decimal("0.00")
        else:
            country = taxed_in(country, self.home)
            rate = rate_on(country, tax_class, day)
        if self.included and self.home and (self.net_plus_buyer_rate or self.reverse_charge):
            amount = reprice(amount, rate_on(self.home, tax_class, day), rate)
        return Line(amount, country, tax_class, rate)


def cart_lines(cart, billing, delivery, discount_total, shipping_total, day, pricing):
    """The cart's lines as taxed: digital lines in the buyer's country
    (``billing``), physical ones and shipping where they are delivered;
    the order's discount shared out over the lines by their price. Raises
    RateMissing for a country and class without a rate on ``day``."""
    items = list(cart)
    variations = cart_variations(cart)
    discounts = share_out(Decimal(str(discount_total or 0)), [item.total_price for item in items])
    lines = []
    for item, discount in zip(items, discounts, strict=True):
        variation = variations.get(item.sku)
        tax_class = tax_class_of(variation) if variation else TaxClass.STANDARD
        country = supplied_in(variation, billing, delivery)
        lines.append(pricing.line(item.total_price - discount, country, tax_class, day))
    shipping = Decimal(str(shipping_total or 0))
    if shipping:
        lines.append(pricing.line(shipping, delivery or billing, TaxClass.STANDARD, day))
    return lines


def total_depends_on_country():
    """True when the buyer's country changes what they pay: tax charged on
    top of the prices (US style), or prices repriced at the buyer's rate
    (net-plus-buyer-rate). With one gross price the total is the same
    wherever they are (a business buyer's VAT number aside: the checkout
    view confirms those)."""
    return settings.SHOP_TAX_ENABLED and (
        not settings.SHOP_TAX_INCLUDED or settings.SHOP_TAX_PRICE_MODE == NET_PLUS_BUYER_RATE
    )


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
    vat_check = vat_number_check(request.session, details.get(VAT_NUMBER_FIELD, ""))
    pricing = Pricing.from_settings(vat_numbers.reverse_charged(vat_check, settings.SHOP_TAX_HOME_COUNTRY))
    lines = cart_lines(
        request.cart,
        billing,
        delivery,
        request.session.get("discount_total"),
        request.session.get("shipping_total"),
        timezone.localdate(),
        pricing,
    )
    rows = by_rate(lines, pricing.included)
    set_tax(request, tax_label(pricing.included), sum((row.tax for row in rows), Decimal("0.00")))
    request.session[SESSION_KEY] = [row.as_dict() for row in rows]


def vat_number_check(session, number):
    """What is known of the buyer's VAT number (already checked for its
    format by the checkout form): asked of VIES once per number a session
    gives, as the handler runs on every step."""
    if not number:
        session.pop(VAT_SESSION_KEY, None)
        return None
    kept = session.get(VAT_SESSION_KEY)
    if kept and kept["number"] == number:
        return vat_numbers.VatNumberCheck(**kept)
    vat_check = vat_numbers.check(number)
    session[VAT_SESSION_KEY] = vat_check.as_dict()
    return vat_check


def session_vat_check(session):
    kept = session.get(VAT_SESSION_KEY)
    return vat_numbers.VatNumberCheck(**kept) if kept else None


def session_reverse_charge(session):
    """The business buyer's VAT number when the cart is reverse charged, else ""."""
    vat_check = session_vat_check(session)
    if settings.SHOP_TAX_ENABLED and vat_numbers.reverse_charged(vat_check, settings.SHOP_TAX_HOME_COUNTRY):
        return vat_check.number
    return ""


def order_total(session, order):
    """What the order costs with tax on: the gross of its rates. Cartridge's
    sum of the cart says the same, except where the buyer's rate or a
    reverse charge changed the prices; unchanged without tax."""
    rows = session_rows(session)
    if settings.SHOP_TAX_ENABLED and rows:
        return sum((row.gross for row in rows), Decimal("0.00"))
    return order.total


def record_order_tax(request, order):
    """The tax by rate the order was charged, from the checkout's session."""
    request.session.pop(VAT_SESSION_KEY, None)
    rows = [RateTotal.from_dict(data) for data in request.session.pop(SESSION_KEY, [])]
    OrderTaxLine.objects.bulk_create(OrderTaxLine(order=order, **vars(row)) for row in rows)
    return rows


def session_rows(session):
    return [RateTotal.from_dict(data) for data in session.get(SESSION_KEY, [])]
