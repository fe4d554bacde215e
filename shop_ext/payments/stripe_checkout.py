"""Card payments at Stripe's hosted Checkout, through Stripe's own SDK.

No card data reaches us: the gateway opens a Checkout Session for the
placed order and the shopper pays on Stripe's page. The order stays unpaid
until a signed webhook says the money arrived (shop_ext.payments.webhooks);
the shopper's return to our site proves nothing by itself.
"""

import logging
import time

import stripe
from cartridge.shop.checkout import CheckoutError
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from shop_ext.core.links import absolute_url
from shop_ext.core.money import minor_units
from shop_ext.models import Payment
from shop_ext.payments.gateways import PAYMENT_REDIRECT_SESSION_KEY
from shop_ext.taxes import evidence

log = logging.getLogger(__name__)

PROVIDER = "stripe"
# The events the webhook acts on; check_payments wants the endpoint to send them.
WEBHOOK_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "refund.failed",
)


def client():
    """A Stripe client with the shop's secret key, calling STRIPE_API_BASE.
    Calls are short (SHOP_STRIPE_TIMEOUT_SECONDS, one retry): the checkout
    makes them inside its transaction while the shopper waits."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=stripe.RequestsClient(timeout=settings.SHOP_STRIPE_TIMEOUT_SECONDS),
        max_network_retries=1,
    )


def pay_by_card(request, order_form, order):
    """SHOP_PAYMENT_GATEWAY: open a hosted payment for the placed order.

    Returns no transaction id: the order is placed unpaid, and the checkout's
    completion page sends the shopper on to Stripe (shop_ext.checkout.views).
    An order with nothing to pay (a 100% discount) is paid at once: Stripe
    takes no zero payments."""
    if minor_units(order.total) <= 0:
        return f"NO-CHARGE-{order.pk}"
    payment = start_payment(order)
    request.session[PAYMENT_REDIRECT_SESSION_KEY] = payment.checkout_url
    return None


def cancel_hosted_payment(request, order):
    """Undo what pay_by_card did for ``order``, which the checkout could not
    place after all (payment_abandoned, shop_ext.payments.receivers). The
    shopper is not sent to Stripe, the Checkout Session can no longer be
    paid, and its pending Payment row goes (it would keep Cartridge from
    deleting the order)."""
    request.session.pop(PAYMENT_REDIRECT_SESSION_KEY, None)
    for payment in order.payments.filter(status=Payment.PENDING):
        expire_session(payment)
        payment.delete()


def expire_session(payment):
    """Expire the payment's Checkout Session at Stripe. Best effort: one
    left open expires by itself, and nobody was given its address."""
    try:
        client().v1.checkout.sessions.expire(payment.session_id)
    except stripe.StripeError as error:
        log.warning(
            "Order #%s: could not expire Checkout Session %s: %s", payment.order_id, payment.session_id, error
        )


def awaits_hosted_payment(order):
    """Placed for a card payment that has not arrived yet: its receipt waits
    for the payment (one email per purchase, with the links)."""
    return order.payments.filter(status=Payment.PENDING).exists()


def start_payment(order, return_path=None):
    """A Checkout Session for the order's total, recorded as a pending Payment.
    Stripe sends the shopper back to ``return_path`` (default: the payment
    page, for the browser that placed the order). A provider error becomes a
    CheckoutError (the checkout shows it and gives back what the order held)."""
    return_url = absolute_url(return_path or reverse("shop_payment_status", args=[order.pk]))
    amount = minor_units(order.total)
    currency = settings.SHOP_PAYMENT_CURRENCY
    try:
        session = client().v1.checkout.sessions.create(
            {
                "mode": "payment",
                "client_reference_id": str(order.pk),
                "customer_email": order.billing_detail_email,
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency,
                            "unit_amount": amount,
                            "product_data": {"name": _("Order %(id)s") % {"id": order.pk}},
                        },
                    }
                ],
                "metadata": {"order_id": str(order.pk)},
                "expires_at": int(time.time()) + settings.SHOP_PAYMENT_SESSION_MINUTES * 60,
                "payment_intent_data": {"metadata": {"order_id": str(order.pk)}},
                "success_url": return_url,
                "cancel_url": return_url,
            },
            {"idempotency_key": f"order-{order.pk}-payment-{order.payments.count()}"},
        )
    except stripe.StripeError as error:
        log.error("Order #%s: Stripe refused the Checkout Session: %s", order.pk, error)
        raise CheckoutError(
            _("Card payments are not available just now. Please try again shortly.")
        ) from None
    return Payment.objects.create(
        order=order,
        provider=PROVIDER,
        session_id=session.id,
        checkout_url=session.url,
        amount=amount,
        currency=currency,
    )


def retrieve_session(session_id):
    """The Checkout Session as Stripe has it now (a dict, as in an event),
    or None if Stripe cannot say."""
    try:
        return client().v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.StripeError as error:
        log.warning("Could not retrieve Checkout Session %s: %s", session_id, error)
        return None


def card_country(payment_intent):
    """The ISO code of the country that issued the card that paid, or ""
    when Stripe cannot say (no card, an error): tax evidence, never a reason
    to fail a payment."""
    try:
        intent = client().v1.payment_intents.retrieve(payment_intent, {"expand": ["latest_charge"]}).to_dict()
    except stripe.StripeError as error:
        log.warning("Could not retrieve PaymentIntent %s for its card's country: %s", payment_intent, error)
        return ""
    charge = intent.get("latest_charge")
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    card = (details or {}).get("card") or {}
    country = card.get("country")
    return country if isinstance(country, str) and len(country) == 2 and country.isalpha() else ""


def note_card_country(order_id, session):
    """With tax on, a paid session's card country joins the order's tax
    evidence (docs/taxes.md). Asked of Stripe before the payment's row is
    locked to record it: no row lock waits on Stripe's network call."""
    intent = session.get("payment_intent")
    if (
        settings.SHOP_TAX_ENABLED
        and session.get("payment_status") == "paid"
        and isinstance(intent, str)
        and intent
    ):
        evidence.add_card_country(order_id, card_country(intent))


def create_refund(payment, amount, idempotency_key):
    """Refund ``amount`` (minor units) of the payment at Stripe; its refund id."""
    refund = client().v1.refunds.create(
        {"payment_intent": payment.payment_intent, "amount": amount},
        {"idempotency_key": idempotency_key},
    )
    return refund.id
