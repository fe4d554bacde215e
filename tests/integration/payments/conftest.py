import pytest
from cartridge.shop.models import Order

from shop_ext.models import Payment
from tests.client import Client
from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign
from tests.shopper import COMPLETE_URL, add_to_cart, checkout

WEBHOOK_URL = "/shop/payment/webhook/stripe/"


@pytest.fixture
def stripe_api(settings):
    """Stripe's API on 127.0.0.1, and the shop taking card payments there."""
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.stripe_checkout.pay_by_card"
        yield fake


@pytest.fixture
def pay_by_card(client, buyer, stripe_api):
    """The buyer checks out ``fmt`` of ``product`` and is sent to Stripe.
    Returns (order, its Payment)."""

    def place(product, fmt="eBook", quantity=1, discount_code=""):
        client.force_login(buyer)
        add_to_cart(client, product, quantity, option3=fmt)
        placed = checkout(client, discount_code=discount_code, billing_detail_email=buyer.email)
        assert placed["Location"] == COMPLETE_URL
        order = Order.objects.filter(user_id=buyer.id).latest("id")
        payment = order.payments.get()
        to_stripe = client.get(COMPLETE_URL)
        assert (to_stripe.status_code, to_stripe["Location"]) == (302, payment.checkout_url)
        return order, payment

    return place


@pytest.fixture
def send_event(stripe_api):
    """POST a webhook event to the shop, signed as Stripe signs it."""

    def send(event_type, obj, body=None, **headers):
        body = stripe_api.event(event_type, obj) if body is None else body
        headers.setdefault("HTTP_STRIPE_SIGNATURE", sign(body))
        return Client().post(WEBHOOK_URL, body, content_type="application/json", **headers)

    return send


def payment_of(order):
    return Payment.objects.filter(order=order).first()
