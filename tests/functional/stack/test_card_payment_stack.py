"""A guest pays by card through the deployment: nginx in front of gunicorn,
Stripe's API played by a local fake, the worker sending the one email.
The signed webhook through nginx pays the order once; the receipt's
private link downloads the file without an account."""

import re

import pytest
import requests

from deploy.local_stack import free_port
from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign
from tests.functional.stack.forms import place_order, post_form
from tests.functional.stack.test_delivery_stack import BOOK_SLUG
from tests.shopper import DOWNLOAD_ONLY_DETAILS, private_link

pytestmark = pytest.mark.stack

GUEST = "card-guest@example.com"


@pytest.fixture(scope="module")
def card_shop(stack):
    """A second app server taking card payments at the fake Stripe, behind its own nginx."""
    with FakeStripe() as stripe_api:
        app = stack.start_gunicorn(
            name="gunicorn-card",
            SHOP_PAYMENT_GATEWAY="shop_ext.payments.stripe_checkout.pay_by_card",
            STRIPE_API_BASE=stripe_api.url,
            STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_PUBLISHABLE_KEY="pk_test_fake_0123456789",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            SHOP_STAGING="true",  # test keys
        )
        web = stack.start_nginx(app, name="nginx-card", port=free_port())
        yield stripe_api, web


def webhook(web, body, signature):
    return requests.post(
        f"{web.url}/shop/payment/webhook/stripe/",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        timeout=30,
    )


def test_a_guest_pays_by_card_and_downloads_from_the_one_email(stack, card_shop):
    stripe_api, web = card_shop
    guest = requests.Session()
    added = post_form(guest, f"{web.url}/shop/product/{BOOK_SLUG}/", {"option3": "eBook", "quantity": 1})
    assert added.status_code == 302
    details = {**DOWNLOAD_ONLY_DETAILS, "billing_detail_email": GUEST}
    placed = place_order(guest, web.url, details)
    assert placed.status_code == 302
    to_stripe = guest.get(f"{web.url}/shop/checkout/complete/", allow_redirects=False)
    assert to_stripe.headers["Location"].startswith(stripe_api.url)
    [(order_id, session_id)] = stack.sql(
        "SELECT o.id, p.session_id FROM shop_order o JOIN shop_ext_payment p ON p.order_id = o.id "
        "WHERE o.billing_detail_email = %s",
        GUEST,
    )

    body = stripe_api.event("checkout.session.completed", stripe_api.complete(session_id))
    assert webhook(web, body, "t=1,v1=" + "0" * 64).status_code == 400  # not Stripe's signature
    assert webhook(web, body, sign(body)).status_code == 200
    assert webhook(web, body, sign(body)).status_code == 200  # delivered again: nothing more

    receipt = stack.smtp.wait_for_message(to=GUEST)
    text = receipt.get_body(("plain",)).get_content()
    [(grant_id,)] = stack.sql(
        "SELECT g.id FROM shop_ext_downloadgrant g JOIN shop_ext_productfile f ON f.id = g.file_id "
        "WHERE g.order_id = %s AND f.original_filename LIKE %s",
        order_id,
        "%.epub",
    )
    download = requests.get(f"{web.url}{private_link(text, order_id)}files/{grant_id}/", timeout=60)
    assert download.status_code == 200
    assert download.content.startswith(b"PK")
    assert [m["To"] for m in stack.smtp.messages].count(GUEST) == 1  # one email per purchase
    [(status,)] = stack.sql("SELECT status FROM shop_order WHERE id = %s", order_id)
    assert status == 4  # Complete: paid, nothing to post
    assert not re.search(r"/orders/\d+/[0-9a-f]{64}", (stack.tmp / "gunicorn-card-access.log").read_text())
