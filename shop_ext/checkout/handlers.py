"""Cartridge checkout handlers (``SHOP_HANDLER_*`` settings)."""

from cartridge.shop.checkout import CheckoutError
from cartridge.shop.utils import set_shipping
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from mezzanine.conf import settings

from shop_ext.catalogue import stock
from shop_ext.catalogue.availability import cart_ships
from shop_ext.orders.actions import mark_order_paid

# Set on an order whose stock payment_handler took (see shop_ext.patches).
STOCK_TAKEN = "_shop_ext_stock_taken"


def billship_handler(request, order_form):
    """Digital lines ship nothing: a cart of downloads pays no shipping, a
    mixed cart pays for its physical part."""
    if not cart_ships(request.cart):
        set_shipping(request, _("Digital delivery"), 0)
    elif request.session.get("free_shipping"):
        set_shipping(request, _("Free shipping"), 0)
    else:
        settings.clear_cache()
        set_shipping(request, _("Flat rate shipping"), settings.SHOP_DEFAULT_SHIPPING_VALUE)


def order_handler(request, order_form, order):
    """Runs once the order is complete; a transaction id means it was paid."""
    if order.transaction_id:
        mark_order_paid(order)


def payment_handler(request, order_form, order):
    """Take the stock of every line, all or nothing, then let the gateway
    (SHOP_PAYMENT_GATEWAY, looked up on each call) take the money.

    Cartridge decrements stock only after payment, with a read-modify-save:
    two buyers of the last unit would both pay. Cartridge calls this after
    ``order.setup()`` and before ``order.complete()``; a shortfall raises
    CheckoutError, so Cartridge deletes the new order and shows the message,
    and a failed payment gives the stock back.
    """
    try:
        taken = stock.take_stock(request.cart, site_id=order.site_id)
    except stock.OutOfStock as shortfall:
        raise CheckoutError(str(shortfall)) from None
    gateway = import_string(settings.SHOP_PAYMENT_GATEWAY)
    try:
        transaction_id = gateway(request, order_form, order)
    except BaseException:
        stock.give_back_stock(taken)
        raise
    setattr(order, STOCK_TAKEN, True)
    return transaction_id
