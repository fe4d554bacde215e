"""A payment taken at checkout is never forgotten.

The checkout's last step is one transaction (shop_ext.checkout.views.checkout):
the order, its stock and discount code's use, its transaction id, its status,
grants and delivery record, and its receipt's row are written all together or
not at all. A gateway that takes the money at once does so inside it, so a
failure after it (a database connection cut) would roll back the only record
of that money. The payment is therefore noted, in memory, when the gateway
returns, and written as an UnfinishedPayment once the rollback is over, for
staff to refund. An order that has a transaction id but is not paid (placed
before the last step was one transaction) is finished instead: marked paid,
once, with its receipt. ``manage.py reconcile_payments`` lists and settles both.
"""

import logging

from cartridge.shop.models import Order
from django.db import DatabaseError
from django.utils import timezone

from shop_ext.models import UnfinishedPayment
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import announcing_email, mark_order_paid

log = logging.getLogger(__name__)

# The request attribute holding the payment taken during this checkout.
PAYMENT_TAKEN = "_shop_ext_payment_taken"


def note_payment_taken(request, order, transaction_id):
    """The gateway took ``order``'s money: keep what a refund needs, outside the transaction."""
    taken = UnfinishedPayment(
        transaction_id=transaction_id,
        total=order.total,
        billing_name=f"{order.billing_detail_first_name} {order.billing_detail_last_name}".strip()[:200],
        billing_email=order.billing_detail_email,
    )
    setattr(request, PAYMENT_TAKEN, (order.pk, taken))


def record_if_payment_taken(request, failure):
    """After the checkout's transaction rolled back on ``failure``: write the
    payment it took, if any, for a refund. Returns the UnfinishedPayment or None."""
    noted = getattr(request, PAYMENT_TAKEN, None)
    if noted is None:
        return None
    order_id, taken = noted
    taken.error = f"Order #{order_id} not completed: {type(failure).__name__}: {failure}"[:1000]
    try:
        if Order.objects.filter(pk=order_id, transaction_id=taken.transaction_id).exists():
            # The failure came after the COMMIT reached the database (its
            # answer was lost): the order is placed and paid, nothing to refund.
            log.warning("Order #%s was placed and paid although its request failed: %s", order_id, failure)
            return None
        payment, _created = UnfinishedPayment.objects.get_or_create(
            transaction_id=taken.transaction_id,
            defaults={f: getattr(taken, f) for f in ("total", "billing_name", "billing_email", "error")},
        )
    except DatabaseError:
        log.critical(
            "Payment %s (%s, %s) was taken but neither its order nor its record could be written: "
            "unless order #%s exists with it, refund it by hand. %s",
            taken.transaction_id,
            taken.total,
            taken.billing_email,
            order_id,
            taken.error,
            exc_info=True,
        )
        return None
    log.error(
        "Payment %s (%s, %s) was taken but its order could not be completed; recorded for a refund "
        "(manage.py reconcile_payments). %s",
        payment.transaction_id,
        payment.total,
        payment.billing_email,
        payment.error,
    )
    return payment


def payments_to_refund():
    """Payments recorded for a refund, but for one whose order exists after
    all (recorded while the database could not say so)."""
    placed = Order.objects.exclude(transaction_id__isnull=True).values("transaction_id")
    return UnfinishedPayment.objects.filter(settled_at__isnull=True).exclude(transaction_id__in=placed)


def orders_to_finish():
    """Unpaid orders that carry a gateway's transaction id: paid, never completed."""
    return (
        Order.objects.filter(status=OrderStatus.UNPAID)
        .exclude(transaction_id__isnull=True)
        .exclude(transaction_id="")
        .order_by("pk")
    )


def finish(order):
    """Mark a paid order paid, as its checkout would have; safe to repeat.
    Returns whether this call changed it."""
    return mark_order_paid(order, announce=announcing_email(order))


def settle(transaction_id):
    """Staff refunded (or otherwise settled) the payment: it leaves the list.
    Returns whether one was waiting."""
    return bool(payments_to_refund().filter(transaction_id=transaction_id).update(settled_at=timezone.now()))
