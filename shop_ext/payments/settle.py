"""What a payment's news does to its order, whoever brings it (a webhook,
the shopper's return page asking Stripe, staff refunding in the admin).

Every move locks the Payment row first and reads its state after the lock,
so the same news twice, or two kinds of news at once, has one effect.
Each function returns an Outcome: what was done, and whether staff should look.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from cartridge.shop.models import Order
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from shop_ext.catalogue import discounts, stock
from shop_ext.models import DownloadGrant, Payment, PaymentEvent, PaymentRefund
from shop_ext.orders import PAID_STATUSES, OrderStatus
from shop_ext.orders.actions import announcing_email, lock_order, mark_order_paid, set_order_status

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    text: str
    needs_attention: bool = False


class RefundRefused(Exception):
    """Nothing (more) can be refunded; the message says why, for staff."""


class RetryRefused(Exception):
    """The order cannot be paid again now; the message says why, for the shopper."""


def lock_payment(payment_id):
    """As orders.actions.lock_order, for a Payment row."""
    Payment.objects.filter(pk=payment_id).update(status=F("status"))
    return Payment.objects.select_related("order").get(pk=payment_id)


def session_paid(payment_id, session):
    """Stripe says the Checkout Session ``session`` (a dict) is complete.
    Its payment may still be on its way (bank debits): then nothing changes."""
    with transaction.atomic():
        payment = lock_payment(payment_id)
        if session.get("payment_status") != "paid":
            return Outcome(f"Session complete, payment {session.get('payment_status')}: waiting for it.")
        amount, currency = session.get("amount_total"), str(session.get("currency") or "").lower()
        if amount != payment.amount or currency != payment.currency:
            log.error(
                "Order #%s: Stripe reports %s %s paid, the order asked for %s %s; not marked paid.",
                payment.order_id,
                amount,
                currency,
                payment.amount,
                payment.currency,
            )
            return Outcome(
                f"REFUSED: paid {amount} {currency}, expected {payment.amount} {payment.currency}.",
                needs_attention=True,
            )
        if payment.status == Payment.PAID:
            return Outcome("Already recorded as paid.")
        earlier = payment.status
        payment.status = Payment.PAID
        payment.payment_intent = str(session.get("payment_intent") or "")
        payment.save(update_fields=["status", "payment_intent", "updated_at"])
        order = lock_order(payment.order_id)
        if order.status == OrderStatus.UNPAID:
            mark_order_paid(order, announce=announcing_email(order))
            early = _refund_reported_before(payment)
            if early is not None:
                return Outcome(
                    f"Order marked paid; a refund reported earlier: {early.text}", needs_attention=True
                )
            return Outcome("Order marked paid.")
        if order.status in PAID_STATUSES:
            return Outcome("The order was already paid: check for a double payment.", needs_attention=True)
        # Money arrived for an order given up on (a payment recorded as failed,
        # or cancelled by staff): the buyer paid, so they get what they paid for.
        given_up_as = order.get_status_display()
        set_order_status(order, OrderStatus.PAID, announce=announcing_email(order))
        return Outcome(
            f"Paid after the payment was recorded as {earlier} and the order as {given_up_as}: "
            "marked paid now; check its stock, which may have been given back.",
            needs_attention=True,
        )


def session_failed(payment_id, status):
    """The payment failed or its session expired (``status``): the order
    gives back its stock and its discount code's use, once, and shows
    "payment failed" with a way to try again."""
    with transaction.atomic():
        payment = lock_payment(payment_id)
        if payment.status != Payment.PENDING:
            return Outcome(f"Already {payment.get_status_display().lower()}.")
        payment.status = status
        payment.save(update_fields=["status", "updated_at"])
        order = lock_order(payment.order_id)
        if order.status != OrderStatus.UNPAID:
            return Outcome(
                f"The order is {order.get_status_display()}: nothing given back.", needs_attention=True
            )
        stock.give_back_stock(stock.lines_of(order.items.all(), order.site_id))
        set_order_status(order, OrderStatus.CANCELLED)  # gives the discount code's use back
        return Outcome(f"Payment {payment.get_status_display().lower()}: stock and discount code given back.")


def refunded_at_provider(payment_intent, amount_refunded):
    """Stripe says ``amount_refunded`` (in total) of this payment went back.
    What the admin refunded is recorded already; the rest was refunded in
    Stripe's dashboard: in full, the order becomes Refunded (downloads
    closed); in part, staff choose which lines' downloads to revoke."""
    payment_id = Payment.objects.filter(payment_intent=payment_intent).values_list("pk", flat=True).first()
    if not payment_intent or payment_id is None:
        return Outcome(f"REFUSED: no paid order has payment {payment_intent!r}.", needs_attention=True), None
    with transaction.atomic():
        payment = lock_payment(payment_id)
        if amount_refunded <= payment.amount_refunded:
            return Outcome("Refund already recorded."), payment
        PaymentRefund.objects.create(payment=payment, amount=amount_refunded - payment.amount_refunded)
        payment.amount_refunded = amount_refunded
        payment.save(update_fields=["amount_refunded", "updated_at"])
        if amount_refunded < payment.amount:
            return Outcome(
                "Partly refunded at Stripe: revoke the downloads of the refunded lines in the admin.",
                needs_attention=True,
            ), payment
        _close_refunded_order(payment.order)
        return Outcome("Refunded in full at Stripe: order refunded, downloads closed."), payment


