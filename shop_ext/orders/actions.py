"""The order-paid routine and the moves between order statuses."""

import functools
import logging

from cartridge.shop.models import Order
from django.db import transaction
from django.db.models import F

from shop_ext.catalogue import availability, discounts
from shop_ext.core import contended
from shop_ext.models import OrderEmail
from shop_ext.orders import PAID_STATUSES, OrderStatus
from shop_ext.orders.numbering import assign_invoice_number
from shop_ext.orders.signals import order_paid
from shop_ext.orders.tasks import queue_order_email

log = logging.getLogger(__name__)


def lock_order(order_id):
    """Take the order's row lock until the transaction ends, and return the
    order as it is then: read what you decide on after the lock. A no-op
    UPDATE takes the row lock on PostgreSQL and the write lock on SQLite
    (where SELECT ... FOR UPDATE does nothing), so a second caller waits here."""
    Order.objects.filter(pk=order_id).update(status=F("status"))
    return Order.objects.get(pk=order_id)


def mark_order_paid(order, announce=OrderEmail.FILES, placed_now=False):
    """The only way an order becomes paid. Safe to call again or from two
    workers at once: one set of grants, one email.

    Announces it with the order_paid signal (shop_ext.orders.signals), in
    this transaction: the delivery feature grants the files in its receiver;
    then gives it its invoice number (shop_ext.orders.numbering), at the end
    of the checkout's transaction when it is paid at checkout
    (shop_ext.core.contended).

    ``announce``: the one email that tells the buyer. FILES, "your files are
    ready" (sent by the delivery feature on the order's first payment, when
    there are files), for an order whose receipt went out unpaid; RECEIPT,
    the receipt with the download links, for an order whose receipt waited
    for its payment (a hosted card payment); None when the caller sends the
    receipt itself (checkout, paid as it was placed).

    ``placed_now``: the order was written in the caller's transaction (the
    checkout paid as it was placed), so no other transaction can see it yet:
    there is no row lock to wait for and nothing to read again.

    Returns True if this call changed the order to paid.
    """
    with transaction.atomic():
        locked = order if placed_now else lock_order(order.pk)
        if locked.status in PAID_STATUSES:
            order.status = locked.status
            return False
        lines = list(locked.items.all())
        skus = [line.sku for line in lines]
        variations = availability.variations_for_skus(skus, site_id=locked.site_id)
        ships = any(not availability.is_digital_only(v) for v in variations.values())
        # A line no variation matches any more: staff must see what it was.
        unmatched = any(sku not in variations for sku in skus)
        locked.status = OrderStatus.PAID if ships or unmatched else OrderStatus.COMPLETE
        locked.save(update_fields=["status"])
        order_paid.send(sender=Order, order=locked, lines=lines, variations=variations, announce=announce)
        if announce == OrderEmail.RECEIPT:
            queue_order_email(locked, OrderEmail.RECEIPT)
        # The counter is every payment's one row: locked last, until the commit.
        contended.write(contended.INVOICE_COUNTER, 0, functools.partial(assign_invoice_number, locked))
    order.status = locked.status
    log.info("Order #%s marked paid (status %s)", order.pk, locked.status)
    return True


def announcing_email(order):
    """The email that tells the buyer of an order paid after it was placed:
    the receipt, with the download links, when none went out yet (held back
    for a hosted payment, or lost with a checkout that failed after the
    payment); else "your files are ready"."""
    receipt_sent = OrderEmail.objects.filter(order=order, kind=OrderEmail.RECEIPT).exists()
    return OrderEmail.FILES if receipt_sent else OrderEmail.RECEIPT


def set_order_status(order, status, announce=OrderEmail.FILES):
    """Move an order to ``status``; becoming paid goes through mark_order_paid
    (which sends ``announce``).

    Cancelled and refunded orders keep their grants, but the download rules
    (shop_ext.delivery.access) refuse them until the order is paid again.
    A cancelled order gives its discount code's use back, and takes it again
    if it leaves Cancelled.
    """
    with transaction.atomic():
        before = lock_order(order.pk)
        order.status = before.status
        # The code's row before the invoice counter (in mark_order_paid): a
        # checkout locks them in that order, and the other order could deadlock with it.
        _discount_use_follows_cancellation(before, status)
        if status in PAID_STATUSES and order.status not in PAID_STATUSES:
            mark_order_paid(order, announce=announce)
            if status == OrderStatus.PAID:
                status = order.status  # mark_order_paid chose Paid or, with nothing to ship, Complete
        if order.status != status:
            Order.objects.filter(pk=order.pk).update(status=status)
            order.status = status


def _discount_use_follows_cancellation(before, status):
    """``before``: the order as it was; ``status``: the status it is moved to."""
    code = before.discount_code
    cancelled, was_cancelled = status == OrderStatus.CANCELLED, before.status == OrderStatus.CANCELLED
    if not code or cancelled == was_cancelled:
        return
    if cancelled:
        discounts.give_back_use(code)
        return
    try:
        discounts.take_use(code)
    except discounts.CodeUsedUp:
        log.warning(
            "Order #%s left Cancelled, but its discount code %s has no use left to take.", before.pk, code
        )
