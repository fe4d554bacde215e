"""The shopper's side of a card payment: the page Stripe sends them back
to, which shows what our records (or Stripe, asked directly) say, never
what the return address claims; and paying a failed order again."""

from functools import partial

from cartridge.shop.checkout import CheckoutError
from cartridge.shop.models import Order
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop_ext.delivery.private_links import holder_for_token, holder_of, page_url
from shop_ext.models import Payment
from shop_ext.orders import PAID_STATUSES
from shop_ext.payments import settle, stripe_checkout


def _payer_order(request, order_id, token=None):
    """The order, for its buyer (signed in, or holding its private link) or
    the browser that placed it; anyone else gets 404, as for an order that
    does not exist."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    if token is not None:
        if holder_for_token(order_id, token) is None:
            raise Http404("No such order.")
        return order
    user = request.user
    placed_here = bool(order.key) and constant_time_compare(order.key, request.session.session_key or "")
    if not ((user.is_authenticated and order.user_id == user.id) or placed_here):
        raise Http404("No such order.")
    return order


@never_cache
def payment_status(request, order_id):
    """Paid, still processing, or failed (with a way to pay again)."""
    order = _payer_order(request, order_id)
    payment = order.payments.first()
    if payment is None:
        raise Http404("No card payment for this order.")
    if payment.status == Payment.PENDING:
        _ask_stripe(payment)
        payment.refresh_from_db()
        order.refresh_from_db()
    if order.status in PAID_STATUSES:
        state = "paid"
    elif payment.status == Payment.PENDING:
        state = "processing"
    else:
        state = "failed"
    context = {"order": order, "payment": payment, "state": state, "private_url": page_url(holder_of(order))}
    return TemplateResponse(request, "shop_ext/payment_status.html", context)


def _ask_stripe(payment):
    """The shopper may be back before the webhook: what Stripe says when
    we ask it (with our secret key) counts as much as a signed event."""
    session = stripe_checkout.retrieve_session(payment.session_id)
    if session is None:
        return
    if session.get("status") == "complete":
        settle.session_paid(payment.pk, session)
    elif session.get("status") == "expired":
        settle.session_failed(payment.pk, Payment.EXPIRED)


@require_POST
def retry_payment(request, order_id, token=None):
    """Pay a failed order again: its stock and code are taken again and a
    new hosted payment opened. From the order's private page (``token``)
    too, which is where a refusal goes back to."""
    order = _payer_order(request, order_id, token)
    # From a private link (maybe another device): back to that page, which
    # shows the payment's state, not to a page only the first browser opens.
    return_path = reverse("private:order", args=[order.pk, token]) if token else None
    try:
        payment = settle.retry(order, partial(stripe_checkout.start_payment, return_path=return_path))
    except (settle.RetryRefused, CheckoutError) as refusal:
        messages.error(request, str(refusal))
        if token is not None:
            return redirect("private:order", order_id=order.pk, token=token)
        return redirect("shop_payment_status", order_id=order.pk)
    return redirect(payment.checkout_url)
