"""Cartridge checkout handlers (``SHOP_HANDLER_*`` settings)."""

import logging

from cartridge.shop.checkout import CheckoutError
from cartridge.shop.utils import clear_session, set_shipping
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from mezzanine.conf import settings

from shop_ext.catalogue import discounts, stock
from shop_ext.catalogue.availability import cart_ships
from shop_ext.checkout import new_account, unfinished
from shop_ext.checkout.forms import CONSENT_FIELD
from shop_ext.checkout.guard import code_used_message, drop_discount
from shop_ext.core.net import client_ip
from shop_ext.orders import consent
from shop_ext.orders.actions import mark_order_paid
from shop_ext.payments.signals import payment_abandoned
from shop_ext.taxes import charge, evidence
from shop_ext.taxes.rates import RateMissing

log = logging.getLogger(__name__)

# Set on an order whose stock and discount code's use payment_handler took
# (see shop_ext.patches).
TAKEN_AT_PAYMENT = "_shop_ext_taken_at_payment"


def shipping_for(request):
    """(label, amount) of the cart's shipping, for checkout and the cart
    page's estimate. Digital lines ship nothing: a cart of downloads pays no
    shipping, a mixed cart pays for its physical part."""
    if not cart_ships(request.cart):
        return _("Digital delivery"), 0
    if request.session.get("free_shipping"):
        return _("Free shipping"), 0
    return _("Flat rate shipping"), settings.SHOP_DEFAULT_SHIPPING_VALUE


def billship_handler(request, order_form):
    set_shipping(request, *shipping_for(request))


def tax_handler(request, order_form):
    """The cart's tax where the buyer is (shop_ext.taxes.charge). A rate
    missing for a line is a message on the checkout, never a 500, and no
    order is placed with a tax it could not work out."""
    try:
        charge.set_cart_tax(request, order_form)
    except RateMissing as missing:
        clear_session(request, "tax_type", "tax_total", charge.SESSION_KEY)
        raise CheckoutError(str(missing)) from None


def order_handler(request, order_form, order):
    """Runs once the order is complete: the account a guest chose to make;
    the buyer's consent to immediate delivery of downloads;
    with tax on, the evidence of where it is supplied and its tax by rate; a
    transaction id means it was paid, and the receipt Cartridge sends next
    carries the download links."""
    new_account.create_for_order(request, order)
    if order_form.cleaned_data.get(CONSENT_FIELD):
        consent.record(order)
    if settings.SHOP_TAX_ENABLED:
        evidence.record_at_checkout(order, client_ip(request), charge.session_vat_check(request.session))
        charge.record_order_tax(request, order)
    if order.transaction_id:
        mark_order_paid(order, announce=None)


def payment_handler(request, order_form, order):
    """Let the gateway (SHOP_PAYMENT_GATEWAY, looked up on each call) take
    the money or open a hosted payment, then take the stock of every line and
    the discount code's use, all or nothing.

    Cartridge decrements stock and counts the code's use only after payment,
    so two buyers of the last unit, or of a single-use code, would both get
    it. Cartridge calls this after ``order.setup()`` and before
    ``order.complete()``; a failed payment, a shortfall or a used-up code
    raises CheckoutError, so Cartridge deletes the new order and shows the
    message. The gateway goes first: the checkout is one transaction, and
    the stock and code rows stay locked from their taking until it commits,
    so another buyer of the same book or code must not wait for the
    gateway's network call (it would hit the statement timeout).
    """
    # Cartridge's total is the cart's sum; the tax may change it (the buyer's rate, reverse charge).
    order.total = charge.order_total(request.session, order)
    gateway = import_string(settings.SHOP_PAYMENT_GATEWAY)
    try:
        transaction_id = gateway(request, order_form, order)
    except CheckoutError:
        raise
    except Exception as failure:
        # Cartridge handles only CheckoutError: any other error would be a 500.
        log.exception("Order #%s: the payment gateway failed", order.pk)
        raise CheckoutError(_("The payment could not be completed. Please try again.")) from failure
    if transaction_id:
        unfinished.note_payment_taken(request, order, transaction_id)
    code = order.discount_code
    try:
        with transaction.atomic():
            stock.take_stock(request.cart, site_id=order.site_id)
            if code:
                discounts.take_use(code)
    except stock.OutOfStock as shortfall:
        undo_payment(request, order, transaction_id, shortfall)
        raise CheckoutError(str(shortfall)) from None
    except discounts.CodeUsedUp as used_up:
        undo_payment(request, order, transaction_id, used_up)
        drop_discount(request)
        raise CheckoutError(code_used_message(code)) from None
    setattr(order, TAKEN_AT_PAYMENT, True)
    return transaction_id


def undo_payment(request, order, transaction_id, reason):
    """The gateway answered but the order cannot be placed (``reason``): money
    it took is recorded for staff to refund; whatever else it opened (a
    hosted payment) its feature undoes on payment_abandoned."""
    if transaction_id:
        unfinished.record_if_payment_taken(request, reason)
    else:
        payment_abandoned.send(sender=type(order), request=request, order=order)
