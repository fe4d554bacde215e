"""Cartridge checkout handlers (``SHOP_HANDLER_*`` settings)."""

import functools
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
from shop_ext.checkout.guard import code_used_message
from shop_ext.core import contended
from shop_ext.core.net import client_ip
from shop_ext.delivery import private_links
from shop_ext.orders import consent
from shop_ext.orders.actions import mark_order_paid
from shop_ext.payments.signals import payment_abandoned
from shop_ext.taxes import charge, evidence
from shop_ext.taxes.rates import RateMissing

log = logging.getLogger(__name__)

# Set on an order whose stock and discount code's use payment_handler took
# (see shop_ext.patches).
TAKEN_AT_PAYMENT = "_shop_ext_taken_at_payment"
# Request attributes: the order payment_handler placed and its transaction
# id; the message of a refusal found when its stock and code were taken.
PLACING = "_shop_ext_placing"
REFUSED_AT_THE_END = "_shop_ext_refused_at_the_end"


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
    the order's private link;
    the buyer's consent to immediate delivery of downloads;
    with tax on, the evidence of where it is supplied and its tax by rate; a
    transaction id means it was paid, and the receipt Cartridge sends next
    carries the download links."""
    new_account.create_for_order(request, order)
    private_links.make_link(order)
    if order_form.cleaned_data.get(CONSENT_FIELD):
        consent.record(order)
    if settings.SHOP_TAX_ENABLED:
        evidence.record_at_checkout(order, client_ip(request), charge.session_vat_check(request.session))
        charge.record_order_tax(request, order)
    if order.transaction_id:
        mark_order_paid(order, announce=None, placed_now=True)


def payment_handler(request, order_form, order):
    """Let the gateway (SHOP_PAYMENT_GATEWAY, looked up on each call) take
    the money or open a hosted payment; the stock of every line and the
    discount code's use are taken at the end of the checkout's transaction,
    all or nothing.

    Cartridge decrements stock and counts the code's use only after payment,
    so two buyers of the last unit, or of a single-use code, would both get
    it. Cartridge calls this after ``order.setup()`` and before
    ``order.complete()``; a failed payment raises CheckoutError, so Cartridge
    deletes the new order and shows the message. The gateway goes first and
    the stock and code rows are written last (shop_ext.core.contended): they
    stay locked from their taking until the checkout commits, so another
    buyer of the same book or code must not wait for the gateway's network
    call nor for the rest of the order's writes. A shortfall or a used-up
    code found then rolls the whole checkout back (``refused_at_the_end``,
    the checkout view), and the step is shown again with the message this
    handler raises on that second pass.
    """
    refusal = getattr(request, REFUSED_AT_THE_END, None)
    if refusal is not None:
        raise CheckoutError(refusal)
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
    setattr(request, PLACING, (order, transaction_id))
    lines = stock.lines_to_take(request.cart, order.site_id)  # the cart is gone by then
    contended.write(contended.STOCK, 0, functools.partial(stock.take_lines, lines))
    if order.discount_code:
        contended.write(contended.DISCOUNT_USE, 0, functools.partial(discounts.take_use, order.discount_code))
    setattr(order, TAKEN_AT_PAYMENT, True)
    return transaction_id


class RefusedAtTheEnd(Exception):
    """The order's stock or discount code's use ran out when the checkout
    took them, at the end of its transaction; the message is for the shopper."""

    def __init__(self, message, code_used):
        super().__init__(message)
        self.code_used = code_used


def refused_at_the_end(request, refused):
    """Called inside the checkout's transaction as it fails on ``refused``
    (OutOfStock, CodeUsedUp), while the order's rows still exist: a hosted
    payment it opened is undone by its feature (payment_abandoned). Money the
    gateway took is recorded for a refund once the transaction has rolled
    back (unfinished.record_if_payment_taken). Returns the RefusedAtTheEnd to raise."""
    order, transaction_id = getattr(request, PLACING)
    if not transaction_id:
        # take_lines' block marked the transaction for rollback; no SQL
        # failed (a shortfall is an UPDATE of no row), so it can still read
        # the hosted payment, and the caller's error rolls it all back after.
        transaction.set_rollback(False)
        payment_abandoned.send(sender=type(order), request=request, order=order)
    if isinstance(refused, discounts.CodeUsedUp):
        return RefusedAtTheEnd(code_used_message(order.discount_code), code_used=True)
    return RefusedAtTheEnd(str(refused), code_used=False)
