"""What a payment's news does to its order, whoever brings it (a webhook,
the shopper's return page asking Stripe, staff refunding in the admin).

Every move locks the Payment row first and reads its state after the lock,
so the same news twice, or two kinds of news at once, has one effect.
Each function returns an Outcome: what was done, and whether staff should look.
"""

import logging
from dataclasses import dataclass

from cartridge.shop.models import Order
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_ext.catalogue import discounts, stock
from shop_ext.catalogue.availability import digital_only_skus
from shop_ext.core.money import minor_units, split
from shop_ext.models import DownloadGrant, Payment, PaymentEvent, PaymentRefund
from shop_ext.orders import PAID_STATUSES, OrderStatus
from shop_ext.orders.actions import announcing_email, lock_order, mark_order_paid, set_order_status
from shop_ext.payments.refund_tax import record_refund_tax

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
        record = PaymentRefund.objects.create(
            payment=payment, amount=amount_refunded - payment.amount_refunded
        )
        payment.amount_refunded = amount_refunded
        payment.save(update_fields=["amount_refunded", "updated_at"])
        record_refund_tax(record, payment.order, {}, amount_refunded >= payment.amount)
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
    that is left). A line gives back its share of the payment (line_shares),
    and its tax with it (refund_tax).
    The refund is recorded and the payment row stays locked while Stripe is
    asked, so the webhook that reports it finds it recorded.
    Returns the PaymentRefund; raises RefundRefused or the provider's error
    (then nothing is recorded)."""
    payment_id = order.payments.filter(status=Payment.PAID).values_list("pk", flat=True).first()
    if payment_id is None:
        raise RefundRefused(f"Order {order.pk} has no card payment to refund.")
    with transaction.atomic():
        payment = lock_payment(payment_id)
        # A line is refunded once (a second post of the same page, or a forged one).
        done = payment.refunded_item_ids()
        lines = order.items.all() if items is None else items
        lines = [line for line in lines if line.pk not in done]
        left = payment.refundable
        parts = line_parts(order, payment.amount)
        refunded_parts = {line.pk: parts[line.pk] for line in lines if line.pk in parts}
        wanted = left if items is None else min(left, sum(sum(part) for part in refunded_parts.values()))
        if wanted <= 0:
            raise RefundRefused(f"Order {order.pk}: nothing left to refund.")
        record = PaymentRefund.objects.create(payment=payment, amount=wanted, requested_by=user)
        record.items.set(lines)
        record.refund_id = create_refund(payment, wanted, f"shop-refund-{record.pk}")
        payment.amount_refunded += wanted
        payment.save(update_fields=["amount_refunded", "updated_at"])
        record_refund_tax(record, payment.order, refunded_parts, payment.amount_refunded >= payment.amount)
        revoked = DownloadGrant.objects.filter(order_item__in=lines, revoked_at__isnull=True)
        record.revoked_grants.set(list(revoked))
        revoked.update(revoked_at=timezone.now())
        if payment.amount_refunded >= payment.amount and payment.order.status != OrderStatus.REFUNDED:
            record.order_status_before = payment.order.status
            _close_refunded_order(payment.order)
        record.save(update_fields=["refund_id", "order_status_before"])
    return record


def payment_parts(paid, prices, shipped, shipping):
    """How a payment of ``paid`` splits over an order's lines (every
    amount in minor units): a (shipping, rest) pair per line, in the order
    of ``prices``.

    ``shipping`` (at most ``paid``) goes to the lines that ship (``shipped``:
    their prices, 0 for a download; every line by its price if none
    ships); the rest of the payment (the prices less the discount, plus any
    tax charged on top) to every line by its price. Each split rounds down
    and gives the units left to the largest remainders (the earlier line on
    a tie), so the parts add up to ``paid`` exactly: refunding every line
    refunds the whole payment."""
    if not any(shipped):
        shipped = prices
    shipping = min(paid, shipping)
    return list(zip(split(shipping, shipped), split(paid - shipping, prices), strict=True))


def line_parts(order, paid):
    """payment_parts of ``order``'s lines, by line id (a line whose SKU no
    longer matches a variation counts as one that ships)."""
    lines = list(order.items.order_by("pk"))
    if not lines:
        return {}
    prices = [minor_units(line.total_price or 0) for line in lines]
    downloads_only = digital_only_skus([line.sku for line in lines], order.site_id)
    shipped = [0 if line.sku in downloads_only else price for line, price in zip(lines, prices, strict=True)]
    parts = payment_parts(paid, prices, shipped, minor_units(order.shipping_total or 0))
    return {line.pk: part for line, part in zip(lines, parts, strict=True)}


def line_shares(order, paid):
    """What each line of ``order`` is worth of ``paid`` (minor units), by
    line id: the amount refunding that line gives back."""
    return {pk: sum(part) for pk, part in line_parts(order, paid).items()}


def refund_failed(refund):
    """Stripe says the refund ``refund`` (a dict, as in a refund.failed
    event) failed: the money stayed with the shop, so what the refund took
    away (downloads, the Refunded status, the lines' refunded mark) comes
    back, and staff are told to sort it out with the buyer."""
    refund_id = str(refund.get("id") or "")
    payment_intent = str(refund.get("payment_intent") or "")
    payment_id = Payment.objects.filter(payment_intent=payment_intent).values_list("pk", flat=True).first()
    if not (refund_id and payment_intent) or payment_id is None:
        return Outcome(f"REFUSED: no paid order has payment {payment_intent!r}.", needs_attention=True), None
    with transaction.atomic():
        payment = lock_payment(payment_id)
        record = payment.refunds.filter(refund_id=refund_id).first()
        if record is None:
            return Outcome(
                f"Refund {refund_id} failed at Stripe; it was not made from the shop's admin: "
                "check the payment and the order's downloads.",
                needs_attention=True,
            ), payment
        if record.failed_at is not None:
            return Outcome("Refund failure already recorded."), payment
        record.failed_at = timezone.now()
        record.failure_reason = str(refund.get("failure_reason") or "unknown")[:100]
        record.save(update_fields=["failed_at", "failure_reason"])
        payment.amount_refunded = max(payment.amount_refunded - record.amount, 0)
        payment.save(update_fields=["amount_refunded", "updated_at"])
        restored = record.revoked_grants.filter(revoked_at__isnull=False).update(revoked_at=None)
        if record.order_status_before is not None and payment.order.status == OrderStatus.REFUNDED:
            set_order_status(payment.order, record.order_status_before, announce=None)
        return Outcome(
            f"Refund {refund_id} of {record.amount} failed at Stripe ({record.failure_reason}): "
            f"{restored} download(s) and the order's status restored; the buyer was not refunded.",
            needs_attention=True,
        ), payment


def retry(order, start_payment):
    """Pay a failed order again: take its stock and its discount code's use
    again (all or nothing) and open a new hosted payment. Returns the new
    Payment; raises RetryRefused (nothing taken)."""
    with transaction.atomic():
        order = lock_order(order.pk)
        last = order.payments.first()
        if last is None or not last.awaits_retry:
            raise RetryRefused(_("This order is not waiting for a new payment."))
        try:
            stock.take_stock(order.items.all(), site_id=order.site_id)
            if order.discount_code:
                discounts.take_use(order.discount_code)
        except stock.OutOfStock as shortfall:
            raise RetryRefused(_("%(reason)s Please place a new order.") % {"reason": shortfall}) from None
        except discounts.CodeUsedUp:
            raise RetryRefused(
                _("The discount code %(code)s has been used up since. Please place a new order.")
                % {"code": order.discount_code}
            ) from None
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.UNPAID)
        return start_payment(order)


def _close_refunded_order(order):
    if order.status != OrderStatus.REFUNDED:
        set_order_status(order, OrderStatus.REFUNDED)