def _refund_reported_before(payment):
    """Apply refund events that came before their payment was recorded
    (Stripe does not promise the order of events); their Outcome, or None."""
    early = PaymentEvent.objects.filter(
        type="charge.refunded", payment=None, payment_intent=payment.payment_intent
    ).exclude(payment_intent="")
    amount = early.aggregate(most=Max("amount_refunded"))["most"]
    if amount is None:
        return None
    early.update(payment=payment)
    outcome, _payment = refunded_at_provider(payment.payment_intent, amount)
    return outcome


def refund(order, items, user, create_refund):
    """Refund the order's card payment: ``items`` (order lines; None: all
    that is left). The refund is recorded and the payment row stays locked
    while Stripe is asked, so the webhook that reports it finds it recorded.
    Returns the PaymentRefund; raises RefundRefused or the provider's error
    (then nothing is recorded)."""
    payment_id = order.payments.filter(status=Payment.PAID).values_list("pk", flat=True).first()
    if payment_id is None:
        raise RefundRefused(f"Order {order.pk} has no card payment to refund.")
    with transaction.atomic():
        payment = lock_payment(payment_id)
        if items is not None:
            # A line is refunded once (a second post of the same page, or a forged one).
            done = payment.refunded_item_ids()
            items = [item for item in items if item.pk not in done]
        left = payment.refundable
        wanted = left if items is None else min(left, sum(minor_units(item.total_price) for item in items))
        if wanted <= 0:
            raise RefundRefused(f"Order {order.pk}: nothing left to refund.")
        record = PaymentRefund.objects.create(payment=payment, amount=wanted, requested_by=user)
        refunded_items = list(order.items.all()) if items is None else items
        record.items.set(refunded_items)
        record.refund_id = create_refund(payment, wanted, f"shop-refund-{record.pk}")
        record.save(update_fields=["refund_id"])
        payment.amount_refunded += wanted
        payment.save(update_fields=["amount_refunded", "updated_at"])
        DownloadGrant.objects.filter(order_item__in=refunded_items, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if payment.amount_refunded >= payment.amount:
            _close_refunded_order(payment.order)
    return record


def retry(order, start_payment):
    """Pay a failed order again: take its stock and its discount code's use
    again (all or nothing) and open a new hosted payment. Returns the new
    Payment; raises RetryRefused (nothing taken)."""
    with transaction.atomic():
        order = lock_order(order.pk)
        last = order.payments.first()
        if last is None or not last.awaits_retry:
            raise RetryRefused("This order is not waiting for a new payment.")
        try:
            stock.take_stock(order.items.all(), site_id=order.site_id)
            if order.discount_code:
                discounts.take_use(order.discount_code)
        except stock.OutOfStock as shortfall:
            raise RetryRefused(f"{shortfall} Please place a new order.") from None
        except discounts.CodeUsedUp:
            raise RetryRefused(
                f"The discount code {order.discount_code} has been used up since. Please place a new order."
            ) from None
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.UNPAID)
        return start_payment(order)


def minor_units(amount):
    """Pence or cents, as Stripe counts (the shop's currencies have two decimals)."""
    return int((Decimal(amount) * 100).quantize(Decimal(1)))


def _close_refunded_order(order):
    if order.status != OrderStatus.REFUNDED:
        set_order_status(order, OrderStatus.REFUNDED)
