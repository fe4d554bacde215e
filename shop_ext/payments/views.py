"""The shopper's side of a card payment: the page Stripe sends them back
to, which shows what our records (or Stripe, asked directly) say, never
what the return address claims; and paying a failed order again."""

from functools import partial

from cartridge.shop.checkout import CheckoutError
from cartridge.shop.models import Order
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop_ext.delivery.private_links import holder_for_token, holder_of, no_referrer, page_url
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
        stripe_checkout.note_card_country(payment.order_id, session)
        settle.session_paid(payment.pk, session)
    elif session.get("status") == "expired":
        settle.session_failed(payment.pk, Payment.EXPIRED)


# Paying again from a private link, Stripe sends the buyer back through a
# return link of its own, so the private link's token never reaches Stripe:
# signed for that purpose only (its salt), 256 bits, checked in constant
# time, and good only while the payment can be made (the session's life)
# and a few minutes more for the way back.
RETURN_SALT = "shop_ext.payments.return_to_private_page"
RETURN_GRACE_SECONDS = 10 * 60


def _return_signer():
    return signing.TimestampSigner(salt=RETURN_SALT, algorithm="sha256")


def return_path_to_private_page(order):
    """The private page's return link for Stripe; the token in it is the
    signed "<timestamp>:<signature>" of the order's number."""
    token = _return_signer().sign(str(order.pk)).split(":", 1)[1]
    return reverse("shop_payment_return", args=[order.pk, token])


@never_cache
@no_referrer
def return_to_private_page(request, order_id, token):
    """Where Stripe sends a buyer who paid again from the private page:
    on to that page. A forged, altered or expired return link is a 404."""
    max_age = settings.SHOP_PAYMENT_SESSION_MINUTES * 60 + RETURN_GRACE_SECONDS
    try:
        _return_signer().unsign(f"{order_id}:{token}", max_age=max_age)
    except signing.BadSignature:  # also an expired one
        raise Http404("No such order.") from None
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    return redirect(page_url(holder_of(order)))


@require_POST
def retry_payment(request, order_id, token=None):
    """Pay a failed order again: its stock and code are taken again and a
    new hosted payment opened. From the order's private page (``token``)
    too, which is where a refusal goes back to."""
    order = _payer_order(request, order_id, token)
    # From a private link (maybe another device): back to that page, which
    # shows the payment's state, not to a page only the first browser opens.
    back = return_path_to_private_page(order) if token else None
    try:
        payment = settle.retry(order, partial(stripe_checkout.start_payment, return_path=back))
    except (settle.RetryRefused, CheckoutError) as refusal:
        messages.error(request, str(refusal))
        if token is not None:
            return redirect("private:order", order_id=order.pk, token=token)
        return redirect("shop_payment_status", order_id=order.pk)
    return redirect(payment.checkout_url)
