"""Cartridge checkout handlers (``SHOP_HANDLER_*`` settings)."""
from cartridge.shop.utils import set_shipping
from django.utils.translation import gettext as _
from mezzanine.conf import settings

from shop_ext.catalogue.availability import cart_ships
from shop_ext.orders.actions import mark_order_paid


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
