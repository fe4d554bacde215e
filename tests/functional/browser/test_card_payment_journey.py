"""A card payment end to end in Chromium: the shopper picks card on the
last checkout step, pays on the hosted page (Stripe's API and page played
by tests/fake_stripe.py on 127.0.0.1), comes back to the order's payment
page, and finds the files in order history. Then a signed webhook for the
same payment changes nothing more."""

import re

import pytest
from cartridge.shop.models import Order, Product
from django.core import mail
from playwright.sync_api import expect

from shop_ext.models import Payment
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign
from tests.functional.browser.checkout_form import consent_to_immediate_delivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOK = "The Lighthouse Keeper's Almanac"


@pytest.fixture
def stripe_api(settings, live_server):
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_by_shoppers_choice"
        settings.SHOP_PAYMENT_METHODS = ["card", "transfer"]
        settings.SHOP_SITE_URL = live_server.url  # where Stripe sends the shopper back
        yield fake


def test_shopper_pays_by_card_on_the_hosted_page_and_downloads(
    live_server, demo, stripe_api, page, check_a11y
):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile("^Username")).fill("demo-buyer")
    page.get_by_label(re.compile("^Password")).fill("demo-buyer")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + Product.objects.get(title=BOOK).get_absolute_url())
    page.get_by_role("radio", name=re.compile("^eBook")).check()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    # A download only: name, email and country are all checkout asks.
    for name, value in {
        "first_name": "Dana",
        "last_name": "Reader",
        "email": "buyer@example.com",
    }.items():
        page.locator(f"[name=billing_detail_{name}]").fill(value)
    # A list of countries (tax is charged by it: docs/taxes.md).
    page.locator("[name=billing_detail_country]").select_option("United Kingdom")
    # The same page asks how to pay and places the order.
    expect(page.get_by_role("group", name="How would you like to pay?")).to_be_visible()
    check_a11y(page)
    page.get_by_role("radio", name=re.compile("^Card")).check()
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()

    # Stripe's hosted page (the fake's): the order is placed, still unpaid.
    expect(page).to_have_url(re.compile(r"^" + re.escape(stripe_api.url) + r"/c/pay/cs_test_"))
    order = Order.objects.get()
    assert order.status == OrderStatus.UNPAID
    expect(page.locator("main")).to_contain_text(f"{order.total:.2f} GBP".replace(",", ""))
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(f"{live_server.url}/shop/payment/{order.pk}/")
    expect(page.get_by_role("status")).to_contain_text("your payment of")
    check_a11y(page)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    emails = len(mail.outbox)

    page.locator("#main").get_by_role("link", name="My orders and downloads").click()
    expect(page.locator(f"#order-{order.pk}")).to_contain_text("almanac")

    # Stripe's webhook for the same payment arrives afterwards: nothing more happens.
    payment = Payment.objects.get(order=order)
    body = stripe_api.event("checkout.session.completed", stripe_api.sessions[payment.session_id])
    response = Client().post(
        "/shop/payment/webhook/stripe/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )
    assert response.content == b"Already recorded as paid."
    assert len(mail.outbox) == emails
