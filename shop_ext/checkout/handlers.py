"""Cartridge checkout handlers (``SHOP_HANDLER_*`` settings)."""

import logging

from cartridge.shop.checkout import CheckoutError
from cartridge.shop.utils import set_shipping
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from mezzanine.conf import settings

from shop_ext.catalogue import discounts, stock
from shop_ext.catalogue.availability import cart_ships
from shop_ext.checkout import new_account, unfinished
from shop_ext.checkout.guard import code_used_message, drop_discount
from shop_ext.orders.actions import mark_order_paid

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


def order_handler(request, order_form, order):
    """Runs once the order is complete: the account a guest chose to make;
    a transaction id means it was paid, and the receipt Cartridge sends next
    carries the download links."""
    new_account.create_for_order(request, order)
    if order.transaction_id:
        mark_order_paid(order, announce=None)


def payment_handler(request, order_form, order):
    """Take the stock of every line and the discount code's use, all or
    nothing, then let the gateway (SHOP_PAYMENT_GATEWAY, looked up on each
    call) take the money.

    Cartridge decrements stock and counts the code's use only after payment,
    so two buyers of the last unit, or of a single-use code, would both get
    it. Cartridge calls this after ``order.setup()`` and before
    ``order.complete()``; a shortfall or a used-up code raises CheckoutError,
    so Cartridge deletes the new order and shows the message, and a failed
    payment gives both back.
    """
    gateway = import_string(settings.SHOP_PAYMENT_GATEWAY)
    code = order.discount_code
    try:
        with transaction.atomic():
            taken = stock.take_stock(request.cart, site_id=order.site_id)
            if code:
                discounts.take_use(code)
    except stock.OutOfStock as shortfall:
        raise CheckoutError(str(shortfall)) from None
    except discounts.CodeUsedUp:
        drop_discount(request)
        raise CheckoutError(code_used_message(code)) from None
    try:
        transaction_id = gateway(request, order_form, order)
    except BaseException as failure:
        stock.give_back_stock(taken)
        if code:
            discounts.give_back_use(code)
        if isinstance(failure, Exception) and not isinstance(failure, CheckoutError):
            # Cartridge deletes the new order only on CheckoutError; any other
            # error would leave an unpaid order whose stock and code use were
            # given back (a later cancellation would give the use back twice).
            log.exception("Order #%s: the payment gateway failed", order.pk)
            raise CheckoutError(_("The payment could not be completed. Please try again.")) from failure
        raise
    setattr(order, TAKEN_AT_PAYMENT, True)
    if transaction_id:
        unfinished.note_payment_taken(request, order, transaction_id)
    return transaction_id
